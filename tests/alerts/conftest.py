"""Alerts run against a real embedded (Tantivy) index on a temporary folder."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from search.backends import get_search_backend


@pytest.fixture(autouse=True)
def index(settings, tmp_path):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path / "index")}
    }
    cache.clear()
    return get_search_backend()
