"""Browser journey: autocomplete while typing, then a highlighted, faceted result page (Playwright + chromium)."""

from __future__ import annotations

import pytest

from tests.factories import DemandPageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def chromium_page(new_page):
    return new_page()


def test_typing_suggests_terms_and_choosing_one_searches(chromium_page):
    # transaction=True: the publish commits, so its index task really runs.
    DemandPageFactory(title="高温合金薄壁件激光焊接变形控制", keywords="激光焊接,变形控制")
    DemandPageFactory(title="动力锂电池热管理", keywords="锂电池", problem="<p>电芯温升过高。</p>")
    page = chromium_page
    page.goto("/demands/")
    box = page.locator("#catalogue-q")
    box.press_sequentially("激光")
    option = page.get_by_role("option", name="激光焊接", exact=True)
    option.wait_for()
    box.press("ArrowDown")
    while page.locator('[role="option"][aria-selected="true"]').inner_text() != "激光焊接":
        box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/demands/?q=*")
    results = page.locator(".search-results")
    assert "高温合金薄壁件激光焊接变形控制" in results.inner_text()
    assert "动力锂电池热管理" not in results.inner_text()
    assert results.locator("mark").count() >= 1
    page.locator('.facet[data-facet="district"] a').first.click()
    page.wait_for_url("**district=*")
    assert "q=%E6%BF%80%E5%85%89%E7%84%8A%E6%8E%A5" in page.url
