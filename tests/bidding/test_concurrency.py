"""Races on PostgreSQL, where row locks are real: each thread has its own connection."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from cms.models import DemandPage
from marketplace.bidding.models import Bid, BidIndicatorResponse, BidMilestone
from marketplace.bidding.services import bid_award, bid_submit, demand_close

from .conftest import full_input

# serialized_rollback restores the Wagtail tree (root, home, catalogue indexes) a flush removes.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite has no row locks to race on")


def race(*calls):
    """Run the calls at the same moment in separate threads; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_simultaneous_awards_leave_one_winner(
    demand, research_member, other_researcher, enterprise_member
):
    a = bid_submit(user=research_member, listing=demand, data=full_input(demand))
    b = bid_submit(user=other_researcher, listing=demand, data=full_input(demand))
    for _ in range(3):
        results = race(
            lambda: bid_award(user=enterprise_member, bid=a),
            lambda: bid_award(user=enterprise_member, bid=b),
        )
        assert Bid.objects.filter(status="awarded").count() == 1
        assert sum(isinstance(r, ValidationError) for r in results) == 1
        # Undo the award for the next round: its deal and the project it opened, too.
        Bid.objects.filter(pk__in=[a.pk, b.pk]).update(status="submitted")
        from marketplace.bidding.models import Deal
        from marketplace.projects.models import Project

        Project.objects.filter(bid__in=[a, b]).delete()
        Deal.objects.all().delete()
        DemandPage.objects.filter(pk=demand.pk).update(status="open")


def test_double_submit_in_parallel_creates_one_bid(demand, research_member):
    token = uuid.uuid4()
    results = race(
        *[
            (
                lambda: bid_submit(
                    user=research_member, listing=demand, data=full_input(demand), token=token
                )
            )
            for _ in range(3)
        ]
    )
    assert Bid.objects.count() == 1
    assert {r.pk for r in results if isinstance(r, Bid)} == {Bid.objects.get().pk}


def test_parallel_submissions_without_token_keep_one_active_bid(demand, research_member):
    results = race(
        *[
            (lambda: bid_submit(user=research_member, listing=demand, data=full_input(demand)))
            for _ in range(2)
        ]
    )
    assert Bid.objects.count() == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1


def test_submit_racing_close_is_all_or_nothing(enterprise, research_member, enterprise_member):
    from tests.factories import DemandIndicatorFactory, DemandPageFactory

    for _ in range(4):
        demand = DemandPageFactory(organisation=enterprise)
        DemandIndicatorFactory(page=demand)
        results = race(
            lambda d=demand: bid_submit(user=research_member, listing=d, data=full_input(d)),
            lambda d=demand: demand_close(user=enterprise_member, demand=d),
        )
        assert not isinstance(results[1], Exception), results[1]
        bids = Bid.objects.filter(demand=demand)
        if isinstance(results[0], Bid):
            bid = bids.get()
            assert bid.status == "submitted"
            assert BidIndicatorResponse.objects.filter(bid=bid).count() == 1
            assert BidMilestone.objects.filter(bid=bid).count() == 2
        else:
            assert isinstance(results[0], ValidationError), results[0]
            assert not bids.exists()
            assert not BidIndicatorResponse.objects.filter(bid__demand=demand).exists()
        assert DemandPage.objects.get(pk=demand.pk).status == "closed"
