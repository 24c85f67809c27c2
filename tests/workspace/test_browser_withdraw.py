"""A real browser: 撤回 a listing goes through a confirmation that says it is final."""

from __future__ import annotations

import pytest
from django.test import Client

from cms.models import DemandPage

from ..factories import DemandPageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_withdrawing_a_listing_asks_first(new_page, live_server, enterprise, enterprise_member):
    page = DemandPageFactory(organisation=enterprise, title="激光焊接变形控制")
    client = Client()
    client.force_login(enterprise_member)
    tab = new_page()
    tab.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    tab.goto("/workspace/")
    tab.get_by_role("link", name="撤回…").first.click()
    tab.wait_for_selector("text=撤回是最终操作")
    assert DemandPage.objects.get(pk=page.pk).status == "open"
    tab.get_by_role("button", name="确认撤回（不可恢复）").click()
    tab.wait_for_selector("text=如需重新发布，请联系平台工作人员")
    assert DemandPage.objects.get(pk=page.pk).status == "withdrawn"
