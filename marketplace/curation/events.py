"""供需对接会: curators plan matchmaking events from the supply–demand gap, invite the owning
organisations, and record which demand–technology pairs met and what followed."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.lifecycle import ListingKind, accepting_q
from cms.models import DemandPage, IndustryChain, TechnologyPage
from cms.selectors import demand_list, technology_list
from marketplace.audit.services import audit_record
from marketplace.notifications.services import notification_send
from marketplace.organisations.models import Organisation
from marketplace.organisations.permissions import active_organisation_ids, is_curator, is_member_of
from marketplace.organisations.selectors import active_members

from .models import EventInvitation, EventMeeting, MatchmakingEvent
from .selectors import PENDING_LIMIT, PendingItem, coverage_model, match_threshold

State = MatchmakingEvent.State
SUGGESTION_LIMIT = 20
# Planned → held → closed (a planned event may also be called off straight to closed).
TRANSITIONS = {State.PLANNED: {State.HELD, State.CLOSED}, State.HELD: {State.CLOSED}}


class EventError(ValidationError):
    """The event's state or content does not allow the requested change."""


# -- reads ----------------------------------------------------------------------------


def open_demands() -> QuerySet[DemandPage]:
    """Public demands still accepting bids: the ones worth bringing to an event."""
    return demand_list().filter(accepting_q(ListingKind.DEMAND))


@dataclass
class GapSuggestions:
    """What the supply–demand gap suggests for an event.

    ``cover`` maps each suggested listing's id to its best match percentage in the
    engine's last run (None: nothing shared a key term; absent: not yet scanned).
    """

    industry_chain: IndustryChain | None
    demands: list[DemandPage] = field(default_factory=list)
    technologies: list[TechnologyPage] = field(default_factory=list)
    cover: dict[int, float | None] = field(default_factory=dict)
    threshold: float | None = None


def _uncovered(threshold: float | None) -> Q:
    """Listings the engine scanned and found no counterpart for at the threshold."""
    if threshold is None:
        return Q(pk__in=[])
    return Q(match_coverage__isnull=False) & (
        Q(match_coverage__best_score__isnull=True) | Q(match_coverage__best_score__lt=threshold)
    )


def _cover_of(pages) -> dict[int, float | None]:
    model = coverage_model()
    if model is None:
        return {}
    rows = model.objects.filter(page_id__in=[p.pk for p in pages])
    return dict(rows.values_list("page_id", "best_score"))


def widest_gap_chain() -> IndustryChain | None:
    """The industry chain with the most open demands the engine found no technology for.

    Before the engine's first run (nothing scanned), the chain with the most open demands
    per public technology.
    """
    threshold = match_threshold()
    uncovered = Counter(
        open_demands()
        .filter(_uncovered(threshold))
        .exclude(industry_chain=None)
        .values_list("industry_chain_id", flat=True)
    )
    if not uncovered:
        demand_counts = Counter(open_demands().values_list("industry_chain_id", flat=True))
        supply = Counter(technology_list().values_list("industry_chain_id", flat=True))
        demand_counts.pop(None, None)
        uncovered = Counter({pk: n / (1 + supply[pk]) for pk, n in demand_counts.items()})
    if not uncovered:
        return None
    chain_id = max(uncovered, key=lambda pk: (uncovered[pk], -pk))
    return IndustryChain.objects.get(pk=chain_id)


def gap_suggestions(*, industry_chain: IndustryChain | None = None) -> GapSuggestions:
    """Open demands of a chain the engine found least covered, and technologies nobody asks for.

    Demands come uncovered first (no public technology matching above the threshold in
    the engine's last run, weakest best match first), then those not yet scanned, then
    the covered ones; technologies are those without any open demand matching above
    the threshold.
    """
    threshold = match_threshold()
    chain = industry_chain or widest_gap_chain()
    technologies = unmatched_technologies(chain, threshold)
    if chain is None:
        return GapSuggestions(
            industry_chain=None,
            technologies=technologies,
            cover=_cover_of(technologies),
            threshold=threshold,
        )
    demands = list(open_demands().filter(industry_chain=chain))
    cover = _cover_of(demands)

    def rank(demand: DemandPage) -> tuple:
        if demand.pk not in cover:
            group = 1  # not scanned yet
        elif cover[demand.pk] is None or threshold is None or cover[demand.pk] < threshold:
            group = 0
        else:
            group = 2
        return (group, cover.get(demand.pk) or 0, demand.bid_deadline or timezone.now())

    demands.sort(key=rank)
    demands = demands[:SUGGESTION_LIMIT]
    return GapSuggestions(
        industry_chain=chain,
        demands=demands,
        technologies=technologies,
        cover={**cover, **_cover_of(technologies)},
        threshold=threshold,
    )


def unmatched_technologies(
    chain: IndustryChain | None, threshold: float | None = None
) -> list[TechnologyPage]:
    """Public technologies the engine matched to no open demand, in or near a chain."""
    technologies = technology_list().filter(_uncovered(threshold))
    if chain is not None:
        # Research organisations often leave the chain blank: keep those, drop other chains.
        technologies = technologies.filter(Q(industry_chain=chain) | Q(industry_chain__isnull=True))
    return list(technologies.order_by("match_coverage__best_score", "pk")[:SUGGESTION_LIMIT])


def curator_users() -> QuerySet:
    """Active curators (the Curators group or superusers): who may own a follow-up."""
    return (
        get_user_model()
        .objects.filter(
            Q(groups__name=settings.JIEBANG_CURATORS_GROUP) | Q(is_superuser=True), is_active=True
        )
        .distinct()
        .order_by("display_name", "email")
    )


def follow_ups_open() -> QuerySet[EventMeeting]:
    """Follow-ups of event meetings not done yet (anything but 无后续), earliest due first."""
    return (
        EventMeeting.objects.exclude(follow_up=EventMeeting.FollowUp.NONE)
        .filter(follow_up_done_at__isnull=True, follow_up_due__isnull=False)
        .select_related("event", "demand", "technology", "follow_up_owner")
        .order_by("follow_up_due", "pk")
    )


def follow_ups_due(today: datetime.date) -> QuerySet[EventMeeting]:
    """Open follow-ups due on or before ``today``: the ones to remind their owner of."""
    return follow_ups_open().filter(follow_up_due__lte=today)


def pending_follow_ups(filters=None, *, now: datetime.datetime | None = None) -> list:
    """Open follow-ups of event meetings as rows of the curators' overdue tables.

    Due at the end of their due date (Beijing time); the table marks those past it.
    ``filters`` is the dashboard's (its district narrows to the demand's district).
    """
    rows = follow_ups_open()
    if filters is not None and getattr(filters, "district", None):
        rows = rows.filter(demand__district=filters.district)
    return [_pending_item(meeting) for meeting in rows[:PENDING_LIMIT]]


def _pending_item(meeting: EventMeeting) -> PendingItem:
    due = timezone.make_aware(
        datetime.datetime.combine(
            meeting.follow_up_due + datetime.timedelta(days=1), datetime.time.min
        )
    )
    owner = meeting.follow_up_owner
    return PendingItem(
        _("对接会后续跟进"),
        f"{meeting.demand.title} ↔ {meeting.technology.title}",
        _("%(follow_up)s，负责人：%(owner)s")
        % {
            "follow_up": meeting.get_follow_up_display(),
            "owner": (owner.display_name or owner.email) if owner else "—",
        },
        meeting.event.title,
        meeting.recorded_at,
        due,
        reverse("curation_events:detail", args=[meeting.event_id]) + f"#meeting-{meeting.pk}",
    )


def event_list() -> QuerySet[MatchmakingEvent]:
    return MatchmakingEvent.objects.select_related("organiser", "industry_chain")


def event_get(pk: int) -> MatchmakingEvent:
    return (
        event_list()
        .prefetch_related(
            "demands__organisation",
            "technologies__organisation",
            "invitations__organisation",
            "meetings__demand__organisation",
            "meetings__technology__organisation",
            "meetings__follow_up_owner",
        )
        .get(pk=pk)
    )


def event_organisations(event: MatchmakingEvent) -> list[Organisation]:
    """The organisations owning the event's demands and technologies."""
    ids = {d.organisation_id for d in event.demands.all()}
    ids |= {t.organisation_id for t in event.technologies.all()}
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def invitation_list_for(user) -> QuerySet[EventInvitation]:
    """Invitations addressed to the user's active organisations, upcoming events first."""
    return (
        EventInvitation.objects.filter(organisation_id__in=active_organisation_ids(user))
        .select_related("event", "organisation")
        .order_by("-event__date", "pk")
    )


# -- writes ---------------------------------------------------------------------------


def check_curator(user) -> None:
    if not is_curator(user):
        raise PermissionDenied


def check_open(event: MatchmakingEvent) -> None:
    if event.state == State.CLOSED:
        raise EventError(_("对接会已结束，不能再修改。"), code="closed")


def check_listings(demands: Iterable[DemandPage], technologies: Iterable[TechnologyPage]) -> None:
    if any(not d.is_public for d in demands) or any(not t.is_public for t in technologies):
        raise EventError(_("只能选择已公开的技术需求和科技成果。"), code="not_public")


@transaction.atomic
def event_create(
    *,
    curator,
    title: str,
    date: datetime.date,
    place: str,
    description: str = "",
    industry_chain: IndustryChain | None = None,
    demands: Iterable[DemandPage] = (),
    technologies: Iterable[TechnologyPage] = (),
) -> MatchmakingEvent:
    """Plan an event with its demands and technologies."""
    check_curator(curator)
    demands, technologies = list(demands), list(technologies)
    check_listings(demands, technologies)
    event = MatchmakingEvent(
        title=title,
        date=date,
        place=place,
        description=description,
        industry_chain=industry_chain,
        organiser=curator,
    )
    return _save_with_picks(event, curator, "event.create", demands, technologies)


@transaction.atomic
def event_update(
    *,
    curator,
    event: MatchmakingEvent,
    data: dict[str, Any],
    demands: Iterable[DemandPage],
    technologies: Iterable[TechnologyPage],
) -> MatchmakingEvent:
    """Change an event's details and its picks; listings already on it may stay if unpublished."""
    check_curator(curator)
    event = MatchmakingEvent.objects.select_for_update().get(pk=event.pk)
    check_open(event)
    demands, technologies = list(demands), list(technologies)
    kept_d = set(event.demands.values_list("pk", flat=True))
    kept_t = set(event.technologies.values_list("pk", flat=True))
    check_listings(
        [d for d in demands if d.pk not in kept_d], [t for t in technologies if t.pk not in kept_t]
    )
    for name, value in data.items():
        setattr(event, name, value)
    return _save_with_picks(event, curator, "event.update", demands, technologies)


def _save_with_picks(event, curator, action: str, demands, technologies) -> MatchmakingEvent:
    """Validate and save the event, set its listings and record the curator's action."""
    event.full_clean()
    event.save()
    event.demands.set(demands)
    event.technologies.set(technologies)
    audit_record(
        actor=curator, action=action, obj=event, details=listing_details(demands, technologies)
    )
    return event


def listing_details(demands, technologies) -> dict[str, list[int]]:
    return {"demands": [d.pk for d in demands], "technologies": [t.pk for t in technologies]}


@transaction.atomic
def event_invite(
    *, curator, event: MatchmakingEvent, organisations: Iterable[Organisation] | None = None
) -> list[EventInvitation]:
    """Invite organisations (by default the owners of the event's listings) and notify them."""
    check_curator(curator)
    event = MatchmakingEvent.objects.select_for_update().get(pk=event.pk)
    if event.state != State.PLANNED:
        raise EventError(_("只有筹备中的对接会可以发出邀请。"), code="state")
    targets = list(organisations) if organisations is not None else event_organisations(event)
    invited = set(event.invitations.values_list("organisation_id", flat=True))
    created = [
        EventInvitation.objects.create(event=event, organisation=org)
        for org in targets
        if org.pk not in invited
    ]
    for invitation in created:
        notify_invitation(event, invitation.organisation)
    audit_record(
        actor=curator,
        action="event.invite",
        obj=event,
        details={"organisations": [i.organisation_id for i in created]},
    )
    return created


def notify_invitation(event: MatchmakingEvent, organisation: Organisation) -> None:
    notification_send(
        recipients=active_members(organisation.pk),
        verb="event_invited",
        title=_("邀请参加供需对接会：%(title)s") % {"title": event.title},
        body=_("%(date)s 在 %(place)s 举行。请在工作台答复是否参加。")
        % {"date": event.date.isoformat(), "place": event.place},
        target_url=member_events_url(),
    )


def member_events_url() -> str:
    # The member pages are mounted by marketplace/urls.py; the path is fixed by the design.
    try:
        return reverse("events:list")
    except NoReverseMatch:
        return "/workspace/events/"


@transaction.atomic
def invitation_respond(*, user, invitation: EventInvitation, accept: bool) -> EventInvitation:
    """A member of the invited organisation accepts or declines on its behalf."""
    invitation = (
        EventInvitation.objects.select_for_update().select_related("event").get(pk=invitation.pk)
    )
    if not is_member_of(user, invitation.organisation_id):
        raise PermissionDenied
    if invitation.event.state != State.PLANNED:
        raise EventError(_("对接会已举办或结束，不能再答复。"), code="state")
    invitation.status = (
        EventInvitation.Status.ACCEPTED if accept else EventInvitation.Status.DECLINED
    )
    invitation.responded_at = timezone.now()
    invitation.responded_by = user
    invitation.save(update_fields=["status", "responded_at", "responded_by"])
    if invitation.event.organiser_id:
        notification_send(
            recipients=[invitation.event.organiser],
            verb="event_answered",
            title=_("%(org)s %(answer)s：%(title)s")
            % {
                "org": invitation.organisation.name,
                "answer": invitation.get_status_display(),
                "title": invitation.event.title,
            },
            target_url=reverse("curation_events:detail", args=[invitation.event_id]),
        )
    return invitation


@transaction.atomic
def event_set_state(*, curator, event: MatchmakingEvent, state: str) -> MatchmakingEvent:
    """Move an event along planned → held → closed."""
    check_curator(curator)
    event = MatchmakingEvent.objects.select_for_update().get(pk=event.pk)
    if state not in TRANSITIONS.get(event.state, set()):
        raise EventError(
            _("对接会不能从“%(from)s”变为该状态。") % {"from": event.get_state_display()},
            code="state",
        )
    previous, event.state = event.state, state
    event.save(update_fields=["state"])
    audit_record(
        actor=curator, action="event.state", obj=event, details={"from": previous, "to": state}
    )
    return event


@transaction.atomic
def meeting_record(
    *,
    curator,
    event: MatchmakingEvent,
    demand: DemandPage,
    technology: TechnologyPage,
    outcome: str = "",
    follow_up: str = EventMeeting.FollowUp.NONE,
    follow_up_owner=None,
    follow_up_due: datetime.date | None = None,
) -> EventMeeting:
    """Record (or update) that a demand and a technology met at the event, and what followed.

    A follow-up (anything but 无后续) needs an owner, who must be a curator, and a due date.
    """
    check_curator(curator)
    if follow_up == EventMeeting.FollowUp.NONE:
        follow_up_owner, follow_up_due = None, None
    elif follow_up_owner is not None and not is_curator(follow_up_owner):
        raise EventError(
            {"follow_up_owner": _("后续负责人必须是平台审核人员。")}, code="owner_not_curator"
        )
    event = MatchmakingEvent.objects.select_for_update().get(pk=event.pk)
    check_open(event)
    if event.state == State.PLANNED and event.date > timezone.localdate():
        raise EventError(_("对接会尚未举办，不能记录对接情况。"), code="not_held")
    if (
        not event.demands.filter(pk=demand.pk).exists()
        or not event.technologies.filter(pk=technology.pk).exists()
    ):
        raise EventError(_("只能记录本场对接会上的需求与成果。"), code="not_in_event")
    meeting = EventMeeting.objects.filter(event=event, demand=demand, technology=technology).first()
    meeting = meeting or EventMeeting(event=event, demand=demand, technology=technology)
    if (meeting.follow_up, meeting.follow_up_due) != (follow_up, follow_up_due):
        meeting.follow_up_done_at = None  # a new follow-up or a new due date reopens it
    meeting.outcome, meeting.follow_up, meeting.recorded_by = outcome, follow_up, curator
    meeting.follow_up_owner, meeting.follow_up_due = follow_up_owner, follow_up_due
    meeting.full_clean()
    meeting.save()
    if event.state == State.PLANNED:
        event.state = State.HELD
        event.save(update_fields=["state"])
    audit_record(
        actor=curator,
        action="event.meeting",
        obj=event,
        note=outcome,
        details={
            "demand": demand.pk,
            "technology": technology.pk,
            "follow_up": follow_up,
            "follow_up_owner": getattr(follow_up_owner, "pk", None),
            "follow_up_due": follow_up_due.isoformat() if follow_up_due else None,
            "meeting": meeting.pk,
        },
    )
    return meeting


@transaction.atomic
def meeting_follow_up_done(*, curator, meeting: EventMeeting) -> EventMeeting:
    """Mark a meeting's follow-up done: no more reminders, off the overdue table.

    Allowed after the event is closed too: follow-ups are what happens after it.
    """
    check_curator(curator)
    meeting = EventMeeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.has_open_follow_up:
        raise EventError(_("该对接记录没有待办的后续事项。"), code="no_follow_up")
    meeting.follow_up_done_at = timezone.now()
    meeting.save(update_fields=["follow_up_done_at"])
    audit_record(
        actor=curator,
        action="event.follow_up_done",
        obj=meeting.event,
        details={"meeting": meeting.pk, "follow_up": meeting.follow_up},
    )
    return meeting
