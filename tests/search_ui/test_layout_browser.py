"""The catalogue's layout in a real browser (issue 12, point 8): the phone's jump link to the
filters is visible, and a no-result card is not squeezed into the sidebar column."""

from __future__ import annotations

import pytest

from tests.factories import DemandPageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_filter_jump_link_is_visible_on_a_phone(new_page):
    DemandPageFactory(title="高温合金薄壁件激光焊接变形控制", keywords="激光焊接")
    tab = new_page()  # 412 × 915
    tab.goto("/demands/")
    link = tab.locator("a.facet-jump")
    assert link.is_visible()
    link.click()
    assert tab.url.endswith("#facets")
    # On a phone the results come before the filters.
    results = tab.locator(".search-results").bounding_box()
    facets = tab.locator("#facets").bounding_box()
    assert results["y"] < facets["y"]


def test_filter_jump_link_is_hidden_on_a_desktop(new_page):
    DemandPageFactory(title="高温合金薄壁件激光焊接变形控制", keywords="激光焊接")
    tab = new_page()
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.goto("/demands/")
    assert tab.locator("#facets").is_visible()
    assert not tab.locator("a.facet-jump").is_visible()


@pytest.mark.parametrize(
    "query",
    [
        "?q=量子纠缠通信",  # nothing found: no facets at all
        "?district=370126",  # nothing in 商河县: the chosen filter stays in the sidebar
    ],
)
def test_no_result_card_is_not_squeezed_into_the_sidebar(new_page, query):
    DemandPageFactory(
        title="高温合金薄壁件激光焊接变形控制", keywords="激光焊接", district="370102"
    )
    tab = new_page()
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.goto(f"/demands/{query}")
    card = tab.locator(".search-empty")
    card.wait_for()
    container = tab.locator("main.container").bounding_box()
    facets = tab.locator("#facets")
    sidebar = facets.bounding_box()["width"] if facets.count() else 0
    # The card spans the whole results area: everything but the sidebar, when there is one.
    assert card.bounding_box()["width"] > container["width"] - sidebar - 80
    assert card.bounding_box()["width"] > 0.6 * container["width"]
