"""/search/autocomplete/: suggestions while typing."""

from __future__ import annotations

import pytest

from tests.factories import DemandPageFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


def suggest(client, kind, q):
    response = client.get("/search/autocomplete/", {"kind": kind, "q": q})
    assert response.status_code == 200
    return response.json()["suggestions"]


def test_suggests_indexed_keywords_and_titles_by_prefix(client, published):
    published(DemandPageFactory, title="激光焊接变形控制", keywords="激光焊接,变形控制")
    published(TechnologyPageFactory, title="激光雷达点云处理", keywords="激光雷达")
    assert "激光焊接" in suggest(client, "demand", "激光")
    assert "激光雷达" not in suggest(client, "demand", "激光")
    assert "激光雷达" in suggest(client, "technology", "激")
    assert suggest(client, "demand", "ＬＡＳＥＲ") == []


def test_full_width_prefix_is_normalised(client, published):
    published(DemandPageFactory, title="RV减速器齿轮磨削", keywords="RV减速器")
    assert "rv减速器" in suggest(client, "demand", "ＲＶ")


def test_unpublished_titles_are_not_suggested(client, published, committed):
    page = published(DemandPageFactory, title="钙钛矿光伏组件封装", keywords="钙钛矿")
    assert "钙钛矿" in suggest(client, "demand", "钙钛")
    with committed():
        page.unpublish()
    assert suggest(client, "demand", "钙钛") == []


def test_titles_of_listings_withdrawn_behind_a_stale_index_are_not_suggested(client, published):
    page = published(DemandPageFactory, title="钠离子电池负极材料", keywords="钠离子电池")
    type(page).objects.filter(pk=page.pk).update(status="withdrawn")
    assert suggest(client, "demand", "钠离子") == []


def test_bad_kind_is_a_400_and_empty_query_is_empty(client):
    assert client.get("/search/autocomplete/", {"kind": "bids", "q": "x"}).status_code == 400
    assert suggest(client, "demand", "  ") == []


def test_engine_failure_returns_no_suggestions(client, settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.no_such_engine"}}
    response = client.get("/search/autocomplete/", {"kind": "demand", "q": "激光"})
    assert response.status_code == 200
    assert response.json() == {"suggestions": [], "unavailable": True}
