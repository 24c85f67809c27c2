"""Every curator and owner decision is in the audit log, whichever package makes it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import TaskState

from marketplace.audit.models import AuditEntry
from marketplace.bidding import services as bidding
from marketplace.matches import services as matches
from marketplace.organisations import services as organisations
from tests.bidding.conftest import full_input
from tests.factories import DemandPageFactory, MatchFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


def entry(action: str, obj) -> AuditEntry:
    return AuditEntry.objects.get(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )


def test_verification_and_rejection_of_an_organisation(curator, pending_org):
    organisations.organisation_reject(organisation=pending_org, curator=curator, note="名称有误")
    organisations.organisation_verify(organisation=pending_org, curator=curator, note="已更正")
    rejected, verified = (
        entry("organisation.reject", pending_org),
        entry("organisation.verify", pending_org),
    )
    assert (rejected.actor, rejected.note) == (curator, "名称有误")
    assert (verified.actor, verified.note) == (curator, "已更正")
    assert verified.details["credit_code"] == pending_org.credit_code


def test_an_owner_deciding_a_join_request(owner, applicant, pending_org):
    request = organisations.membership_request(user=applicant, organisation=pending_org)
    organisations.membership_approve(membership=request, actor=owner)
    assert entry("membership.approve", request).actor == owner


def _review(client, curator, page, action, comment=""):
    task_state = TaskState.objects.get(
        workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS
    )
    client.force_login(curator)
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])
    assert client.post(url, {"comment": comment}).status_code == 302


def test_approval_and_return_of_a_listing(client, curator, enterprise, enterprise_member):
    from cms import services

    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    services.listing_submit(user=enterprise_member, page=page)
    _review(client, curator, page, "reject", comment="请补充量化指标")
    returned = entry("listing.return", page)
    assert (returned.actor, returned.note, returned.details["status"]) == (
        curator,
        "请补充量化指标",
        "rejected",
    )
    services.listing_submit(user=enterprise_member, page=page)
    _review(client, curator, page, "approve")
    assert entry("listing.approve", page).details["status"] == "open"


def test_owner_withdrawing_a_listing(enterprise, enterprise_member):
    from cms import services

    page = DemandPageFactory(organisation=enterprise)
    services.listing_withdraw(user=enterprise_member, page=page)
    assert entry("listing.withdraw", page).details == {"kind": "demand", "from": "open"}


def test_shortlist_award_and_decline_of_bids(
    enterprise_member,
    demand,
    submitted_bid,
    other_researcher,
):
    other = bidding.bid_submit(user=other_researcher, listing=demand, data=full_input(demand))
    bidding.bid_shortlist(user=enterprise_member, bid=submitted_bid)
    bidding.bid_award(user=enterprise_member, bid=submitted_bid, amount=750_000)
    bidding.bid_decline(user=enterprise_member, bid=other, reason="price", comment="报价偏高")
    assert entry("bid.shortlist", submitted_bid).actor == enterprise_member
    award = entry("bid.award", submitted_bid)
    assert award.details["amount"] == 750_000 and award.details["listing"] == demand.pk
    decline = entry("bid.decline", other)
    assert (decline.note, decline.details["reason"]) == ("报价偏高", "price")


def test_owner_closing_a_demand(enterprise_member, demand):
    bidding.demand_close(user=enterprise_member, demand=demand)
    assert entry("listing.close", demand).actor == enterprise_member


def test_recommend_dismiss_and_each_sides_answer(
    curator, enterprise, university, enterprise_member
):
    pair = MatchFactory(
        demand=DemandPageFactory(organisation=enterprise),
        technology=TechnologyPageFactory(organisation=university),
    )
    other = MatchFactory(
        demand=pair.demand, technology=TechnologyPageFactory(organisation=university)
    )
    matches.match_recommend(match=pair, curator=curator)
    matches.match_dismiss(match=other, curator=curator, note="不相关")
    matches.match_answer(match=pair, user=enterprise_member, interested=True, note="愿意对接")
    assert entry("match.recommend", pair).actor == curator
    assert entry("match.dismiss", other).note == "不相关"
    answer = entry("match.answer", pair)
    assert (answer.actor, answer.note, answer.details["side"], answer.details["answer"]) == (
        enterprise_member,
        "愿意对接",
        "demand",
        "interested",
    )
