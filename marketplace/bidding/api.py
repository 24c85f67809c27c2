"""/api/v1/bids/: the bidding lifecycle over REST, through the same services and checks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cms.taxonomy import CooperationMode
from marketplace.api.input import JSONInputSerializer
from marketplace.converters import MAX_ID
from marketplace.organisations.credit_code import normalise_credit_code
from marketplace.organisations.models import Organisation

from . import permissions as perms
from . import selectors, services
from .models import (
    MAX_PRICE_YUAN,
    Bid,
    BidIndicatorResponse,
    BidMilestone,
    DeclineReason,
    ListingKind,
)


class IndicatorResponseSerializer(serializers.ModelSerializer):
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    target_value = serializers.CharField(source="indicator.target_value", read_only=True)

    class Meta:
        model = BidIndicatorResponse
        fields = ["indicator", "indicator_name", "target_value", "committed_value", "verification"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = BidMilestone
        fields = ["due_date", "deliverable"]


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("bidding:attachment", kwargs={"pk": obj.pk})


class BidSerializer(serializers.ModelSerializer):
    """A bid as its bidder, the listing owner or a curator sees it."""

    listing = serializers.IntegerField(source="listing_id", read_only=True)
    listing_title = serializers.CharField(source="listing.title", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    consortium_members = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    cooperation_mode = serializers.SlugRelatedField(
        read_only=True, slug_field="slug", allow_null=True
    )
    indicator_responses = IndicatorResponseSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    related_party_flags = serializers.SerializerMethodField()
    # Blank until the bid is declined: the schema's enum must admit "" (ModelSerializer
    # drops allow_blank from read-only fields, and drf-spectacular adds "" only with it).
    decline_reason = serializers.ChoiceField(
        choices=DeclineReason.choices,
        allow_blank=True,
        read_only=True,
        label=Bid._meta.get_field("decline_reason").verbose_name,
    )

    class Meta:
        model = Bid
        fields = [
            "id",
            "kind",
            "listing",
            "listing_title",
            "organisation",
            "consortium_members",
            "status",
            "background",
            "research_status",
            "technical_approach",
            "existing_work",
            "industrialisation_plan",
            "team",
            "cooperation_mode",
            "intended_use",
            "message",
            "price",
            "declares_no_related_party",
            "related_party_flags",
            "indicator_responses",
            "milestones",
            "attachments",
            "decline_reason",
            "decline_comment",
            "created_at",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_related_party_flags(self, obj) -> list[dict] | None:
        """Shown to curators only."""
        request = self.context.get("request")
        return obj.related_party_flags if request and perms.is_curator(request.user) else None


class ResponseInputSerializer(JSONInputSerializer):
    indicator = serializers.IntegerField()
    committed_value = serializers.CharField(max_length=100, allow_blank=True)
    verification = serializers.CharField(
        max_length=200, allow_blank=True, required=False, default=""
    )


class MilestoneInputSerializer(JSONInputSerializer):
    due_date = serializers.DateField()
    deliverable = serializers.CharField(max_length=200)


class BidWriteSerializer(JSONInputSerializer):
    """Create a bid: as a draft (`submit: false`) or submitted at once (the default)."""

    kind = serializers.ChoiceField(choices=ListingKind.choices)
    listing = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    submit = serializers.BooleanField(default=True)
    idempotency_token = serializers.UUIDField(required=False, allow_null=True)
    background = serializers.CharField(required=False, allow_blank=True, default="")
    research_status = serializers.CharField(required=False, allow_blank=True, default="")
    technical_approach = serializers.CharField(required=False, allow_blank=True, default="")
    existing_work = serializers.CharField(required=False, allow_blank=True, default="")
    industrialisation_plan = serializers.CharField(required=False, allow_blank=True, default="")
    team = serializers.CharField(required=False, allow_blank=True, default="")
    cooperation_mode = serializers.SlugRelatedField(
        slug_field="slug", queryset=CooperationMode.objects.all(), required=False, allow_null=True
    )
    intended_use = serializers.CharField(required=False, allow_blank=True, default="")
    message = serializers.CharField(required=False, allow_blank=True, default="")
    price = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_PRICE_YUAN
    )
    declares_no_related_party = serializers.BooleanField(default=False)
    responses = ResponseInputSerializer(many=True, required=False, default=list)
    milestones = MilestoneInputSerializer(many=True, required=False, default=list)
    consortium_credit_codes = serializers.ListField(
        child=serializers.CharField(max_length=18), required=False, default=list
    )

    def validate_consortium_credit_codes(self, codes):
        codes = [normalise_credit_code(c) for c in codes]
        found = {
            o.credit_code: o
            for o in Organisation.objects.filter(
                credit_code__in=codes, verification=Organisation.Verification.VERIFIED
            )
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(_("未找到已认证单位：%(codes)s") % {"codes": "、".join(missing)})
        return [found[c] for c in codes]

    def validate(self, data):
        # A listing that is not live (or does not exist) is bad input naming the field,
        # not a missing resource: the request's URL, /api/v1/bids/, exists.
        try:
            data["listing"] = selectors.listing_get(data["kind"], data["listing"])
        except Http404:
            raise ValidationError({"listing": [_("没有这条公开项目。")]})
        return data

    def to_input(self) -> services.BidInput:
        d = self.validated_data
        names = (
            services.DEMAND_BID_FIELDS if d["kind"] == "demand" else services.TECHNOLOGY_BID_FIELDS
        )
        return services.BidInput(
            fields={n: d.get(n) for n in names if n in d},
            responses={
                r["indicator"]: (r["committed_value"], r.get("verification", ""))
                for r in d["responses"]
            },
            milestones=[
                services.MilestoneInput(m["due_date"], m["deliverable"]) for m in d["milestones"]
            ],
            consortium=d["consortium_credit_codes"],
        )


class DeclineSerializer(JSONInputSerializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    comment = serializers.CharField(max_length=1000)


class AwardSerializer(JSONInputSerializer):
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_PRICE_YUAN
    )


def _call(fn, *, explain_refusal: bool = False, **kwargs):
    """Run a service; a refusal is a bare 404 (the bid is not the caller's to see), or with
    ``explain_refusal`` a 403 giving the service's reason."""
    try:
        return fn(**kwargs)
    except PermissionDenied as exc:
        if explain_refusal:
            raise exceptions.PermissionDenied(str(exc) or None)
        raise NotFound
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )


SCOPES = ["own", "received"]


@extend_schema_view(
    list=extend_schema(
        summary="List own or received bids",
        parameters=[
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                enum=SCOPES,
                description="own: my organisations' bids (default); "
                "received: bids on my organisations' listings",
            )
        ],
    ),
    retrieve=extend_schema(summary="One bid (bidder, listing owner or curator)"),
)
class BidViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """揭榜: create, list, withdraw, shortlist, award, decline."""

    lookup_value_converter = "dbid"  # marketplace/converters.py: ids the database can hold

    serializer_class = BidSerializer
    permission_classes = [IsAuthenticated]
    queryset = Bid.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bid.objects.none()
        user = self.request.user
        scope = self.request.query_params.get("scope", "own")
        if scope not in SCOPES:
            raise ValidationError({"scope": [_("可选值：own, received。")]})
        if scope == "received":
            return selectors.bid_list_received(user=user)
        return selectors.bid_list_own(user=user)

    def get_object(self):
        try:
            return selectors.bid_get(user=self.request.user, pk=int(self.kwargs["pk"]))
        except (Http404, ValueError):
            raise NotFound

    def _respond(self, bid, code=status.HTTP_200_OK):
        bid = selectors.bid_get(user=self.request.user, pk=bid.pk)
        return Response(BidSerializer(bid, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=BidWriteSerializer, responses={201: BidSerializer}, summary="Create a bid"
    )
    def create(self, request):
        write = BidWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        d = write.validated_data
        bid = _call(
            services.bid_save,
            # The listing is public: refusing the caller (not a verified bidder, or the
            # listing's own organisation) is a 403 saying why, not a 404.
            explain_refusal=True,
            user=request.user,
            listing=d["listing"],
            data=write.to_input(),
            token=d.get("idempotency_token"),
            submit=d["submit"],
        )
        return self._respond(bid, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BidSerializer, summary="Withdraw (bidder)")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        bid = self.get_object()
        return self._respond(_call(services.bid_withdraw, user=request.user, bid=bid))

    @extend_schema(request=None, responses=BidSerializer, summary="Shortlist (listing owner)")
    @action(detail=True, methods=["post"])
    def shortlist(self, request, pk=None):
        bid = self.get_object()
        return self._respond(_call(services.bid_shortlist, user=request.user, bid=bid))

    @extend_schema(
        request=AwardSerializer, responses=BidSerializer, summary="Award (listing owner)"
    )
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        bid = self.get_object()
        data = AwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(
            _call(
                services.bid_award,
                user=request.user,
                bid=bid,
                amount=data.validated_data.get("amount"),
            )
        )

    @extend_schema(
        request=DeclineSerializer,
        responses=BidSerializer,
        summary="Decline with a reason (listing owner)",
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        bid = self.get_object()
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(
            _call(services.bid_decline, user=request.user, bid=bid, **data.validated_data)
        )
