"""Every page with an id in its path answers an id no database can hold with a 404, not a 500."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

HUGE = str(10**30)
OURS = ("marketplace.", "cms.", "search.")


def ours(entry: URLPattern) -> bool:
    view = getattr(entry.callback, "view_class", entry.callback)
    return view.__module__.startswith(OURS)


def id_paths(patterns=None, prefix: str = "") -> list[str]:
    """Return every URL pattern that takes an id, with the ids set to 10**30."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += id_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and re.search(r"<(dbid|int):", route):
            if route.startswith(("django-admin/", "admin/")) and not ours(entry):
                continue  # Wagtail's and Django's own admin views
            path = re.sub(r"<(dbid|int):\w+>", HUGE, route)
            found.append("/" + re.sub(r"<str:\w+>", "demand", path).lstrip("^"))
    return found


def test_every_id_in_a_path_is_bounded():
    """No id-taking route is left on Django's unbounded <int:> converter."""
    unbounded = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif "<int:" in route and ours(entry):
                unbounded.append(route)

    walk(get_resolver().url_patterns)
    assert unbounded == []
    assert len(id_paths()) > 30


@pytest.mark.parametrize("who", ["member", "curator"])
def test_huge_ids_are_not_found(who, client, enterprise_member, curator):
    client.force_login(enterprise_member if who == "member" else curator)
    failures = {}
    for path in id_paths():
        for method in (client.get, client.post):
            status = method(path).status_code
            if status >= 500:
                failures[f"{method.__name__.upper()} {path}"] = status
    assert failures == {}
