"""撤回 a listing is final: the workspace asks first and says what will happen (issue 12.2)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cms.models import DemandPage

from ..factories import DemandPageFactory

pytestmark = pytest.mark.django_db


def withdraw_url(page):
    return reverse("workspace:listing_withdraw", kwargs={"kind": "demand", "pk": page.pk})


def test_dashboard_links_to_a_confirmation_not_a_one_click_form(
    client, enterprise_member, enterprise
):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    client.force_login(enterprise_member)
    body = client.get(reverse("workspace:dashboard")).content.decode()
    assert f'href="{withdraw_url(page)}"' in body


def test_confirmation_page_says_it_is_final_and_what_happens(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, title="激光焊接变形控制")
    client.force_login(enterprise_member)
    body = client.get(withdraw_url(page)).content.decode()
    assert "撤回是最终操作" in body and "从公开目录下架" in body and "不能再编辑" in body
    assert "激光焊接变形控制" in body
    assert DemandPage.objects.get(pk=page.pk).status == "open"


def test_post_without_confirm_changes_nothing(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise)
    client.force_login(enterprise_member)
    response = client.post(withdraw_url(page))
    assert response.status_code == 200
    page.refresh_from_db()
    assert page.live and page.status == "open"


def test_confirmed_withdrawal_acts_and_says_so(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, title="激光焊接变形控制")
    client.force_login(enterprise_member)
    response = client.post(withdraw_url(page), {"confirm": "1"})
    page.refresh_from_db()
    assert not page.live and page.status == "withdrawn"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("已撤回" in t and "激光焊接变形控制" in t for t in texts)
    # A withdrawn listing has nothing to confirm any more.
    again = client.get(withdraw_url(page))
    assert again.status_code == 302 and again["Location"] == reverse("workspace:dashboard")
