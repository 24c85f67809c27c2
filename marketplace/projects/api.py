"""/api/v1/ for 攻关项目 (issue 10, step 7; routes in api_urls.py): projects, their public
notices, objections, milestones and 验收, through projects' selectors and services.

It lives here, like bidding/api.py and matches/api.py, because it imports marketplace.api
(input types, schema helpers) and bidding's ledger: marketplace.api importing projects
would close a cycle (tests/test_architecture.py).

Every object is found through a selector that checks who may see it (404 otherwise, as
for bids); every write goes through the service the page calls, which checks the rule
again and changes nothing when it refuses. A refusal of a visible object's action is a
404 too, as the pages (and the bid endpoints' award / decline) answer; only filing an
objection on a *public* notice explains a refusal with a 403.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from cms.lifecycle import ListingKind
from marketplace.api.filters import ListingFilterForm, choice_filter
from marketplace.api.input import JSONInputSerializer
from marketplace.api.schema import ErrorDetailSerializer
from marketplace.api.serializers import CodeLabelField
from marketplace.bidding import ledger
from marketplace.bidding.models import (
    MAX_PRICE_YUAN,
    ContractState,
    ContractType,
    Deal,
    TechContract,
)
from marketplace.bidding.selectors import deal_contract, deal_payments
from marketplace.converters import MAX_ID

from . import selectors, services
from .models import (
    Acceptance,
    AcceptanceState,
    MilestoneReport,
    MilestoneState,
    Objection,
    ObjectionState,
    Project,
    ProjectMilestone,
    ProjectState,
)

MAX_TEXT = services.MAX_TEXT

# ---------------------------------------------------------------------------
# output


@extend_schema_field(OpenApiTypes.STR)
class PlainNumberField(serializers.Field):
    """A stored decimal as typed, as a string: 0.1800 → "0.18", 100.0000 → "100"."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        try:
            return format(Decimal(value).normalize(), "f")
        except (InvalidOperation, TypeError, ValueError):
            return str(value)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ListingRefSerializer(serializers.Serializer):
    """The demand or technology a project is about."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, listing) -> str | None:
        """The listing's public page (null if it has none)."""
        return listing.get_url(self.context.get("request"))


class ReportValueSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(source="indicator_id")
    name = serializers.CharField(source="indicator.name")
    unit = serializers.CharField(source="indicator.unit")
    value = PlainNumberField()


class MilestoneReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    file = serializers.SerializerMethodField()
    values = ReportValueSerializer(many=True)

    def get_file(self, report: MilestoneReport) -> str | None:
        """The permission-checked download of the report's file (null: no file)."""
        return reverse("projects:report_file", kwargs={"pk": report.pk}) if report.file else None


class ProjectMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    due_date = serializers.DateField()
    deliverable = serializers.CharField()
    state = CodeLabelField(MilestoneState.choices)
    return_reason = serializers.CharField()
    reported_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    reports = MilestoneReportSerializer(many=True)


class AcceptanceResultSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(source="indicator_id", allow_null=True)
    name = serializers.CharField()
    target_value = serializers.CharField()
    unit = serializers.CharField()
    measured_value = PlainNumberField()
    test_method = serializers.CharField()
    met = serializers.BooleanField()


class AcceptanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = CodeLabelField(AcceptanceState.choices)
    summary = serializers.CharField()
    requested_at = serializers.DateTimeField()
    owner_signed_at = serializers.DateTimeField(allow_null=True)
    curator_signed_at = serializers.DateTimeField(allow_null=True)
    return_reason = serializers.CharField()
    returned_at = serializers.DateTimeField(allow_null=True)
    results = AcceptanceResultSerializer(many=True)


class ObjectionSerializer(serializers.Serializer):
    """An objection as the parties and curators read it (the objector is not named)."""

    id = serializers.IntegerField()
    state = CodeLabelField(ObjectionState.choices)
    reason = serializers.CharField()
    resolution = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class ProjectSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = CodeLabelField(ListingKind.choices)
    title = serializers.CharField()
    listing = ListingRefSerializer()
    state = CodeLabelField(ProjectState.choices)
    owner = OrganisationRefSerializer()
    lead = OrganisationRefSerializer()
    consortium = OrganisationRefSerializer(many=True, source="consortium.all")
    amount = serializers.IntegerField(allow_null=True, help_text=_("成交金额（元）"))
    awarded_on = serializers.DateField()
    notice_ends_on = serializers.DateField()
    planned_end = serializers.DateField(allow_null=True)


class ProjectDetailSerializer(ProjectSummarySerializer):
    """A project as its parties and curators see it on the project page."""

    bid = serializers.IntegerField(source="bid_id")
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_reason = serializers.CharField()
    milestones = ProjectMilestoneSerializer(many=True, source="milestones.all")
    acceptance = serializers.SerializerMethodField()
    objection_count = serializers.SerializerMethodField()
    open_objection_count = serializers.SerializerMethodField()
    objections = ObjectionSerializer(many=True, source="objections.all")

    @extend_schema_field(AcceptanceSerializer(allow_null=True))
    def get_acceptance(self, project: Project):
        """The latest 验收 request (null before the first)."""
        latest = next(iter(project.acceptances.all()), None)
        return AcceptanceSerializer(latest, context=self.context).data if latest else None

    def get_objection_count(self, project: Project) -> int:
        return len(project.objections.all())

    def get_open_objection_count(self, project: Project) -> int:
        return sum(1 for o in project.objections.all() if o.state == ObjectionState.OPEN)


class NoticeSerializer(serializers.Serializer):
    """揭榜结果公示: what the public notice page shows (no amount, no milestones)."""

    id = serializers.IntegerField()
    kind = CodeLabelField(ListingKind.choices)
    title = serializers.CharField()
    listing = ListingRefSerializer()
    state = CodeLabelField(ProjectState.choices)
    owner = OrganisationRefSerializer()
    lead = OrganisationRefSerializer()
    consortium = OrganisationRefSerializer(many=True, source="consortium.all")
    awarded_on = serializers.DateField()
    notice_ends_on = serializers.DateField()


class FiledObjectionSerializer(serializers.Serializer):
    """The objection just filed, as its author sees it."""

    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    state = CodeLabelField(ObjectionState.choices)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


# ---------------------------------------------------------------------------
# input: JSON types checked (input.py); blank text is left to the services' own messages


def text_field(max_length: int = MAX_TEXT, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, **kwargs)


class ObjectionInputSerializer(JSONInputSerializer):
    reason = text_field(help_text=_("异议理由"))


class ResolveInputSerializer(JSONInputSerializer):
    decision = serializers.ChoiceField(
        choices=[("upheld", _("异议成立")), ("dismissed", _("异议不成立"))],
        help_text=_("upheld：异议成立，撤销本次定榜的项目；dismissed：异议不成立"),
    )
    resolution = text_field(help_text=_("处理意见"))


class ReasonInputSerializer(JSONInputSerializer):
    reason = text_field(help_text=_("退回原因"))


def _unique_indicators(rows: list[dict]) -> list[dict]:
    seen = [row["indicator"] for row in rows]
    if len(seen) != len(set(seen)):
        raise ValidationError(_("同一指标只能填写一次。"))
    return rows


class IndicatorValueInputSerializer(JSONInputSerializer):
    indicator = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    value = serializers.CharField(
        max_length=40, allow_blank=True, help_text=_('达到值：不小于 0 的数值，如 "0.15"')
    )


class MilestoneReportInputSerializer(JSONInputSerializer):
    text = text_field(help_text=_("进展说明"))
    values = IndicatorValueInputSerializer(many=True, required=False, default=list)

    def validate_values(self, rows):
        return _unique_indicators(rows)


class AcceptanceResultInputSerializer(JSONInputSerializer):
    indicator = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    measured_value = serializers.CharField(
        max_length=40, allow_blank=True, help_text=_('实测值：不小于 0 的数值，如 "0.15"')
    )
    test_method = serializers.CharField(max_length=200, allow_blank=True)
    met = serializers.BooleanField(
        required=False, default=False, help_text=_("达标（目标值无法自动比较时由需求方判断）")
    )


class AcceptanceRequestInputSerializer(JSONInputSerializer):
    summary = text_field(help_text=_("验收说明"))
    results = AcceptanceResultInputSerializer(many=True, required=False, default=list)

    def validate_results(self, rows):
        return _unique_indicators(rows)


# -- 技术合同登记 and 到账 (bidding's deal ledger) -------------------------------------


class ContractSerializer(serializers.Serializer):
    """技术合同登记 of the project's deal, in the national registration fields."""

    id = serializers.IntegerField()
    contract_type = CodeLabelField(ContractType.choices)
    number = serializers.CharField()
    registry = serializers.CharField()
    signed_on = serializers.DateField()
    registered_on = serializers.DateField()
    amount = serializers.IntegerField(help_text=_("成交金额（元）"))
    technology_amount = serializers.IntegerField(help_text=_("技术交易额（元）"))
    state = CodeLabelField(ContractState.choices)
    return_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField(help_text=_("到账金额（元）"))
    received_on = serializers.DateField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class PaymentsSerializer(serializers.Serializer):
    """A project's payments received (到账), oldest first, with their total."""

    total = serializers.IntegerField(help_text=_("到账合计（元）"))
    contract_amount = serializers.IntegerField(
        allow_null=True, help_text=_("到账合计的上限：合同成交金额（合同退回时为成交金额）")
    )
    results = PaymentSerializer(many=True)


class ContractInputSerializer(JSONInputSerializer):
    contract_type = serializers.ChoiceField(choices=ContractType.choices)
    number = serializers.CharField(max_length=64, allow_blank=True, help_text=_("合同编号"))
    registry = serializers.CharField(max_length=120, allow_blank=True, help_text=_("登记机构"))
    signed_on = serializers.DateField(help_text=_("签订日期"))
    registered_on = serializers.DateField(help_text=_("登记日期"))
    amount = serializers.IntegerField(
        min_value=0, max_value=MAX_PRICE_YUAN, help_text=_("成交金额（元）")
    )
    technology_amount = serializers.IntegerField(
        min_value=0, max_value=MAX_PRICE_YUAN, help_text=_("技术交易额（元），不大于成交金额")
    )


class PaymentInputSerializer(JSONInputSerializer):
    amount = serializers.IntegerField(
        min_value=1, max_value=MAX_PRICE_YUAN, help_text=_("到账金额（元）")
    )
    received_on = serializers.DateField(help_text=_("到账日期"))
    note = serializers.CharField(
        max_length=ledger.MAX_NOTE, allow_blank=True, required=False, default=""
    )


# ---------------------------------------------------------------------------
# errors


def _api_errors(error: DjangoValidationError) -> dict:
    """A service's errors in the API's shape: indicator fields nested under ``values`` /
    ``results`` by indicator id; a message without a field under ``detail``."""
    if not hasattr(error, "error_dict"):
        return {"detail": error.messages}
    out: dict = {}
    for key, messages in error.message_dict.items():
        prefix, _sep, pk = key.partition("_")
        if pk.isdigit() and prefix == "value":
            out.setdefault("values", {})[pk] = messages
        elif pk.isdigit() and prefix in ("measured", "method"):
            name = "measured_value" if prefix == "measured" else "test_method"
            out.setdefault("results", {}).setdefault(pk, {})[name] = messages
        else:
            out["detail" if key == "__all__" else key] = messages
    return out


def _call(fn, **kwargs):
    """Run a service: a refusal is a 404 (as on the pages), bad input a 400 with its reasons."""
    try:
        return fn(**kwargs)
    except PermissionDenied:
        raise NotFound from None
    except DjangoValidationError as error:
        raise ValidationError(_api_errors(error)) from None


def _input(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


# ---------------------------------------------------------------------------
# projects


def detail_queryset(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Everything the detail shows, in a fixed number of queries."""
    return qs.prefetch_related(
        "consortium",
        "objections",
        Prefetch(
            "milestones",
            queryset=ProjectMilestone.objects.prefetch_related(
                Prefetch(
                    "reports",
                    queryset=MilestoneReport.objects.prefetch_related("values__indicator"),
                )
            ),
        ),
        Prefetch("acceptances", queryset=Acceptance.objects.prefetch_related("results")),
    )


class ProjectFilterSet(filters.FilterSet):
    state = choice_filter(_("项目状态"), ProjectState.choices)
    kind = choice_filter(_("项目类型"), ListingKind.choices)

    class Meta:
        model = Project
        form = ListingFilterForm
        fields = ["state", "kind"]


NOT_FOUND = OpenApiResponse(ErrorDetailSerializer, _("没有该项目，或无权查看"))


@extend_schema_view(
    list=extend_schema(
        summary=_("我的攻关项目"),
        description=_("调用者所在单位作为发榜方、揭榜方或联合体成员的项目；审核人员可见全部。"),
    ),
    retrieve=extend_schema(
        summary=_("攻关项目详情"),
        description=_("当事方、里程碑及进展、验收和公示异议；仅当事单位成员和审核人员可见。"),
    ),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """攻关项目: list, detail, start, 验收 request."""

    lookup_value_converter = "dbid"
    permission_classes = [IsAuthenticated]
    filterset_class = ProjectFilterSet
    queryset = Project.objects.none()

    def get_serializer_class(self):
        return ProjectSummarySerializer if self.action == "list" else ProjectDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.project_list(self.request.user)

    def get_object(self) -> Project:
        try:
            return selectors.project_get(self.request.user, int(self.kwargs["pk"]))
        except (Http404, ValueError):
            raise NotFound from None

    def _respond(self, project_id: int, code: int = status.HTTP_200_OK) -> Response:
        project = get_object_or_404(
            detail_queryset(selectors.project_list(self.request.user)), pk=project_id
        )
        return Response(
            ProjectDetailSerializer(project, context=self.get_serializer_context()).data,
            status=code,
        )

    def retrieve(self, request, pk=None):
        return self._respond(self.get_object().pk)

    @extend_schema(
        request=None,
        responses={200: ProjectDetailSerializer, 404: NOT_FOUND},
        summary=_("启动项目"),
        description=_("公示期结束且无待处理异议后，由发榜方或审核人员启动。"),
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        project = self.get_object()
        _call(services.project_start, project=project, user=request.user)
        return self._respond(project.pk)

    @extend_schema(
        request=AcceptanceRequestInputSerializer,
        responses={201: ProjectDetailSerializer, 404: NOT_FOUND},
        summary=_("申请验收"),
        description=_(
            "发榜方在所有里程碑确认后申请验收，逐项填写需求指标的实测值和检测方法；results 须覆盖需求的每个指标。"
        ),
    )
    @action(detail=True, methods=["post"])
    def acceptance(self, request, pk=None):
        project = self.get_object()
        data = _input(AcceptanceRequestInputSerializer, request)
        known = (
            set(project.demand.indicators.values_list("pk", flat=True)) if project.demand else set()
        )
        unknown = [str(r["indicator"]) for r in data["results"] if r["indicator"] not in known]
        if unknown:
            raise ValidationError(
                {"results": [_("指标不属于该需求：%(ids)s") % {"ids": "、".join(unknown)}]}
            )
        results = {
            r["indicator"]: services.IndicatorResult(
                measured_value=r["measured_value"], test_method=r["test_method"], met=r["met"]
            )
            for r in data["results"]
        }
        _call(
            services.acceptance_request,
            user=request.user,
            project=project,
            summary=data["summary"],
            results=results,
        )
        return self._respond(project.pk, status.HTTP_201_CREATED)

    # -- 技术合同登记 and 到账 ------------------------------------------------------------

    def _deal(self) -> tuple[Project, Deal]:
        """The visible project and its row of the deal ledger."""
        project = self.get_object()
        deal = selectors.project_deal(project)
        if deal is None:
            raise NotFound
        return project, deal

    def _contract(self) -> tuple[Project, TechContract]:
        project, deal = self._deal()
        contract = deal_contract(deal)
        if contract is None:
            raise NotFound(_("该项目尚未登记技术合同。"))
        return project, contract

    def _contract_response(self, contract: TechContract, code: int = status.HTTP_200_OK):
        contract = TechContract.objects.get(pk=contract.pk)
        return Response(ContractSerializer(contract).data, status=code)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={
            200: ContractSerializer,
            404: OpenApiResponse(ErrorDetailSerializer, _("没有该项目，或尚未登记技术合同")),
        },
        summary=_("项目的技术合同登记"),
        description=_("当事单位成员和审核人员可见。"),
    )
    @extend_schema(
        methods=["POST"],
        request=ContractInputSerializer,
        responses={201: ContractSerializer, 404: NOT_FOUND},
        summary=_("登记技术合同"),
        description=_(
            "发榜方或揭榜方登记技术合同（合同被退回后可修改重交），由审核人员确认；每个项目一份合同。日期不得早于定榜日期、不得晚于今天。"
        ),
    )
    @action(detail=True, methods=["get", "post"])
    def contract(self, request, pk=None):
        if request.method == "GET":
            return self._contract_response(self._contract()[1])
        project, deal = self._deal()
        data = _input(ContractInputSerializer, request)
        contract = _call(
            ledger.contract_register,
            user=request.user,
            deal=deal,
            target_url=services.project_url(project),
            **data,
        )
        return self._contract_response(contract, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: ContractSerializer, 404: NOT_FOUND},
        summary=_("确认技术合同登记"),
        description=_("审核人员确认后，成交台账采用合同的成交金额和签订日期。"),
    )
    @action(detail=True, methods=["post"], url_path="contract/confirm")
    def contract_confirm(self, request, pk=None):
        project, contract = self._contract()
        _call(
            ledger.contract_confirm,
            user=request.user,
            contract=contract,
            target_url=services.project_url(project),
        )
        return self._contract_response(contract)

    @extend_schema(
        request=ReasonInputSerializer,
        responses={200: ContractSerializer, 404: NOT_FOUND},
        summary=_("退回技术合同登记"),
        description=_("审核人员退回，须写明原因；当事方修改后重新登记。"),
    )
    @action(detail=True, methods=["post"], url_path="contract/return")
    def contract_return(self, request, pk=None):
        project, contract = self._contract()
        data = _input(ReasonInputSerializer, request)
        _call(
            ledger.contract_return,
            user=request.user,
            contract=contract,
            reason=data["reason"],
            target_url=services.project_url(project),
        )
        return self._contract_response(contract)

    def _payments_response(self, deal: Deal, code: int = status.HTTP_200_OK) -> Response:
        payments, total = deal_payments(deal)
        body = {
            "total": total,
            "contract_amount": ledger.contract_amount(deal),
            "results": payments,
        }
        return Response(PaymentsSerializer(body).data, status=code)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: PaymentsSerializer, 404: NOT_FOUND},
        summary=_("项目的到账记录"),
        description=_("当事单位成员和审核人员可见。"),
    )
    @extend_schema(
        methods=["POST"],
        request=PaymentInputSerializer,
        responses={201: PaymentsSerializer, 404: NOT_FOUND},
        summary=_("登记到账"),
        description=_(
            "发榜方（付款方）或审核人员登记一笔到账；到账合计不得超过合同金额，日期不得早于定榜日期、不得晚于今天。"
        ),
    )
    @action(detail=True, methods=["get", "post"])
    def payments(self, request, pk=None):
        project, deal = self._deal()
        if request.method == "POST":
            data = _input(PaymentInputSerializer, request)
            _call(
                ledger.payment_record,
                user=request.user,
                deal=deal,
                target_url=services.project_url(project),
                **data,
            )
            return self._payments_response(deal, status.HTTP_201_CREATED)
        return self._payments_response(deal)


# ---------------------------------------------------------------------------
# 揭榜结果公示 (public) and objections


@extend_schema_view(
    list=extend_schema(
        summary=_("揭榜结果公示"),
        description=_("公示期内的定榜结果（公开项目），无需登录。"),
    ),
    retrieve=extend_schema(summary=_("揭榜结果公示详情")),
)
class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_converter = "dbid"
    serializer_class = NoticeSerializer
    queryset = Project.objects.none()

    def get_permissions(self):
        if self.action == "objections":
            return [IsAuthenticated()]
        return [AllowAny()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.notice_list()

    def get_object(self) -> Project:
        try:
            return selectors.notice_get(int(self.kwargs["pk"]))
        except (Http404, ValueError):
            raise NotFound from None

    @extend_schema(
        request=ObjectionInputSerializer,
        responses={
            201: FiledObjectionSerializer,
            403: OpenApiResponse(ErrorDetailSerializer, _("未登录，或不能提出异议（说明原因）")),
            404: OpenApiResponse(ErrorDetailSerializer, _("没有这条公示")),
        },
        summary=_("对揭榜结果提出异议"),
        description=_("公示期内，已登记单位的成员可提出异议（须写明理由），由审核人员处理。"),
    )
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        project = self.get_object()
        data = _input(ObjectionInputSerializer, request)
        try:
            objection = services.objection_file(
                user=request.user, project=project, reason=data["reason"]
            )
        except PermissionDenied:
            raise NotFound from None
        except DjangoValidationError as error:
            # The notice is public: a caller who may not object is told why.
            if getattr(error, "code", None) == "permission":
                raise exceptions.PermissionDenied(error.messages[0]) from None
            raise ValidationError(_api_errors(error)) from None
        return Response(FiledObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------
# decisions on a project's parts: objections, milestones, acceptances


class _PartViewSet(viewsets.GenericViewSet):
    """Actions on one part of a project; the part is found only through a visible project."""

    lookup_value_converter = "dbid"
    permission_classes = [IsAuthenticated]
    serializer_class = ProjectDetailSerializer
    model: type
    queryset = Project.objects.none()

    def get_part(self):
        try:
            part = get_object_or_404(
                self.model.objects.select_related("project"), pk=int(self.kwargs["pk"])
            )
            part.project = selectors.project_get(self.request.user, part.project_id)
        except (Http404, ValueError):
            raise NotFound from None
        return part

    def _respond(self, project_id: int) -> Response:
        project = get_object_or_404(
            detail_queryset(selectors.project_list(self.request.user)), pk=project_id
        )
        return Response(
            ProjectDetailSerializer(project, context=self.get_serializer_context()).data
        )


class ObjectionViewSet(_PartViewSet):
    model = Objection

    @extend_schema(
        request=ResolveInputSerializer,
        responses={200: ProjectDetailSerializer, 404: NOT_FOUND},
        summary=_("处理公示异议"),
        description=_("审核人员认定异议成立（撤销本次定榜的项目）或不成立，须写明处理意见。"),
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        objection = self.get_part()
        data = _input(ResolveInputSerializer, request)
        _call(
            services.objection_resolve,
            user=request.user,
            objection=objection,
            upheld=data["decision"] == "upheld",
            resolution=data["resolution"],
        )
        return self._respond(objection.project_id)


class MilestoneViewSet(_PartViewSet):
    model = ProjectMilestone

    @extend_schema(
        request=MilestoneReportInputSerializer,
        responses={200: ProjectDetailSerializer, 404: NOT_FOUND},
        summary=_("报告里程碑进展"),
        description=_("揭榜方或联合体成员报告进展和指标达到值；附件只能在项目页面上传。"),
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        milestone = self.get_part()
        data = _input(MilestoneReportInputSerializer, request)
        _call(
            services.milestone_report,
            user=request.user,
            milestone=milestone,
            text=data["text"],
            values={row["indicator"]: row["value"] for row in data["values"]},
        )
        return self._respond(milestone.project_id)

    @extend_schema(
        request=None,
        responses={200: ProjectDetailSerializer, 404: NOT_FOUND},
        summary=_("确认里程碑"),
        description=_("发榜方确认已报告的里程碑。"),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        milestone = self.get_part()
        _call(services.milestone_accept, user=request.user, milestone=milestone)
        return self._respond(milestone.project_id)

    @extend_schema(
        request=ReasonInputSerializer,
        responses={200: ProjectDetailSerializer, 404: NOT_FOUND},
        summary=_("退回里程碑"),
        description=_("发榜方退回已报告的里程碑，须写明原因。"),
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        milestone = self.get_part()
        data = _input(ReasonInputSerializer, request)
        _call(
            services.milestone_return, user=request.user, milestone=milestone, reason=data["reason"]
        )
        return self._respond(milestone.project_id)


class AcceptanceViewSet(_PartViewSet):
    model = Acceptance

    @extend_schema(
        request=None,
        responses={200: ProjectDetailSerializer, 404: NOT_FOUND},
        summary=_("验收签字"),
        description=_("发榜方先签字，审核人员后签字；审核人员签字后项目完成。"),
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        acceptance = self.get_part()
        _call(services.acceptance_sign, user=request.user, acceptance=acceptance)
        return self._respond(acceptance.project_id)

    @extend_schema(
        request=ReasonInputSerializer,
        responses={200: ProjectDetailSerializer, 404: NOT_FOUND},
        summary=_("退回验收"),
        description=_("发榜方或审核人员退回验收，须写明原因；项目回到攻关中。"),
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        acceptance = self.get_part()
        data = _input(ReasonInputSerializer, request)
        _call(
            services.acceptance_return,
            user=request.user,
            acceptance=acceptance,
            reason=data["reason"],
        )
        return self._respond(acceptance.project_id)
