"""Issue 12: edits keep milestone dates; 定榜 and 撤回 confirm on the server; sealed and NDA
demands say so to bidders."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from marketplace.bidding.models import Bid, Deal
from tests.factories import DemandPageFactory

from .formparse import browser_submission

pytestmark = pytest.mark.django_db


def _dates(bid):
    return [m.due_date for m in bid.milestones.order_by("due_date")]


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_editing_a_submitted_bid_keeps_its_milestone_dates(
    client, submitted_bid, research_member, language
):
    client.force_login(research_member)
    client.cookies["django_language"] = language
    before = _dates(submitted_bid)
    page = client.get(f"/bids/{submitted_bid.pk}/edit/")
    data = browser_submission(page.content.decode(), "bid-form")
    data["action"] = ["submit"]
    response = client.post(f"/bids/{submitted_bid.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert _dates(Bid.objects.get(pk=submitted_bid.pk)) == before


def test_editing_a_draft_keeps_its_dates(client, demand, research_member):
    from marketplace.bidding.services import bid_save

    from .conftest import full_input

    draft = bid_save(user=research_member, listing=demand, data=full_input(demand))
    client.force_login(research_member)
    data = browser_submission(client.get(f"/bids/{draft.pk}/edit/").content.decode(), "bid-form")
    data["action"] = ["save"]
    assert client.post(f"/bids/{draft.pk}/edit/", data).status_code == 302
    assert len(_dates(Bid.objects.get(pk=draft.pk))) == 2


# --- 定榜 -----------------------------------------------------------------------------


def test_award_page_says_what_will_happen(client, submitted_bid, enterprise_member):
    client.force_login(enterprise_member)
    body = client.get(f"/bids/{submitted_bid.pk}/award/").content.decode()
    assert "定榜后不能撤销" in body and "不再接受新的揭榜" in body
    assert "定榜结果公示 5 个工作日" in body  # the project and its public notice
    assert '<label for="id_amount">成交金额（元）' in body and "80万元" in body
    assert 'name="confirm" value="1"' in body
    assert Bid.objects.get(pk=submitted_bid.pk).status == "submitted"


def test_award_without_confirmation_changes_nothing(client, submitted_bid, enterprise_member):
    client.force_login(enterprise_member)
    response = client.post(f"/bids/{submitted_bid.pk}/award/", {"amount": "700000"})
    assert response.status_code == 200 and "确认定榜" in response.content.decode()
    assert Bid.objects.get(pk=submitted_bid.pk).status == "submitted"
    assert not Deal.objects.exists()


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1.5"])
def test_award_with_a_bad_amount_is_refused_and_changes_nothing(
    client, submitted_bid, enterprise_member, amount
):
    client.force_login(enterprise_member)
    response = client.post(f"/bids/{submitted_bid.pk}/award/", {"amount": amount, "confirm": "1"})
    assert response.status_code == 200 and response.context["form"].errors["amount"]
    assert Bid.objects.get(pk=submitted_bid.pk).status == "submitted"
    assert not Deal.objects.exists()


def test_confirmed_award_records_the_amount_and_says_so(client, submitted_bid, enterprise_member):
    client.force_login(enterprise_member)
    response = client.post(f"/bids/{submitted_bid.pk}/award/", {"amount": "750000", "confirm": "1"})
    assert response.status_code == 302
    assert Bid.objects.get(pk=submitted_bid.pk).status == "awarded"
    assert Deal.objects.get(bid=submitted_bid).amount == 750_000
    assert any("已定榜" in m and "75万元" in m for m in _messages(response))
    # Once awarded there is nothing left to confirm.
    again = client.get(f"/bids/{submitted_bid.pk}/award/")
    assert again.status_code == 302


def test_bidder_cannot_open_the_award_page(client, submitted_bid, research_member):
    client.force_login(research_member)
    assert client.get(f"/bids/{submitted_bid.pk}/award/").status_code == 404


# --- 撤回揭榜 ---------------------------------------------------------------------------


def test_bid_withdraw_confirms_that_it_is_final(client, submitted_bid, research_member):
    client.force_login(research_member)
    body = client.get(f"/bids/{submitted_bid.pk}/withdraw/").content.decode()
    assert "撤回是最终操作" in body and "通知需求方" in body
    client.post(f"/bids/{submitted_bid.pk}/withdraw/")
    assert Bid.objects.get(pk=submitted_bid.pk).status == "submitted"
    response = client.post(f"/bids/{submitted_bid.pk}/withdraw/", {"confirm": "1"})
    assert Bid.objects.get(pk=submitted_bid.pk).status == "withdrawn"
    assert "揭榜已撤回。" in _messages(response)


def test_owner_cannot_open_the_bid_withdraw_page(client, submitted_bid, enterprise_member):
    client.force_login(enterprise_member)
    assert client.get(f"/bids/{submitted_bid.pk}/withdraw/").status_code == 404


# --- sealed bids and confidential details are announced ----------------------------------


def test_sealed_and_nda_demand_says_so_on_the_listing_and_the_bid_form(
    client, enterprise, research_member
):
    demand = DemandPageFactory(
        organisation=enterprise,
        sealed_bids=True,
        bid_deadline=timezone.now() + datetime.timedelta(days=10),
        confidential_details="工艺参数",
    )
    client.force_login(research_member)
    listing = client.get(demand.url).content.decode()
    form = client.get(f"/bids/new/demand/{demand.pk}/").content.decode()
    for body in (listing, form):
        assert "密封揭榜" in body and "看不到揭榜单位和方案内容" in body
        assert "签署保密承诺" in body
        assert "工艺参数" not in body


def test_open_demand_has_no_sealed_notice(client, demand, research_member):
    client.force_login(research_member)
    body = client.get(f"/bids/new/demand/{demand.pk}/").content.decode()
    assert "sealed-notice" not in body and "nda-notice" in body
