"""cms.lifecycle: one set of rules for every reader, and transitions as the only status writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cms import lifecycle
from cms.lifecycle import ListingKind, ListingStateError, Transition
from cms.models import DemandIndexPage, DemandPage, HomePage, TechnologyPage
from marketplace.curation import events
from marketplace.matches.models import Match
from marketplace.matches.selectors import available_pairs
from search.selectors import available_targets
from tests.factories import DemandPageFactory, MatchFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=10)


@pytest.fixture
def heard():
    """The listing_status_changed signals sent during the test."""
    calls = []

    def listener(sender, **kwargs):
        calls.append((sender, kwargs))

    lifecycle.listing_status_changed.connect(listener)
    yield calls
    lifecycle.listing_status_changed.disconnect(listener)


def test_every_rule_names_statuses_of_its_own_kind():
    for kind in lifecycle.LISTING_KINDS:
        statuses = set(lifecycle.STATUSES[kind].values)
        assert lifecycle.PUBLIC_STATES[kind] <= statuses
        assert lifecycle.BIDDING_STATES[kind] <= lifecycle.PUBLIC_STATES[kind]
        for transition, rule in lifecycle.RULES[kind].items():
            assert rule.sources <= statuses and rule.target in statuses, (kind, transition)


def test_kinds_and_models_have_one_map():
    assert lifecycle.listing_model("demand") is DemandPage
    assert lifecycle.listing_model(ListingKind.TECHNOLOGY) is TechnologyPage
    assert lifecycle.index_model("demand") is DemandIndexPage
    assert lifecycle.kind_of(DemandPage) == "demand" and lifecycle.kind_of(HomePage) is None
    with pytest.raises(ValueError):
        lifecycle.listing_model("event")


def test_a_transition_updates_the_row_and_the_object_and_is_heard_once(enterprise, heard):
    page = DemandPageFactory(organisation=enterprise)
    assert lifecycle.move(page, Transition.CLOSE) is True
    assert page.status == "closed"
    assert DemandPage.objects.get(pk=page.pk).status == "closed"
    assert [(s, k["previous"], k["status"], k["kind"]) for s, k in heard] == [
        (DemandPage, "open", "closed", "demand")
    ]
    # Reaching the status it already has is a no-op: no write, nothing to hear.
    assert lifecycle.move(page, Transition.CLOSE) is False
    assert len(heard) == 1


def test_a_refused_transition_changes_nothing(enterprise, heard):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    with pytest.raises(ListingStateError):
        lifecycle.move(page, Transition.AWARD)
    assert lifecycle.move(page, Transition.CLOSE, strict=False) is False
    assert DemandPage.objects.get(pk=page.pk).status == "draft" and heard == []
    # A technology has no close at all.
    assert not lifecycle.can_move(TechnologyPageFactory(), Transition.CLOSE)


def test_a_stale_page_object_cannot_skip_a_state(enterprise):
    page = DemandPageFactory(organisation=enterprise)
    stale = DemandPage.objects.get(pk=page.pk)
    lifecycle.move(page, Transition.AWARD)
    # The stale copy still says "open": the conditional update refuses to close an
    # awarded demand, and one that already reached the target is brought in step.
    with pytest.raises(ListingStateError):
        lifecycle.move(stale, Transition.CLOSE)
    assert DemandPage.objects.get(pk=page.pk).status == "awarded"
    again = DemandPage.objects.get(pk=page.pk)
    again.status = "open"
    assert lifecycle.move(again, Transition.AWARD) is False and again.status == "awarded"


def test_publishing_leaves_a_withdrawn_listing_withdrawn_but_a_reimport_reopens_it(
    enterprise,
):
    page = DemandPageFactory(organisation=enterprise, status="withdrawn")
    assert page.live and page.status == "withdrawn" and not page.is_public
    assert lifecycle.move(page, Transition.REPUBLISH) and page.status == "open"


@pytest.fixture
def market(enterprise, university):
    now = timezone.now()
    demands = {
        "open": DemandPageFactory(organisation=enterprise, bid_deadline=now + LATER),
        "open, no deadline": DemandPageFactory(organisation=enterprise, bid_deadline=None),
        "open, deadline passed": DemandPageFactory(
            organisation=enterprise, bid_deadline=now - LATER
        ),
        "closed": DemandPageFactory(organisation=enterprise, status="closed"),
        "draft": DemandPageFactory(organisation=enterprise, status="draft", live=False),
    }
    technologies = {
        "published": TechnologyPageFactory(organisation=university),
        "taken up": TechnologyPageFactory(organisation=university, status="taken_up"),
        "withdrawn": TechnologyPageFactory(organisation=university, status="withdrawn"),
    }
    return demands, technologies


def _accepting(pages: dict) -> set[int]:
    return {p.pk for p in pages.values() if lifecycle.accepts_bids(p)}


def test_accepts_bids_means_a_live_bidding_status_and_for_a_demand_before_its_deadline(market):
    demands, technologies = market
    assert {name for name, p in demands.items() if p.is_accepting_bids} == {
        "open",
        "open, no deadline",
    }
    assert {name for name, p in technologies.items() if p.is_accepting_bids} == {
        "published",
        "taken up",
    }
    for kind, pages in zip(lifecycle.LISTING_KINDS, market, strict=True):
        query = lifecycle.listing_model(kind).objects.filter(lifecycle.accepting_q(kind))
        assert set(query.values_list("pk", flat=True)) == _accepting(pages)


def test_every_reader_of_accepts_bids_agrees(market, rf):
    demands, technologies = market
    assert {p.pk for p in available_targets("demand")} == _accepting(demands)
    assert {p.pk for p in available_targets("technology")} == _accepting(technologies)
    # Events bring demands still taking bids; a deadline passed without closing is not one.
    assert {p.pk for p in events.open_demands()} == _accepting(demands)
    # The curators' match queue offers only pairs that can still be recommended.
    for demand in demands.values():
        for technology in technologies.values():
            MatchFactory(demand=demand, technology=technology)
    brokered = Match.objects.filter(available_pairs())
    assert {(m.demand_id, m.technology_id) for m in brokered} == {
        (d, t) for d in _accepting(demands) for t in _accepting(technologies)
    }
    request = rf.get("/")
    request.user = None
    context = HomePage.objects.get().get_context(request)
    assert {p.pk for p in context["latest_demands"]} == _accepting(demands)
