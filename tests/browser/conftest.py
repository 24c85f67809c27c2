"""Journeys in tests/browser/ are marked `browser`; the fixtures live in tests/conftest.py."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
