"""Issue 12.13 in a real browser: a curator proposes a pair by hand with the searchable
choosers (eligible listings only), and the pair joins the queue with its reasons."""

from __future__ import annotations

import pytest

from cms.models import DemandPage
from marketplace.matches.models import Match
from tests.factories import DemandPageFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def login(page, email, password):
    page.goto("/accounts/login/?next=/admin/matches/propose/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_url("**/admin/matches/propose/")


def choose(page, button: str, query: str, title: str, absent: str = "") -> None:
    page.get_by_role("button", name=button).click()
    modal = page.locator(".modal-dialog")
    modal.wait_for()
    modal.locator("input[name=q]").fill(query)
    modal.locator("a[data-chooser-modal-choice]", has_text=title).wait_for()
    if absent:
        assert absent not in modal.inner_text()
    modal.locator("a[data-chooser-modal-choice]", has_text=title).click()
    modal.wait_for(state="hidden")


def test_curator_proposes_a_pair_with_searchable_choosers(
    new_page, curator, published, enterprise, university
):
    wanted = published(
        DemandPageFactory,
        organisation=enterprise,
        title="污水处理膜污染控制需求",
        keywords="膜污染,污水处理",
    )
    closed = published(
        DemandPageFactory,
        organisation=enterprise,
        title="污水处理膜污染旧需求",
        keywords="膜污染,污水处理",
    )
    DemandPage.objects.filter(pk=closed.pk).update(status="closed")
    for i in range(3):
        published(DemandPageFactory, organisation=enterprise, title=f"其他焊接需求{i}")
    tech = published(
        TechnologyPageFactory,
        organisation=university,
        title="抗污染反渗透膜组件",
        keywords="膜污染,反渗透",
        summary="抗污染反渗透膜组件，降低工业污水处理中的膜污染。",
    )

    desk = new_page()
    desk.set_viewport_size({"width": 1280, "height": 900})
    login(desk, curator.email, "jiebang-test-pw")
    assert desk.locator("select[name=demand]").count() == 0

    choose(desk, "选择技术需求", "膜污染", wanted.title, absent=closed.title)
    choose(desk, "选择科技成果", "反渗透", tech.title)
    form = desk.locator("form", has=desk.locator("textarea[name=note]"))
    assert wanted.title in form.inner_text() and tech.title in form.inner_text()
    desk.fill("textarea[name=note]", "对接会现场推荐")
    desk.get_by_role("button", name="加入待审核队列").click()
    desk.wait_for_url("**/admin/matches/*/")
    assert "已加入待审核队列" in desk.content()

    match = Match.objects.get()
    assert (match.demand_id, match.technology_id, match.source) == (wanted.pk, tech.pk, "curator")
    desk.goto("/admin/matches/")
    row = desk.locator("tr", has_text=tech.title)
    assert "共同关键词" in row.inner_text() and "膜污染" in row.inner_text()
