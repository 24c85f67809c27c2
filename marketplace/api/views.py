"""Read-only views of the two public catalogues; the querysets come from cms.selectors."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from cms.models import DemandAttachment, DemandPage, TechnologyAttachment, TechnologyPage
from cms.selectors import demand_list, technology_list

from . import serializers
from .filters import DemandFilterSet, TechnologyFilterSet
from .pagination import CataloguePagination, DemandPagination, TechnologyPagination
from .schema import ErrorDetailSerializer
from .search_adapter import can_see_matches, matches_for


def public_attachments(model) -> Prefetch:
    return Prefetch(
        "attachments", queryset=model.objects.filter(is_public=True), to_attr="public_attachments"
    )


class ListingViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of one catalogue; only live listings in public states exist here."""

    lookup_value_converter = "dbid"
    pagination_class = CataloguePagination
    list_serializer_class: type
    detail_serializer_class: type

    matches_serializer_class: type

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        if self.action == "matches":
            return self.matches_serializer_class
        return self.list_serializer_class

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def matches(self, request, pk=None):
        """The listing's best counterparts, for its organisation's members and curators."""
        listing = self.get_object()  # the public queryset: hidden listings are a 404
        if not can_see_matches(request.user, listing):
            raise PermissionDenied(_("只有本单位成员和平台审核人员可以查看匹配结果。"))
        found = matches_for(listing)
        if found.unavailable:
            return Response(
                {"detail": str(found.notice)}, status=status.HTTP_503_SERVICE_UNAVAILABLE
            )
        return Response(self.get_serializer(found).data)


@extend_schema_view(
    list=extend_schema(summary=_("技术需求目录"), description=_("公开的技术需求（榜单），分页。")),
    retrieve=extend_schema(
        summary=_("技术需求详情"), description=_("一条公开技术需求的公开字段。")
    ),
    matches=extend_schema(
        summary=_("技术需求的推荐匹配"),
        description=_(
            "最适合该需求的科技成果与科研单位，按匹配分排序，附匹配理由；只含对方的公开字段。仅需求方单位成员和平台审核人员可查看。"
        ),
        responses={
            200: serializers.DemandMatchesSerializer,
            403: OpenApiResponse(ErrorDetailSerializer, _("不是需求方单位成员或审核人员")),
            404: OpenApiResponse(ErrorDetailSerializer, _("没有这条公开需求")),
            503: OpenApiResponse(ErrorDetailSerializer, _("匹配服务暂时不可用")),
        },
    ),
)
class DemandViewSet(ListingViewSet):
    filterset_class = DemandFilterSet
    pagination_class = DemandPagination
    list_serializer_class = serializers.DemandSummarySerializer
    detail_serializer_class = serializers.DemandDetailSerializer
    matches_serializer_class = serializers.DemandMatchesSerializer

    def get_queryset(self) -> QuerySet[DemandPage]:
        queryset = demand_list().prefetch_related("cooperation_modes")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("indicators", public_attachments(DemandAttachment))
        return queryset


@extend_schema_view(
    list=extend_schema(summary=_("科技成果目录"), description=_("公开的科技成果，分页。")),
    retrieve=extend_schema(
        summary=_("科技成果详情"), description=_("一项公开科技成果的公开字段。")
    ),
    matches=extend_schema(
        summary=_("科技成果的推荐匹配"),
        description=_(
            "最适合该成果的技术需求与企业，按匹配分排序，附匹配理由；只含对方的公开字段。仅成果方单位成员和平台审核人员可查看。"
        ),
        responses={
            200: serializers.TechnologyMatchesSerializer,
            403: OpenApiResponse(ErrorDetailSerializer, _("不是成果方单位成员或审核人员")),
            404: OpenApiResponse(ErrorDetailSerializer, _("没有这项公开成果")),
            503: OpenApiResponse(ErrorDetailSerializer, _("匹配服务暂时不可用")),
        },
    ),
)
class TechnologyViewSet(ListingViewSet):
    filterset_class = TechnologyFilterSet
    pagination_class = TechnologyPagination
    list_serializer_class = serializers.TechnologySummarySerializer
    detail_serializer_class = serializers.TechnologyDetailSerializer
    matches_serializer_class = serializers.TechnologyMatchesSerializer

    def get_queryset(self) -> QuerySet[TechnologyPage]:
        queryset = technology_list().prefetch_related("cooperation_modes")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "ip_items", public_attachments(TechnologyAttachment)
            )
        return queryset


@csrf_exempt  # it changes nothing, whatever the method; a CSRF 403 would hide the 404
def not_found(request, *args, **kwargs):
    """No such API resource: DRF's JSON 404 body, in the request's language."""
    return JsonResponse(
        {"detail": str(NotFound.default_detail)},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


def sidecar(path: str) -> str:
    return static(f"drf_spectacular_sidecar/{path}")


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI served from the pinned drf-spectacular-sidecar, never from a CDN."""

    @staticmethod
    def _swagger_ui_resource(filename):
        return sidecar(f"swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return sidecar("swagger-ui-dist/favicon-32x32.png")
