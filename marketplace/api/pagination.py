"""Page-number pagination of the catalogues, with facet counts next to the results."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from .search_adapter import facet_names, listing_facets


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers, except that an empty ``?page=`` is an invalid page, not page 1."""

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param)
        if number is not None and not number.strip():
            raise NotFound(self.invalid_page_message.format(page_number=number, message=""))
        return super().get_page_number(request, paginator)


class CataloguePagination(PageNumberPagination):
    """20 listings a page by default (up to 100 with ``page_size``), plus ``facets``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    #: The listing kind whose facets are counted; None counts none.
    kind: str | None = None

    def get_page_size(self, request) -> int:
        """``page_size`` from 1 to ``max_page_size``; anything else is a 400, never ignored."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= self.max_page_size:
            message = _("每页条数须为 1 到 %(max)d 之间的整数。") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        self.get_page_size(request)  # a bad page_size is refused before facets are counted
        self.facets = listing_facets(queryset, kind=self.kind) if self.kind else {}
        self.search_unavailable = bool(getattr(request, "search_unavailable", False))
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "facets": self.facets,
                "search_unavailable": self.search_unavailable,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        value = {
            "type": "object",
            "required": ["value", "label", "count"],
            "properties": {
                "value": {"type": "string", "description": str(_("筛选参数的取值"))},
                "label": {"type": "string", "description": str(_("取值的名称（按请求语言）"))},
                "count": {"type": "integer", "description": str(_("符合当前全部条件的项目数"))},
            },
        }
        names = facet_names(self.kind) if self.kind else []
        response["properties"]["facets"] = {
            "type": "object",
            "description": str(
                _(
                    "分面计数：键是筛选参数名，取值按数量降序；把某个 value 作为同名参数传入即可缩小结果。"
                )
            ),
            "properties": {name: {"type": "array", "items": value} for name in names},
        }
        response["properties"]["search_unavailable"] = {
            "type": "boolean",
            "description": str(_("搜索引擎不可用时为 true，此时 q 退化为标题或关键词的子串匹配")),
        }
        response["required"] = [*response.get("required", []), "facets", "search_unavailable"]
        return response


class DemandPagination(CataloguePagination):
    """The demand catalogue's pages with its facets."""

    kind = "demand"


class TechnologyPagination(CataloguePagination):
    """The technology catalogue's pages with its facets."""

    kind = "technology"
