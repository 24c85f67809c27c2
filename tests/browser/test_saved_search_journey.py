"""Issue 12.5's journey in a real browser: a research member saves a catalogue search, an
enterprise publishes a matching demand through the review workflow, the daily run
(`send_alerts`) finds it, and the member follows the notice to the demand."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from cms.models import DemandPage
from marketplace.alerts.models import Alert
from search.backends import get_search_backend
from tests.cms.test_review_workflow import curator_action, draft_and_submit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "镍基高温合金薄壁件激光焊接变形控制"


@pytest.fixture(autouse=True)
def index(settings, tmp_path):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path / "index")}
    }
    cache.clear()
    return get_search_backend()


def signed_in(new_page, live_server, user):
    client = Client()
    client.force_login(user)
    page = new_page()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_saved_search_notifies_a_newly_published_demand(
    new_page, live_server, research_member, enterprise, enterprise_member, curator
):
    member = signed_in(new_page, live_server, research_member)

    # The member searches the demand catalogue and saves the search.
    member.goto("/demands/")
    member.fill("#catalogue-q", "激光焊接")
    member.locator("form.search-form button[type=submit]").click()
    member.wait_for_url("**/demands/?q=*")
    member.get_by_role("link", name="保存此搜索 / 订阅").click()
    member.wait_for_url("**/workspace/alerts/new/**")
    assert "激光焊接" in member.locator("main").inner_text()
    member.fill("input[name=name]", "焊接类需求")
    member.get_by_label("站内通知 + 每日邮件摘要").check()
    member.get_by_role("button", name="保存订阅").click()
    member.wait_for_url("**/workspace/alerts/")
    assert "已保存搜索“焊接类需求”" in member.locator(".messages").inner_text()
    alert = Alert.objects.get(user=research_member)
    assert alert.query == "q=%E6%BF%80%E5%85%89%E7%84%8A%E6%8E%A5"

    # An enterprise drafts and submits a matching demand; a curator approves it in Wagtail.
    demand = draft_and_submit(Client(), enterprise_member, enterprise, title=TITLE)
    curator_action(Client(), curator, demand, "approve")
    demand = DemandPage.objects.get(pk=demand.pk)
    assert demand.live and demand.status == "open"

    # The daily run delivers it: an in-site notice and the day's e-mail digest.
    call_command("send_alerts")
    digest = [m for m in mail.outbox if research_member.email in m.to]
    assert len(digest) == 1 and TITLE in digest[0].body

    member.goto("/notifications/")
    notice = member.get_by_role("button", name="订阅“焊接类需求”有 1 个新项目")
    assert TITLE in member.locator(".notifications").inner_text()
    notice.click()
    member.wait_for_url(f"**{demand.url}")
    assert TITLE in member.locator("h1").first.inner_text()

    # The alert lists what it delivered; running again sends nothing new.
    member.goto(f"/workspace/alerts/{alert.pk}/")
    assert TITLE in member.locator(".alert-hits").inner_text()
    call_command("send_alerts")
    assert len([m for m in mail.outbox if research_member.email in m.to]) == 1
