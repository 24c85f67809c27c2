"""Reads of matches: the curators' queue and lists, members' lists, and public summaries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from cms import lifecycle
from cms.lifecycle import ListingKind
from cms.models import DemandPage, TechnologyPage
from marketplace.organisations.permissions import active_organisation_ids
from search import matching

from .models import Match, MatchMessage, MatchSource, MatchState, Side
from .permissions import can_view_match, sides_of

SUMMARY_CHARS = 200

_RELATED = (
    "demand__organisation",
    "demand__industry_chain",
    "demand__technology_field",
    "technology__organisation",
    "technology__industry_chain",
    "technology__technology_field",
)


def match_min_score() -> float:
    """Return the one match threshold (0–100): ``search.matching.min_score``."""
    return matching.min_score()


def _base() -> QuerySet[Match]:
    return Match.objects.select_related(*_RELATED)


def available_pairs() -> Q:
    """Return the condition that both listings may still be brokered: both still take bids."""
    return lifecycle.accepting_q(ListingKind.DEMAND, prefix="demand__") & lifecycle.accepting_q(
        ListingKind.TECHNOLOGY, prefix="technology__"
    )


def match_queue(
    *,
    min_score: float | None = None,
    max_score: float | None = None,
    chain: str = "",
    district: str = "",
    age: str = "",
) -> QuerySet[Match]:
    """Proposed matches still available, highest score first (hand-made ones, unscored, first).

    ``min_score`` defaults to the one threshold; a lower one is the curator's explicit
    "show lower". ``chain`` (an industry chain slug) and ``district`` match either
    side; ``age`` is one of ``AGE_FILTERS``. Hand-made proposals have no score: they
    are shown unless a score bound is given.
    """
    queryset = _base().filter(state=MatchState.PROPOSED).filter(available_pairs())
    explicit = min_score is not None or max_score is not None
    scored = Q(score__gte=match_min_score() if min_score is None else min_score)
    if max_score is not None:
        scored &= Q(score__lte=max_score)
    queryset = queryset.filter(scored if explicit else scored | Q(source=MatchSource.CURATOR))
    if chain:
        queryset = queryset.filter(
            Q(demand__industry_chain__slug=chain) | Q(technology__industry_chain__slug=chain)
        )
    if district:
        queryset = queryset.filter(Q(demand__district=district) | Q(technology__district=district))
    if age in AGE_FILTERS:
        newer, days = AGE_FILTERS[age]
        since = timezone.now() - datetime.timedelta(days=days)
        queryset = (
            queryset.filter(created_at__gte=since)
            if newer
            else queryset.filter(created_at__lt=since)
        )
    # One number orders the queue: the score shown.
    return queryset.order_by(F("score").desc(nulls_first=True), "-created_at", "-pk")


# Age filters of the queue: code → (newer than?, days).
AGE_FILTERS: dict[str, tuple[bool, int]] = {
    "1": (True, 1),
    "7": (True, 7),
    "30": (True, 30),
    "older7": (False, 7),
    "older30": (False, 30),
}


def match_reasons(match: Match) -> list[str]:
    """Return why a stored match was proposed, one sentence each (shared terms, criteria)."""
    reasons = []
    if match.shared_terms:
        reasons.append(_("共同关键词：%(terms)s") % {"terms": "、".join(match.shared_terms)})
    reasons.extend(str(c.get("label", "")) for c in match.criteria or [] if c.get("label"))
    return reasons


def match_recommended_list() -> QuerySet[Match]:
    """Recommended matches with both answers, newest decision first (curators)."""
    return (
        _base()
        .filter(state=MatchState.RECOMMENDED)
        .select_related("decided_by", "deal")
        .order_by("-decided_at", "-pk")
    )


def match_get(*, pk: int) -> Match:
    """Return any match (curators); 404 if missing."""
    try:
        return _base().select_related("decided_by", "proposed_by", "deal").get(pk=pk)
    except Match.DoesNotExist:
        raise Http404 from None


def match_list_for_user(*, user) -> QuerySet[Match]:
    """Matches recommended to the user's organisations (either side), highest score first."""
    ids = active_organisation_ids(user)
    if not ids:
        return Match.objects.none()
    return (
        _base()
        .filter(state=MatchState.RECOMMENDED)
        .filter(Q(demand__organisation_id__in=ids) | Q(technology__organisation_id__in=ids))
        # One number orders the list: the score shown (hand-made, unscored ones first).
        .order_by(F("score").desc(nulls_first=True), "-decided_at", "-pk")
    )


def match_get_for_user(*, user, pk: int) -> Match:
    """Return a match recommended to the user's organisation; 404 for anything else."""
    match = _base().filter(pk=pk).first()
    if match is None or not can_view_match(user, match):
        raise Http404
    return match


def match_messages(*, match: Match) -> QuerySet[MatchMessage]:
    return match.messages.select_related("author").order_by("created_at", "pk")


# -- what a side sees -------------------------------------------------------------


def listing_public_summary(page: DemandPage | TechnologyPage) -> dict[str, Any]:
    """Return a listing's public fields only: never confidential details, contacts or private files."""
    is_demand = isinstance(page, DemandPage)
    text = strip_tags(page.problem) if is_demand else page.summary
    summary = {
        "kind": Side.DEMAND.value if is_demand else Side.TECHNOLOGY.value,
        "id": page.pk,
        "title": page.title,
        "organisation": page.organisation.name,
        "keywords": page.keyword_list,
        "industry_chain": page.industry_chain.name if page.industry_chain_id else "",
        "technology_field": page.technology_field.name if page.technology_field_id else "",
        "district": str(page.get_district_display()) if page.district else "",
        "status": str(page.get_status_display()),
        "summary": Truncator(" ".join((text or "").split())).chars(SUMMARY_CHARS),
        "url": page.url if page.is_public else "",
    }
    if is_demand:
        summary["bid_deadline"] = page.bid_deadline
        summary["budget_max"] = page.budget_max
    else:
        summary["stage"] = str(page.get_stage_display())
        summary["asking_price"] = page.asking_price
    return summary


@dataclass(slots=True)
class SideView:
    """A match as one side's members see it: the other party's public fields and their own note."""

    match: Match
    side: str
    own: dict[str, Any]
    counterpart: dict[str, Any]
    note: str
    answer: str
    answer_label: str
    answered_at: Any
    # The other side's answer stays hidden until both are interested (the conversation shows it).
    counterpart_interested: bool

    @property
    def can_change_answer(self) -> bool:
        return not self.match.is_conversation_open


def side_view(match: Match, side: str) -> SideView:
    other = Side.TECHNOLOGY.value if side == Side.DEMAND else Side.DEMAND.value
    return SideView(
        match=match,
        side=side,
        own=listing_public_summary(getattr(match, side)),
        counterpart=listing_public_summary(getattr(match, other)),
        note=match.note_to(side),
        answer=match.answer_of(side),
        answer_label=str(getattr(match, f"get_{side}_answer_display")()),
        answered_at=getattr(match, f"{side}_answered_at"),
        counterpart_interested=match.is_conversation_open,
    )


def side_views_for_user(*, user, matches) -> list[SideView]:
    """Return one view per match and side of it the user belongs to."""
    return [side_view(m, side) for m in matches for side in sides_of(user, m)]
