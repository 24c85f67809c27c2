from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cms.models import DemandPage
from marketplace.bidding.models import Bid, BidStatus, Deal
from marketplace.bidding.services import (
    AttachmentInput,
    BidDeadlineError,
    BidError,
    bid_award,
    bid_decline,
    bid_save,
    bid_shortlist,
    bid_submit,
    bid_withdraw,
    demand_close,
)

from .conftest import full_input, pdf

pytestmark = pytest.mark.django_db


def test_submit_stores_whole_bid(demand, research_member):
    data = full_input(demand)
    data.attachments = [AttachmentInput("技术方案", pdf())]
    bid = bid_submit(user=research_member, listing=demand, data=data)
    assert bid.status == BidStatus.SUBMITTED
    assert bid.indicator_responses.count() == 2
    assert bid.milestones.count() == 2
    assert bid.attachments.get().content_type == "application/pdf"
    assert bid.submitted_at is not None


def test_one_second_late_is_refused_and_nothing_changes(demand, research_member):
    draft = bid_save(user=research_member, listing=demand, data=full_input(demand, team="初稿"))
    DemandPage.objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    demand.refresh_from_db()
    with pytest.raises(BidDeadlineError) as exc:
        bid_submit(
            user=research_member, listing=demand, data=full_input(demand, team="终稿"), bid=draft
        )
    assert "截止" in exc.value.messages[0] and "北京时间" in exc.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == BidStatus.DRAFT and draft.team == "初稿"


def test_double_submit_with_one_token_makes_one_bid(demand, research_member):
    token = uuid.uuid4()
    first = bid_submit(user=research_member, listing=demand, data=full_input(demand), token=token)
    second = bid_submit(user=research_member, listing=demand, data=full_input(demand), token=token)
    assert first.pk == second.pk
    assert Bid.objects.count() == 1


def test_second_active_bid_of_same_org_is_refused(demand, research_member, submitted_bid):
    with pytest.raises(ValidationError):
        bid_submit(user=research_member, listing=demand, data=full_input(demand))
    assert Bid.objects.count() == 1


def test_incomplete_submission_reports_fields_and_stores_nothing(demand, research_member):
    data = full_input(demand, technical_approach="", price=None, declares_no_related_party=False)
    data.responses = {}
    with pytest.raises(ValidationError) as exc:
        bid_submit(user=research_member, listing=demand, data=data)
    errors = exc.value.message_dict
    assert {"technical_approach", "price", "declares_no_related_party"} <= set(errors)
    assert any(k.startswith("indicator_") for k in errors)
    assert Bid.objects.count() == 0


def test_sealed_bid_hidden_from_owner_until_deadline(demand, research_member, enterprise_member):
    DemandPage.objects.filter(pk=demand.pk).update(sealed_bids=True)
    demand.refresh_from_db()
    bid = bid_submit(user=research_member, listing=demand, data=full_input(demand))
    from marketplace.bidding.permissions import can_view_bid
    from marketplace.bidding.selectors import bids_for_owner

    assert not can_view_bid(enterprise_member, bid)
    assert bids_for_owner(user=enterprise_member, listing=demand) == ([], 1)
    with pytest.raises(BidError):
        bid_shortlist(user=enterprise_member, bid=bid)
    DemandPage.objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    bid = Bid.objects.get(pk=bid.pk)
    assert can_view_bid(enterprise_member, bid)


def test_award_moves_demand_and_records_deal(submitted_bid, enterprise_member, demand):
    bid_award(user=enterprise_member, bid=submitted_bid)
    submitted_bid.refresh_from_db()
    assert submitted_bid.status == BidStatus.AWARDED
    assert DemandPage.objects.get(pk=demand.pk).status == "awarded"
    assert Deal.objects.get(bid=submitted_bid).amount == 800_000


def test_award_beyond_winners_count_refused(
    demand, submitted_bid, other_researcher, enterprise_member
):
    other = bid_submit(user=other_researcher, listing=demand, data=full_input(demand))
    bid_award(user=enterprise_member, bid=submitted_bid)
    with pytest.raises(BidError):
        bid_award(user=enterprise_member, bid=other)
    assert Bid.objects.filter(status="awarded").count() == 1


def test_decline_requires_reason_and_comment(submitted_bid, enterprise_member):
    with pytest.raises(ValidationError) as exc:
        bid_decline(user=enterprise_member, bid=submitted_bid, reason="", comment="")
    assert {"reason", "comment"} <= set(exc.value.message_dict)
    bid_decline(
        user=enterprise_member, bid=submitted_bid, reason="price", comment="报价高于预算上限"
    )
    submitted_bid.refresh_from_db()
    assert submitted_bid.status == "declined" and submitted_bid.decline_reason == "price"


def test_only_owner_decides(submitted_bid, outsider, research_member):
    for user in (outsider, research_member):
        with pytest.raises(PermissionDenied):
            bid_shortlist(user=user, bid=submitted_bid)


def test_withdraw_then_bid_again(demand, research_member, submitted_bid):
    bid_withdraw(user=research_member, bid=submitted_bid)
    again = bid_submit(user=research_member, listing=demand, data=full_input(demand))
    assert again.pk != submitted_bid.pk


def test_submit_on_closed_demand_refused(demand, research_member, enterprise_member):
    demand_close(user=enterprise_member, demand=demand)
    with pytest.raises(BidDeadlineError):
        bid_submit(user=research_member, listing=demand, data=full_input(demand))
    assert Bid.objects.count() == 0


def test_related_party_flags(demand, research_member, enterprise_member, university):
    from tests.factories import MembershipFactory

    MembershipFactory(user=enterprise_member, organisation=university)
    bid = bid_submit(user=research_member, listing=demand, data=full_input(demand))
    assert [f["code"] for f in bid.related_party_flags] == ["shared_member"]


def test_technology_take_up_request(technology, enterprise_member):
    from cms.taxonomy import CooperationMode
    from marketplace.bidding.services import BidInput

    data = BidInput(
        fields={
            "cooperation_mode": CooperationMode.objects.get(slug="licence"),
            "intended_use": "用于我公司动力电池产线",
            "message": "希望尽快面谈",
            "price": 300_000,
            "declares_no_related_party": True,
        }
    )
    bid = bid_submit(user=enterprise_member, listing=technology, data=data)
    assert bid.kind == "technology" and bid.status == "submitted"


def test_closing_a_demand_updates_the_search_index(
    demand, enterprise_member, django_capture_on_commit_callbacks
):
    from search.backends import get_search_backend
    from search.indexing import index_pages

    index_pages("demand", [demand.pk])
    assert get_search_backend().get_document("demand", str(demand.pk)).status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        demand_close(user=enterprise_member, demand=demand)
    assert get_search_backend().get_document("demand", str(demand.pk)).status == "closed"
