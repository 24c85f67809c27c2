"""The OpenAPI inspector of /api/v1/: drf-spectacular's, plus the error answers DRF gives.

drf-spectacular documents the success answer only, yet every view here can answer
400, 403 or 404 through DRF's exception handler; a client (and the schema fuzzing in
tests/api/test_fuzz.py) must find each status it can get in the schema, with its body.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers


class ErrorDetailSerializer(serializers.Serializer):
    """DRF's body for 403 and 404 (and a malformed request body's 400): one message."""

    detail = serializers.CharField(help_text=_("原因（按请求语言）"))


def validation_error_schema() -> dict:
    """DRF's 400 body: each bad parameter or field with its messages (nested fields as
    nested objects or lists), or ``detail`` for a malformed body."""
    return {
        "type": "object",
        "additionalProperties": {},
        # Built per schema request, so the text follows ?lang= like the rest.
        "description": str(_("键是参数或字段名（或 detail、non_field_errors），值是原因列表")),
    }


class AutoSchema(openapi.AutoSchema):
    """Adds the documented error responses each operation can give to the inferred ones."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (body, description) in self.error_responses().items():
            if code not in responses:  # an explicit @extend_schema answer wins
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(body, description=description), code, direction=direction
                )
        return responses

    def error_responses(self) -> dict[str, tuple]:
        """The error status codes this operation can answer, with body and description."""
        errors = {}
        if self.method not in permissions.SAFE_METHODS or self._takes_query_input():
            errors["400"] = (validation_error_schema(), _("参数或请求体无效"))
        if self.method not in permissions.SAFE_METHODS or self._requires_login():
            errors["403"] = (ErrorDetailSerializer, _("未登录、无权操作或 CSRF 校验失败"))
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            errors["404"] = (ErrorDetailSerializer, _("没有该对象，或页码超出范围"))
        return errors

    def _takes_query_input(self) -> bool:
        """Filters or declared query parameters (pagination's page is a 404 instead)."""
        declared = [
            p
            for p in self.get_override_parameters()
            if isinstance(p, OpenApiParameter) and p.location == OpenApiParameter.QUERY
        ]
        return bool(declared or self._get_filter_parameters())

    def _requires_login(self) -> bool:
        return not any(
            isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )
