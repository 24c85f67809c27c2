"""A real embedded (Tantivy) index on a temporary folder; pages are indexed by their publish signal."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from search.backends import get_search_backend


@pytest.fixture(autouse=True)
def index(settings, tmp_path):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path / "index")}
    }
    cache.clear()  # popular keywords are cached
    return get_search_backend()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (index tasks) of whatever the block does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
