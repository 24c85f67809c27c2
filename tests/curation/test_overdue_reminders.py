"""send_overdue_reminders: who is reminded of what, once per overdue item."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from marketplace.bidding.models import Bid
from marketplace.notifications.models import Notification
from tests.bidding.conftest import demand, full_input  # noqa: F401
from tests.factories import MatchFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


def run(capsys) -> int:
    call_command("send_overdue_reminders")
    return int(capsys.readouterr().out.rsplit(":", 1)[1])


def test_undecided_bids_long_after_the_deadline_remind_the_owner_once(
    demand,  # noqa: F811
    research_member,
    enterprise_member,
    capsys,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    from marketplace.bidding.services import bid_submit

    bid_submit(user=research_member, listing=demand, data=full_input(demand))
    assert run(capsys) == 0  # deadline still ahead: nothing is overdue
    type(demand).objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() - dt.timedelta(days=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert run(capsys) == 1
    reminder = Notification.objects.get(verb="overdue")
    assert reminder.recipient == enterprise_member
    assert demand.title in reminder.title
    assert any(enterprise_member.email in m.to for m in mail.outbox)
    assert run(capsys) == 0  # a second run the same day sends nothing
    assert Bid.objects.count() == 1


def test_unanswered_recommended_match_reminds_only_the_silent_side(
    enterprise, enterprise_member, university, research_member, capsys
):
    from tests.factories import DemandPageFactory

    match = MatchFactory(
        demand=DemandPageFactory(organisation=enterprise),
        technology=TechnologyPageFactory(organisation=university),
        state="recommended",
        demand_answer="interested",
        technology_answer="pending",
    )
    type(match).objects.filter(pk=match.pk).update(
        decided_at=timezone.now() - dt.timedelta(days=10)
    )
    assert run(capsys) == 1
    assert list(
        Notification.objects.filter(verb="overdue").values_list("recipient", flat=True)
    ) == [research_member.pk]
    assert f"/matches/{match.pk}/" == Notification.objects.get(verb="overdue").target_url


def test_reviews_waiting_too_long_remind_curators(curator, enterprise_member, enterprise, capsys):
    from cms import services
    from tests.factories import DemandPageFactory

    draft = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    services.listing_submit(user=enterprise_member, page=draft)
    from wagtail.models import WorkflowState

    WorkflowState.objects.update(created_at=timezone.now() - dt.timedelta(days=5))
    assert run(capsys) == 1
    assert Notification.objects.get(verb="overdue").recipient == curator
