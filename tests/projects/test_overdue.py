"""Overdue milestones: the curators' overdue list and reminders to both sides."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from marketplace.curation.dashboard import TABLES, Figures
from marketplace.curation.reminders import overdue_reminders_send
from marketplace.curation.selectors import DashboardFilter, pending_milestones
from marketplace.notifications.models import Notification
from marketplace.projects import services

pytestmark = pytest.mark.django_db


def _after(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def test_overdue_milestone_on_the_curators_list(running):
    first = running.milestones.first()
    assert pending_milestones(DashboardFilter(), now=_after(first.due_date)) == []
    items = pending_milestones(
        DashboardFilter(), now=_after(first.due_date + datetime.timedelta(days=1))
    )
    assert [(i.label, i.detail) for i in items] == [(running.title, first.deliverable)]
    # On the dashboard's overdue page, today, once its date has passed.
    first.due_date = timezone.localdate() - datetime.timedelta(days=3)
    first.save(update_fields=["due_date"])
    table = TABLES["overdue_milestones"](Figures(DashboardFilter()))
    assert [row[1] for row in table.rows] == [running.title]
    assert table.rows[0][-1] >= 2


def test_reported_milestone_is_not_overdue(running, research_member):
    first = running.milestones.first()
    services.milestone_report(user=research_member, milestone=first, text="完成。")
    later = _after(first.due_date + datetime.timedelta(days=3))
    assert pending_milestones(DashboardFilter(), now=later) == []


def test_reminder_reaches_both_sides_once(
    running, enterprise_member, research_member, consortium_member, outsider
):
    first = running.milestones.first()
    later = _after(first.due_date + datetime.timedelta(days=2))
    assert overdue_reminders_send(now=later) >= 1
    for user in (enterprise_member, research_member, consortium_member):
        assert (
            Notification.objects.filter(
                recipient=user, verb="overdue", title__startswith="里程碑逾期"
            ).count()
            == 1
        )
    assert not Notification.objects.filter(recipient=outsider, verb="overdue").exists()
    overdue_reminders_send(now=later)
    assert (
        Notification.objects.filter(
            recipient=enterprise_member, verb="overdue", title__startswith="里程碑逾期"
        ).count()
        == 1
    )
