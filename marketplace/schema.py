"""OpenAPI generation covers our public API only, not Wagtail's internal admin API."""

from __future__ import annotations

PUBLIC_API_PREFIX = "/api/v1/"


def only_public_api(endpoints):
    return [e for e in endpoints if e[0].startswith(PUBLIC_API_PREFIX)]
