"""The listing lifecycle: kinds, statuses, the public and accepts-bids rules, every transition.

The one owner of ``status`` on DemandPage and TechnologyPage. Another module reads
the status through the rules here and changes it only by calling :func:`move`
(tests/test_architecture.py fails when any other module assigns it)::

    transition  demand                                        technology
    submit      draft, rejected → in_review                   the same
    return      in_review → rejected                          the same
    publish     draft, in_review, rejected → open             … → published
    republish   draft, in_review, rejected, withdrawn → open  … → published
    withdraw    draft, in_review, rejected, open → withdrawn  … published → withdrawn
    unpublish   any other status → withdrawn                  the same
    close       open → closed                                 —
    award       open, closed, awarded → awarded               published, taken_up → taken_up
    start       awarded → in_progress                         —
    complete    in_progress → completed                       —

A transition updates the row with a queryset update (the lifecycle is page-wide, never
part of a revision: ``ListingPage.with_content_json``), keeps the page object in step
and sends :data:`listing_status_changed`. cms sits below search, so it never imports
the index: ``search`` connects to that signal and re-indexes the listing when the
transaction commits (search/signal_handlers.py).

Adding a transition is one row in :data:`RULES` (and its name in :class:`Transition`);
the caller's service checks who may do it, then calls ``move(page, Transition.X)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from .models import DemandPage, TechnologyPage

    Listing = DemandPage | TechnologyPage


class ListingKind(models.TextChoices):
    DEMAND = "demand", gettext_lazy("技术需求")
    TECHNOLOGY = "technology", gettext_lazy("科技成果")


LISTING_KINDS: tuple[str, ...] = tuple(ListingKind.values)


class DemandStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    IN_REVIEW = "in_review", gettext_lazy("审核中")
    REJECTED = "rejected", gettext_lazy("已退回")
    OPEN = "open", gettext_lazy("揭榜中")
    CLOSED = "closed", gettext_lazy("已截止")
    AWARDED = "awarded", gettext_lazy("已定榜")
    IN_PROGRESS = "in_progress", gettext_lazy("攻关中")
    COMPLETED = "completed", gettext_lazy("已完成")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


class TechnologyStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    IN_REVIEW = "in_review", gettext_lazy("审核中")
    REJECTED = "rejected", gettext_lazy("已退回")
    PUBLISHED = "published", gettext_lazy("已发布")
    TAKEN_UP = "taken_up", gettext_lazy("已转化")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


STATUSES: dict[str, type[models.TextChoices]] = {
    ListingKind.DEMAND: DemandStatus,
    ListingKind.TECHNOLOGY: TechnologyStatus,
}

# -- the rules ------------------------------------------------------------------------


def _values(*members) -> frozenset[str]:
    # Plain strings: they reach the search engines' filters and JSON.
    return frozenset(str(m) for m in members)


# States whose live page is visible in the public catalogue.
PUBLIC_DEMAND_STATES = _values(
    DemandStatus.OPEN,
    DemandStatus.CLOSED,
    DemandStatus.AWARDED,
    DemandStatus.IN_PROGRESS,
    DemandStatus.COMPLETED,
)
PUBLIC_TECHNOLOGY_STATES = _values(TechnologyStatus.PUBLISHED, TechnologyStatus.TAKEN_UP)
PUBLIC_STATES: dict[str, frozenset[str]] = {
    ListingKind.DEMAND: PUBLIC_DEMAND_STATES,
    ListingKind.TECHNOLOGY: PUBLIC_TECHNOLOGY_STATES,
}
# States in which a live listing takes bids (a demand only until its deadline, too).
# A technology taken up by one enterprise stays available to others.
BIDDING_STATES: dict[str, frozenset[str]] = {
    ListingKind.DEMAND: _values(DemandStatus.OPEN),
    ListingKind.TECHNOLOGY: _values(TechnologyStatus.PUBLISHED, TechnologyStatus.TAKEN_UP),
}
# States in which the owner may edit and (re)submit a listing.
EDITABLE_STATES: dict[str, frozenset[str]] = {
    ListingKind.DEMAND: _values(DemandStatus.DRAFT, DemandStatus.REJECTED, DemandStatus.OPEN),
    ListingKind.TECHNOLOGY: _values(
        TechnologyStatus.DRAFT, TechnologyStatus.REJECTED, TechnologyStatus.PUBLISHED
    ),
}
# The status a listing is created in when it is published at once (a verified import).
PUBLISHED_STATE: dict[str, str] = {
    ListingKind.DEMAND: str(DemandStatus.OPEN),
    ListingKind.TECHNOLOGY: str(TechnologyStatus.PUBLISHED),
}


class Transition(StrEnum):
    """The named moves between statuses; who may make each is the calling service's rule."""

    SUBMIT = "submit"  # the owner sends a draft to the curators (cms.services.listing_submit)
    RETURN = "return"  # the curators send it back (Wagtail's "request changes")
    # Wagtail publishes it (approval, a curator). A withdrawn listing stays withdrawn,
    # live or not: taking it back was its owner's decision.
    PUBLISH = "publish"
    REPUBLISH = "republish"  # a catalogue re-import: the bureau's list makes it public again
    WITHDRAW = "withdraw"  # the owner takes it back (cms.services.listing_withdraw)
    UNPUBLISH = "unpublish"  # Wagtail unpublishes it
    CLOSE = "close"  # the owner stops bids early (bidding.services.demand_close)
    AWARD = "award"  # the owner awards a bid (bidding.services.bid_award)
    START = "start"  # the awarded work begins (projects.services.project_start)
    COMPLETE = "complete"  # the work is accepted (验收, projects.services.acceptance_sign)
    # An objection to the award is upheld during 公示 and no award is left standing
    # (bidding.services.bid_revoke_award): the owner may award another bid.
    REVOKE_AWARD = "revoke_award"


@dataclass(frozen=True)
class Rule:
    """A transition of one listing kind: the statuses it leaves from and the one it reaches."""

    sources: frozenset[str]
    target: str


def _rule(sources, target) -> Rule:
    return Rule(_values(*sources), str(target))


_BEFORE_PUBLICATION = {"draft", "in_review", "rejected"}

RULES: dict[str, dict[str, Rule]] = {
    ListingKind.DEMAND: {
        Transition.SUBMIT: _rule({"draft", "rejected"}, "in_review"),
        Transition.RETURN: _rule({"in_review"}, "rejected"),
        Transition.PUBLISH: _rule(_BEFORE_PUBLICATION, DemandStatus.OPEN),
        Transition.REPUBLISH: _rule(_BEFORE_PUBLICATION | {"withdrawn"}, DemandStatus.OPEN),
        Transition.WITHDRAW: _rule(
            EDITABLE_STATES[ListingKind.DEMAND] | {"in_review"}, "withdrawn"
        ),
        Transition.UNPUBLISH: _rule(set(DemandStatus.values) - {"withdrawn"}, "withdrawn"),
        Transition.CLOSE: _rule({DemandStatus.OPEN}, DemandStatus.CLOSED),
        # Up to winners_count awards: a second award leaves an awarded demand awarded.
        Transition.AWARD: _rule(
            {DemandStatus.OPEN, DemandStatus.CLOSED, DemandStatus.AWARDED}, DemandStatus.AWARDED
        ),
        Transition.START: _rule({DemandStatus.AWARDED}, DemandStatus.IN_PROGRESS),
        Transition.COMPLETE: _rule({DemandStatus.IN_PROGRESS}, DemandStatus.COMPLETED),
        Transition.REVOKE_AWARD: _rule({DemandStatus.AWARDED}, DemandStatus.CLOSED),
    },
    ListingKind.TECHNOLOGY: {
        Transition.SUBMIT: _rule({"draft", "rejected"}, "in_review"),
        Transition.RETURN: _rule({"in_review"}, "rejected"),
        Transition.PUBLISH: _rule(_BEFORE_PUBLICATION, TechnologyStatus.PUBLISHED),
        Transition.REPUBLISH: _rule(
            _BEFORE_PUBLICATION | {"withdrawn"}, TechnologyStatus.PUBLISHED
        ),
        Transition.WITHDRAW: _rule(
            EDITABLE_STATES[ListingKind.TECHNOLOGY] | {"in_review"}, "withdrawn"
        ),
        Transition.UNPUBLISH: _rule(set(TechnologyStatus.values) - {"withdrawn"}, "withdrawn"),
        Transition.AWARD: _rule(
            {TechnologyStatus.PUBLISHED, TechnologyStatus.TAKEN_UP}, TechnologyStatus.TAKEN_UP
        ),
        Transition.REVOKE_AWARD: _rule({TechnologyStatus.TAKEN_UP}, TechnologyStatus.PUBLISHED),
    },
}

#: Sent after a transition changed a listing's status (``sender`` is the page model).
#: Arguments: ``page``, ``kind``, ``transition``, ``previous`` and ``status``.
listing_status_changed = Signal()


class ListingStateError(ValidationError):
    """The listing's lifecycle or review state does not allow the requested change."""


# -- kinds and models -------------------------------------------------------------------


def listing_models() -> tuple[type[DemandPage], type[TechnologyPage]]:
    """The two listing page models, demand first."""
    # Imported when asked: cms.models imports this module for the statuses.
    from .models import DemandPage, TechnologyPage

    return DemandPage, TechnologyPage


def listing_model(kind: str) -> type[Listing]:
    """The page model of a listing kind; ValueError for anything else."""
    demand, technology = listing_models()
    return demand if ListingKind(kind) == ListingKind.DEMAND else technology


def index_model(kind: str):
    """The catalogue index page under which listings of ``kind`` live."""
    from .models import DemandIndexPage, TechnologyIndexPage

    return DemandIndexPage if ListingKind(kind) == ListingKind.DEMAND else TechnologyIndexPage


def kind_of(page_or_model) -> ListingKind | None:
    """The kind of a listing page or page model (specific or not); None for other pages."""
    if isinstance(page_or_model, type):
        cls = page_or_model
    else:
        cls = getattr(page_or_model, "specific_class", None) or type(page_or_model)
    demand, technology = listing_models()
    if issubclass(cls, demand):
        return ListingKind.DEMAND
    if issubclass(cls, technology):
        return ListingKind.TECHNOLOGY
    return None


def is_listing(page) -> bool:
    """Whether a page (specific or not) is a demand or a technology."""
    return kind_of(page) is not None


# -- the rules applied ------------------------------------------------------------------


def is_public(page) -> bool:
    """Live and in a public status: shown in the catalogue, the index and the API."""
    return bool(page.live and page.status in PUBLIC_STATES[kind_of(page)])


def accepts_bids(page, now: dt.datetime | None = None) -> bool:
    """Live, in a bidding status and, for a demand, before its deadline."""
    if page is None or not page.live:
        return False
    kind = kind_of(page)
    if page.status not in BIDDING_STATES[kind]:
        return False
    deadline = getattr(page, "bid_deadline", None) if kind == ListingKind.DEMAND else None
    return deadline is None or deadline > (now or timezone.now())


def is_editable(page) -> bool:
    """A status in which the owner may edit and (re)submit (review state aside)."""
    return page.status in EDITABLE_STATES[kind_of(page)]


def initial_status(kind: str, *, published: bool) -> str:
    """The status a new listing is created with: draft, or public when published at once."""
    return PUBLISHED_STATE[ListingKind(kind)] if published else str(DemandStatus.DRAFT)


def public_q(kind: str, *, prefix: str = "") -> Q:
    """The queryset condition of :func:`is_public` (``prefix`` reaches a related listing)."""
    return Q(**{f"{prefix}live": True, f"{prefix}status__in": sorted(PUBLIC_STATES[kind])})


def accepting_q(
    kind: str, *, prefix: str = "", now: dt.datetime | None = None, live: bool = True
) -> Q:
    """The queryset condition of :func:`accepts_bids`.

    ``live=False`` leaves the page table out of aggregate queries that rely on status
    and ``live`` moving together (publish → public status, unpublish → withdrawn).
    """
    q = Q(**{f"{prefix}status__in": sorted(BIDDING_STATES[kind])})
    if live:
        q &= Q(**{f"{prefix}live": True})
    if ListingKind(kind) == ListingKind.DEMAND:
        now = now or timezone.now()
        q &= Q(**{f"{prefix}bid_deadline__isnull": True}) | Q(**{f"{prefix}bid_deadline__gt": now})
    return q


# -- transitions --------------------------------------------------------------------------


def rule_of(page, transition: str) -> Rule | None:
    """The rule of ``transition`` for this page's kind, or None when the kind has none."""
    return RULES[kind_of(page)].get(Transition(transition))


def can_move(page, transition: str) -> bool:
    """Whether ``transition`` may leave the page's current status."""
    rule = rule_of(page, transition)
    return rule is not None and page.status in rule.sources


def move(page, transition: str, *, strict: bool = True) -> bool:
    """Apply ``transition`` to ``page``; return whether its status changed.

    Reaching the status the page already has is a no-op, never an error. Otherwise a
    status the transition does not leave from raises :class:`ListingStateError`
    (``strict``) or leaves the page alone. The update is conditional on the status
    in the database too, so a stale page object cannot skip a state; callers that
    race (two curators, an award and a close) lock the row first.
    """
    rule = rule_of(page, transition)
    if rule is not None and page.status == rule.target:
        return False
    if rule is None or page.status not in rule.sources:
        return _refuse(page, transition, strict)
    model = listing_model(kind_of(page))
    leaving = rule.sources - {rule.target}
    updated = model.objects.filter(pk=page.pk, status__in=leaving).update(status=rule.target)
    if not updated:
        # The row moved on under a stale page object: in step if it is where we meant to go.
        current = model.objects.filter(pk=page.pk).values_list("status", flat=True).first()
        if current == rule.target:
            page.status = current
            return False
        return _refuse(page, transition, strict)
    previous, page.status = page.status, rule.target
    listing_status_changed.send(
        sender=model,
        page=page,
        kind=kind_of(page),
        transition=Transition(transition),
        previous=previous,
        status=rule.target,
    )
    return True


def _refuse(page, transition: str, strict: bool) -> bool:
    if not strict:
        return False
    raise ListingStateError(
        _("当前状态（%(status)s）不允许此操作。") % {"status": page.get_status_display()},
        code="state",
    )
