"""Overdue pending actions (JIEBANG_DUE_DAYS) and the reminders sent about them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import WorkflowState

from cms.lifecycle import ListingKind
from cms.models import DemandPage, TechnologyPage
from marketplace.bidding.models import DECIDABLE_STATES, Bid
from marketplace.notifications.services import notification_send
from marketplace.organisations.selectors import active_members
from marketplace.projects.selectors import overdue_milestones

from .events import follow_ups_due
from .models import OverdueReminder
from .selectors import due_days, match_model


@dataclass(frozen=True)
class Overdue:
    key: str
    title: str
    body: str
    target_url: str
    recipients: list


def _curators() -> list:
    return list(
        get_user_model()
        .objects.filter(
            Q(groups__name=settings.JIEBANG_CURATORS_GROUP) | Q(is_superuser=True), is_active=True
        )
        .distinct()
    )


def overdue_reviews(now: dt.datetime) -> Iterator[Overdue]:
    """Listings waiting for a curator's review longer than allowed."""
    cutoff = now - dt.timedelta(days=due_days()["listing_review"])
    states = WorkflowState.objects.filter(
        status=WorkflowState.STATUS_IN_PROGRESS, created_at__lt=cutoff
    )
    curators = _curators()
    for state in states:
        page = state.content_object
        if page is None or not isinstance(page.specific, DemandPage | TechnologyPage):
            continue
        yield Overdue(
            f"review:{state.pk}",
            _("审核逾期：%(title)s") % {"title": page.title},
            _("该项目已提交审核超过 %(days)d 天，请尽快处理。")
            % {"days": due_days()["listing_review"]},
            f"/admin/pages/{page.pk}/edit/",
            curators,
        )


def overdue_bid_decisions(now: dt.datetime) -> Iterator[Overdue]:
    """Demands whose deadline passed long ago with bids still undecided."""
    cutoff = now - dt.timedelta(days=due_days()["bid_decision"])
    demand_ids = (
        Bid.objects.filter(
            kind=ListingKind.DEMAND, status__in=DECIDABLE_STATES, demand__bid_deadline__lt=cutoff
        )
        .values_list("demand_id", flat=True)
        .distinct()
    )
    for demand in DemandPage.objects.filter(pk__in=list(demand_ids)):
        yield Overdue(
            f"bids:{demand.pk}:{demand.bid_deadline:%Y%m%d}",
            _("揭榜方案待决定：%(title)s") % {"title": demand.title},
            _("揭榜已截止超过 %(days)d 天，仍有方案未决定，请入围、定榜或婉拒并说明理由。")
            % {"days": due_days()["bid_decision"]},
            f"/bids/received/demand/{demand.pk}/",
            active_members(demand.organisation_id),
        )


def overdue_match_answers(now: dt.datetime) -> Iterator[Overdue]:
    """Recommended matches one side has not answered in time."""
    model = match_model()
    if model is None:
        return
    cutoff = now - dt.timedelta(days=due_days()["match_answer"])
    matches = (
        model.objects.filter(state="recommended")
        .annotate(since=Coalesce("decided_at", "created_at"))
        .filter(since__lt=cutoff)
        .select_related("demand", "technology")
    )
    for match in matches:
        for side, answer, listing in (
            ("demand", match.demand_answer, match.demand),
            ("technology", match.technology_answer, match.technology),
        ):
            if answer != "pending":
                continue
            yield Overdue(
                f"match:{match.pk}:{side}",
                _("对接推荐待答复：%(title)s") % {"title": listing.title},
                _("平台推荐的对接已超过 %(days)d 天未答复，请告知是否有意向。")
                % {"days": due_days()["match_answer"]},
                f"/matches/{match.pk}/",
                active_members(listing.organisation_id),
            )


def overdue_project_milestones(now: dt.datetime) -> Iterator[Overdue]:
    """Milestones past their date without a report: both sides of the project hear of it."""
    for milestone in overdue_milestones(timezone.localdate(now)):
        project = milestone.project
        winners = project.consortium.values_list("pk", flat=True)
        yield Overdue(
            f"milestone:{milestone.pk}:{milestone.due_date:%Y%m%d}",
            _("里程碑逾期：%(title)s · %(deliverable)s")
            % {"title": project.title, "deliverable": milestone.deliverable},
            _("该里程碑应于 %(date)s 完成，尚未报告进展，请揭榜方尽快报告。")
            % {"date": milestone.due_date.isoformat()},
            f"/workspace/projects/{project.pk}/",
            active_members(project.owner_id, project.lead_id, *winners),
        )


def overdue_event_follow_ups(now: dt.datetime) -> Iterator[Overdue]:
    """供需对接会 follow-ups on or past their due date: their owner hears once per due date."""
    for meeting in follow_ups_due(timezone.localdate(now)):
        if meeting.follow_up_owner is None or not meeting.follow_up_owner.is_active:
            continue
        yield Overdue(
            f"followup:{meeting.pk}:{meeting.follow_up_due:%Y%m%d}",
            _("对接会后续待跟进：%(demand)s ↔ %(technology)s")
            % {"demand": meeting.demand.title, "technology": meeting.technology.title},
            _(
                "“%(event)s”上的对接约定的后续（%(follow_up)s）应于 %(date)s 前跟进，请跟进后在对接会页面标记完成。"
            )
            % {
                "event": meeting.event.title,
                "follow_up": meeting.get_follow_up_display(),
                "date": meeting.follow_up_due.isoformat(),
            },
            reverse("curation_events:detail", args=[meeting.event_id]) + f"#meeting-{meeting.pk}",
            [meeting.follow_up_owner],
        )


def overdue_items(now: dt.datetime | None = None) -> Iterable[Overdue]:
    now = now or timezone.now()
    yield from overdue_reviews(now)
    yield from overdue_bid_decisions(now)
    yield from overdue_match_answers(now)
    yield from overdue_project_milestones(now)
    yield from overdue_event_follow_ups(now)


def overdue_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind everyone behind on a pending action once per item; returns reminders sent."""
    sent = 0
    for item in overdue_items(now):
        try:
            with transaction.atomic():
                OverdueReminder.objects.create(key=item.key)
                notification_send(
                    recipients=item.recipients,
                    verb="overdue",
                    title=item.title,
                    body=item.body,
                    target_url=item.target_url,
                )
        except IntegrityError:
            continue  # already reminded about this item
        sent += 1
    return sent
