"""Bid forms without friction (issue 12, point 6): a new bid after a withdrawn or declined one
starts from it; an error summary; files kept across a validation error."""

from __future__ import annotations

import re

import pytest

from marketplace.bidding.models import Bid
from marketplace.bidding.services import bid_decline, bid_submit, bid_withdraw
from marketplace.workspace.models import PendingUpload

from .conftest import PDF_BYTES, full_input, pdf
from .formparse import browser_submission

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.bidding.urls")]


@pytest.fixture
def earlier_bid(demand, research_member, other_university):
    data = full_input(
        demand, technical_approach="双光束激光焊接+随焊冷却，第一版方案", price=750_000
    )
    data.consortium = [other_university]
    return bid_submit(user=research_member, listing=demand, data=data)


def new_bid_page(client, demand):
    return client.get(f"/bids/new/demand/{demand.pk}/").content.decode()


def assert_prefilled_from(body, bid, demand):
    assert "第一版方案" in body
    assert 'name="price" value="750000"' in body
    assert bid.consortium_members.get().credit_code in body
    for ind in demand.indicators.all():
        assert f'name="indicator_{ind.pk}_value" value="0.15"' in body
    for milestone in bid.milestones.all():
        assert f'value="{milestone.due_date.isoformat()}"' in body
        assert milestone.deliverable in body


def test_new_bid_after_a_withdrawal_starts_from_the_earlier_bid(
    client, demand, research_member, earlier_bid
):
    bid_withdraw(user=research_member, bid=earlier_bid)
    client.force_login(research_member)
    body = new_bid_page(client, demand)
    assert "已按本单位之前的揭榜（已撤回" in body
    assert_prefilled_from(body, earlier_bid, demand)
    # Sending the prefilled form as it is makes a second, new bid with the same content.
    data = {k: v[0] if len(v) == 1 else v for k, v in browser_submission(body, "bid-form").items()}
    data["action"] = "submit"
    response = client.post(f"/bids/new/demand/{demand.pk}/", data)
    assert response.status_code == 302
    new = Bid.objects.exclude(pk=earlier_bid.pk).get()
    assert new.status == "submitted" and new.idempotency_token != earlier_bid.idempotency_token
    assert new.price == 750_000 and "第一版方案" in new.technical_approach
    assert list(new.consortium_members.all()) == list(earlier_bid.consortium_members.all())
    assert [(m.due_date, m.deliverable) for m in new.milestones.all()] == [
        (m.due_date, m.deliverable) for m in earlier_bid.milestones.all()
    ]
    assert sorted(r.committed_value for r in new.indicator_responses.all()) == ["0.15", "0.15"]


def test_new_bid_after_a_decline_starts_from_the_earlier_bid(
    client, demand, research_member, enterprise_member, earlier_bid
):
    bid_decline(user=enterprise_member, bid=earlier_bid, reason="other", comment="方案不够具体")
    client.force_login(research_member)
    body = new_bid_page(client, demand)
    assert "未中榜" in body
    assert_prefilled_from(body, earlier_bid, demand)


def test_first_bid_starts_empty(client, demand, research_member):
    client.force_login(research_member)
    body = new_bid_page(client, demand)
    assert "已按本单位之前的揭榜" not in body and "第一版方案" not in body


def test_another_organisations_withdrawn_bid_is_not_offered(
    client, demand, research_member, other_researcher, earlier_bid
):
    bid_withdraw(user=research_member, bid=earlier_bid)
    client.force_login(other_researcher)
    body = new_bid_page(client, demand)
    assert "第一版方案" not in body and "已按本单位之前的揭榜" not in body


def test_bid_form_error_summary_links_to_the_fields(client, demand, research_member):
    from .test_views import form_data

    client.force_login(research_member)
    data = form_data(demand, price="-5", **{"ms-0-deliverable": ""})
    body = client.post(f"/bids/new/demand/{demand.pk}/", data).content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0)
    assert 'href="#id_price"' in summary and "报价必须是正数。" in summary
    assert "第1行" in summary and "请同时填写日期和阶段成果。" in summary
    for anchor in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{anchor}"' in body
    assert not Bid.objects.exists()


def test_bid_attachment_is_kept_across_a_validation_error(client, demand, research_member):
    from .test_views import form_data

    client.force_login(research_member)
    data = form_data(demand, price="-5")
    data["att-0-title"] = "技术方案"
    data["att-0-file"] = pdf("技术方案.pdf")
    body = client.post(f"/bids/new/demand/{demand.pk}/", data).content.decode()
    assert "已上传：技术方案.pdf（保留）" in body
    token = re.search(r'name="att-0-pending" value="([0-9a-f]+)"', body).group(1)
    data = form_data(demand)
    data["att-0-title"] = "技术方案"
    data["att-0-pending"] = token
    assert client.post(f"/bids/new/demand/{demand.pk}/", data).status_code == 302
    attachment = Bid.objects.get().attachments.get()
    assert attachment.file.read() == PDF_BYTES
    assert not PendingUpload.objects.exists()
