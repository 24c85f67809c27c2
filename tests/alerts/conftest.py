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


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the daily alerts as after a commit (its e-mails leave on commit)."""
    from marketplace.alerts.services import alerts_run

    def go(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return alerts_run(**kwargs)

    return go
