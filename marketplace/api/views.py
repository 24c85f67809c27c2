"""Read-only views of the two public catalogues; the querysets come from cms.selectors."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import viewsets

from cms.models import DemandAttachment, DemandPage, TechnologyAttachment, TechnologyPage
from cms.selectors import demand_list, technology_list

from . import serializers
from .filters import DemandFilterSet, TechnologyFilterSet
from .pagination import CataloguePagination


def public_attachments(model) -> Prefetch:
    return Prefetch(
        "attachments", queryset=model.objects.filter(is_public=True), to_attr="public_attachments"
    )


class ListingViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of one catalogue; only live listings in public states exist here."""

    lookup_value_regex = r"\d+"
    pagination_class = CataloguePagination
    list_serializer_class: type
    detail_serializer_class: type

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.list_serializer_class


@extend_schema_view(
    list=extend_schema(summary=_("技术需求目录"), description=_("公开的技术需求（榜单），分页。")),
    retrieve=extend_schema(
        summary=_("技术需求详情"), description=_("一条公开技术需求的公开字段。")
    ),
)
class DemandViewSet(ListingViewSet):
    filterset_class = DemandFilterSet
    list_serializer_class = serializers.DemandSummarySerializer
    detail_serializer_class = serializers.DemandDetailSerializer

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
)
class TechnologyViewSet(ListingViewSet):
    filterset_class = TechnologyFilterSet
    list_serializer_class = serializers.TechnologySummarySerializer
    detail_serializer_class = serializers.TechnologyDetailSerializer

    def get_queryset(self) -> QuerySet[TechnologyPage]:
        queryset = technology_list().prefetch_related("cooperation_modes")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "ip_items", public_attachments(TechnologyAttachment)
            )
        return queryset


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
