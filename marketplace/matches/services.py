"""Writes of the match lifecycle: propose (engine or curator) → recommend / dismiss → answers → deal.

Every curator action and every side's answer goes to the audit log. Rows that two people can
change at once (two curators on one match, both sides answering) are locked
with ``select_for_update`` before their state is checked.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import lifecycle
from cms.models import DemandPage, TechnologyPage
from marketplace.audit.services import audit_record
from marketplace.bidding.ledger import deal_record_for_match
from marketplace.notifications.services import notification_send
from marketplace.organisations.selectors import active_members
from search import analysis, matching
from search.documents import document_from_page
from search.selectors import available_targets, facet_labels, listing_matches

from .models import (
    ListingCoverage,
    Match,
    MatchAnswer,
    MatchMessage,
    MatchSource,
    MatchState,
    Side,
)
from .permissions import can_post_message, is_curator, sides_of
from .selectors import match_min_score, match_reasons

logger = logging.getLogger(__name__)

DEFAULT_LIMIT_PER_LISTING = 5
MAX_MESSAGE_CHARS = 4000
# Snapshot fields the engine refreshes on a proposed match.
SNAPSHOT_FIELDS = ("score", "explanation", "shared_terms", "criteria")


class MatchError(ValidationError):
    """A match action refused because of the match's state or its listings."""


# -- helpers ----------------------------------------------------------------------


def _now() -> datetime.datetime:
    return timezone.now()


def _require_curator(user) -> None:
    if not is_curator(user):
        raise PermissionDenied


def _lock(match: Match | int) -> Match:
    pk = match.pk if isinstance(match, Match) else match
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("demand__organisation", "technology__organisation")
        .get(pk=pk)
    )


def _url(match: Match) -> str:
    return reverse("matches:detail", kwargs={"pk": match.pk})


def _admin_url(match: Match) -> str:
    return reverse("matches_admin:detail", kwargs={"pk": match.pk})


def _other(side: str) -> str:
    return Side.TECHNOLOGY.value if side == Side.DEMAND else Side.DEMAND.value


def _is_available(demand: DemandPage, technology: TechnologyPage) -> bool:
    # Brokering follows the bidding rule: both sides still take bids.
    now = _now()
    return lifecycle.accepts_bids(demand, now) and lifecycle.accepts_bids(technology, now)


def _require_available(match: Match) -> None:
    if not _is_available(match.demand, match.technology):
        raise MatchError(_("需求已截止或成果已下线，不能再推荐。"), code="unavailable")


def _require_state(match: Match, state: str) -> None:
    if match.state != state:
        raise MatchError(
            _("该对接推荐当前状态为“%(state)s”，不能执行此操作。")
            % {"state": match.get_state_display()},
            code="state",
        )


def _audit(actor, action: str, match: Match, note: str = "", **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=match,
        note=note,
        details={"demand": match.demand_id, "technology": match.technology_id, **details},
    )


def _notify_side(match: Match, side: str, verb: str, title: str, body: str = "") -> None:
    notification_send(
        recipients=active_members(match.organisation_id_of(side)),
        verb=verb,
        title=title,
        body=body,
        target_url=_url(match),
    )


def _notify_curator(match: Match, verb: str, title: str, body: str = "") -> None:
    if match.decided_by_id:
        notification_send(
            recipients=[match.decided_by],
            verb=verb,
            title=title,
            body=body,
            target_url=_admin_url(match),
        )


# -- the engine's proposals ---------------------------------------------------------


@dataclass(slots=True)
class Candidate:
    """One pair found by the engine, with the best score of either direction."""

    demand_id: int
    technology_id: int
    score: float
    explanation: str
    shared_terms: list[str]
    criteria: list[dict[str, str]]

    def snapshot(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "explanation": self.explanation,
            "shared_terms": self.shared_terms,
            "criteria": self.criteria,
        }


@dataclass(slots=True)
class ProposeResult:
    """Counts of one engine run."""

    listings: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_decided: int = 0
    skipped_dismissed: int = 0
    below_threshold: int = 0
    failed_listings: int = 0


# An engine run stores its passing pairs every this many listings.
FLUSH_EVERY = 500


@dataclass(slots=True)
class _Run:
    """What one engine run keeps while it scans.

    Pairs that pass (score ≥ threshold and a shared term) are stored every
    ``FLUSH_EVERY`` listings and then forgotten but for their score (a pair
    met again from the other side is stored again only with a better score);
    below-threshold pairs are remembered as id pairs (to count them once), and
    coverage as one best counterpart per listing. Memory grows with a few
    numbers per pair, not with the explanations.
    """

    threshold: float
    limit: int
    result: ProposeResult
    passing: dict[tuple[int, int], Candidate] = field(default_factory=dict)
    stored: dict[tuple[int, int], float] = field(default_factory=dict)
    failing: set[tuple[int, int]] = field(default_factory=set)
    best: dict[int, tuple[float, int]] = field(default_factory=dict)
    scanned: list[tuple[int, str]] = field(default_factory=list)

    def note_coverage(self, own: int, other: int, score: float) -> None:
        if own not in self.best or self.best[own][0] < score:
            self.best[own] = (score, other)

    def collect(self, listing, kind: str) -> None:
        """Add the listing's matches; a listing the engine could not be asked for is not scanned."""
        # Every candidate, not only those above the threshold: coverage and counts need them.
        matches = listing_matches(listing, limit=self.limit, min_score=0)
        if matches.unavailable:
            self.result.failed_listings += 1
            return
        self.scanned.append((listing.pk, kind))
        for item in matches.listings:
            demand, technology = (
                (listing, item.page) if matches.source_kind == "demand" else (item.page, listing)
            )
            key = (demand.pk, technology.pk)
            score = float(item.percent)
            if item.shared_terms:
                self.note_coverage(demand.pk, technology.pk, score)
                self.note_coverage(technology.pk, demand.pk, score)
            # The engine scores its best candidate high even when little is shared: ask for a shared term.
            if score < self.threshold or not item.shared_terms:
                self.failing.add(key)
            elif key not in self.passing or self.passing[key].score < score:
                self.passing[key] = Candidate(
                    demand.pk,
                    technology.pk,
                    score,
                    item.explanation,
                    list(item.shared_terms),
                    item.criteria,
                )

    def flush(self) -> None:
        """Store the passing pairs collected since the last flush."""
        for key, candidate in self.passing.items():
            before = self.stored.get(key)
            if before is not None and before >= candidate.score:
                continue
            # A pair already stored by this run is improved without being counted twice.
            _upsert(candidate, self.result if before is None else ProposeResult())
            self.stored[key] = candidate.score
        self.passing.clear()

    def record_coverage(self) -> None:
        """Store, for every scanned listing, its best counterpart sharing a key term."""
        now = timezone.now()
        rows = [
            ListingCoverage(
                page_id=pk,
                kind=kind,
                best_score=self.best[pk][0] if pk in self.best else None,
                best_counterpart_id=self.best[pk][1] if pk in self.best else None,
                scanned_at=now,
            )
            for pk, kind in self.scanned
        ]
        ListingCoverage.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["page"],
            update_fields=["kind", "best_score", "best_counterpart", "scanned_at"],
        )


def _upsert(candidate: Candidate, result: ProposeResult) -> None:
    match, created = Match.objects.get_or_create(
        demand_id=candidate.demand_id,
        technology_id=candidate.technology_id,
        defaults={"source": MatchSource.ENGINE, **candidate.snapshot()},
    )
    if created:
        result.created += 1
        return
    with transaction.atomic():
        match = _lock(match)
        # Dismissed is final for the engine; recommended keeps the reasons the sides were shown.
        if match.state == MatchState.DISMISSED:
            result.skipped_dismissed += 1
            return
        if match.state != MatchState.PROPOSED:
            result.skipped_decided += 1
            return
        snapshot = candidate.snapshot()
        if all(getattr(match, k) == v for k, v in snapshot.items()):
            result.unchanged += 1
            return
        for key, value in snapshot.items():
            setattr(match, key, value)
        match.save(update_fields=[*SNAPSHOT_FIELDS, "updated_at"])
        result.updated += 1


def matches_propose(
    *,
    min_score: float | None = None,
    limit_per_listing: int = DEFAULT_LIMIT_PER_LISTING,
    progress: Callable[[int, int], None] | None = None,
) -> ProposeResult:
    """Run the engine for open demands and public technologies; store pairs above the threshold.

    Listings are read from the database in chunks and passing pairs are stored
    as the run goes (see ``_Run``), so memory holds a few numbers per pair.
    """
    threshold = match_min_score() if min_score is None else float(min_score)
    run = _Run(threshold=threshold, limit=limit_per_listing, result=ProposeResult())
    targets = [
        (Side.DEMAND, available_targets("demand")),
        (Side.TECHNOLOGY, available_targets("technology")),
    ]
    total = sum(queryset.count() for _kind, queryset in targets)
    number = 0
    for kind, queryset in targets:
        for listing in queryset.order_by("pk").iterator(chunk_size=500):
            number += 1
            run.collect(listing, kind)
            if number % FLUSH_EVERY == 0:
                run.flush()
            if progress:
                progress(number, total)
    run.flush()
    run.result.listings = number
    run.record_coverage()
    run.result.below_threshold = len(run.failing - run.stored.keys())
    result = run.result
    audit_record(
        actor=None,
        action="match.engine_run",
        obj=None,
        details={"min_score": threshold, "limit_per_listing": limit_per_listing, **asdict(result)},
    )
    return result


# -- curator decisions ----------------------------------------------------------------


def _recommend(match: Match, curator, note_demand: str, note_technology: str) -> None:
    _require_state(match, MatchState.PROPOSED)
    _require_available(match)
    match.state, match.decided_by, match.decided_at = MatchState.RECOMMENDED, curator, _now()
    match.note_to_demand = (note_demand or "").strip()
    match.note_to_technology = (note_technology or "").strip()
    match.full_clean()
    match.save()
    _audit(
        curator,
        "match.recommend",
        match,
        note=match.note_to_demand,
        note_to_demand=match.note_to_demand,
        note_to_technology=match.note_to_technology,
        score=match.score,
    )
    # The notice and e-mail say why, in words (the same reasons as the queue and the match page).
    reasons = "\n".join(f"· {r}" for r in match_reasons(match))
    for side in (Side.DEMAND, Side.TECHNOLOGY):
        counterpart = getattr(match, _other(side))
        body = match.note_to(side) or _("请在工作台查看并答复是否有意向对接。")
        if reasons:
            body = f"{body}\n\n{_('推荐理由：')}\n{reasons}"
        _notify_side(
            match,
            side,
            "match_recommended",
            _("平台为您推荐了对接项目：%(title)s") % {"title": counterpart.title},
            body,
        )


def match_recommend(
    *, match: Match, curator, note_demand: str = "", note_technology: str = ""
) -> Match:
    """Recommend a proposed match to both organisations, with a note to each; notifies their members."""
    _require_curator(curator)
    with transaction.atomic():
        match = _lock(match)
        _recommend(match, curator, note_demand, note_technology)
    return match


def _dismiss(match: Match, curator, note: str) -> None:
    _require_state(match, MatchState.PROPOSED)
    match.state, match.decided_by, match.decided_at = MatchState.DISMISSED, curator, _now()
    match.dismiss_note = (note or "").strip()
    match.save(update_fields=["state", "decided_by", "decided_at", "dismiss_note", "updated_at"])
    _audit(curator, "match.dismiss", match, note=match.dismiss_note, score=match.score)


def match_dismiss(*, match: Match, curator, note: str = "") -> Match:
    """Dismiss a proposed match; the engine never proposes the pair again."""
    _require_curator(curator)
    with transaction.atomic():
        match = _lock(match)
        _dismiss(match, curator, note)
    return match


@dataclass(slots=True)
class BulkResult:
    """Matches a bulk action applied to, and those it skipped with the reason."""

    done: list[Match] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _bulk(matches: Iterable[Match | int], curator, apply: Callable[[Match], None]) -> BulkResult:
    _require_curator(curator)
    ids = sorted({m.pk if isinstance(m, Match) else int(m) for m in matches})
    result = BulkResult()
    with transaction.atomic():
        # One lock order for every bulk action, so two curators' batches cannot deadlock.
        locked = {
            m.pk: m
            for m in Match.objects.select_for_update(of=("self",))
            .select_related("demand__organisation", "technology__organisation")
            .filter(pk__in=ids)
            .order_by("pk")
        }
        for pk in ids:
            match = locked.get(pk)
            if match is None:
                result.skipped.append((pk, _("不存在")))
                continue
            try:
                with transaction.atomic():
                    apply(match)
            except MatchError as exc:
                result.skipped.append((pk, " ".join(exc.messages)))
            else:
                result.done.append(match)
    return result


def matches_recommend_bulk(
    *, matches: Iterable[Match | int], curator, note_demand: str = "", note_technology: str = ""
) -> BulkResult:
    """Recommend several proposed matches with the same notes; others are skipped, not failed."""
    return _bulk(matches, curator, lambda m: _recommend(m, curator, note_demand, note_technology))


def matches_dismiss_bulk(*, matches: Iterable[Match | int], curator, note: str = "") -> BulkResult:
    """Dismiss several proposed matches; others are skipped, not failed."""
    return _bulk(matches, curator, lambda m: _dismiss(m, curator, note))


def _manual_snapshot(demand: DemandPage, technology: TechnologyPage) -> dict[str, Any]:
    source, target = document_from_page(demand), document_from_page(technology)
    criteria = matching.criteria_met(source, target)
    weights = dict(Counter(analysis.words(source.full_text())).most_common())
    names = facet_labels("technology")
    found = matching.Match(
        target,
        0.0,
        0.0,
        matching.compatibility(criteria),
        criteria=criteria,
        query_weights=weights,
        names=names,
    )
    return {
        "score": None,
        "explanation": str(found.explanation),
        "shared_terms": list(found.shared_terms),
        # Each criterion as a sentence with its values ("同属 高端装备 产业链").
        "criteria": [
            {"code": c.code, "label": matching.criterion_sentence(c, names)} for c in criteria
        ],
    }


def match_propose_manual(
    *, demand: DemandPage, technology: TechnologyPage, curator, note: str = ""
) -> Match:
    """A curator proposes a pair by hand (or reopens a dismissed one); it joins the queue."""
    _require_curator(curator)
    demand, technology = demand.specific, technology.specific
    if demand.organisation_id == technology.organisation_id:
        raise MatchError(_("需求与成果属于同一单位，不能推荐对接。"), code="same_organisation")
    if not _is_available(demand, technology):
        raise MatchError(_("只能推荐揭榜中的需求和已发布的成果。"), code="unavailable")
    snapshot = {
        "source": MatchSource.CURATOR,
        "proposed_by": curator,
        **_manual_snapshot(demand, technology),
    }
    with transaction.atomic():
        match, created = Match.objects.get_or_create(
            demand=demand, technology=technology, defaults=snapshot
        )
        if not created:
            match = _reopen(_lock(match), snapshot)
        _audit(curator, "match.propose" if created else "match.reopen", match, note=note)
    return match


def _reopen(match: Match, snapshot: dict[str, Any]) -> Match:
    if match.state != MatchState.DISMISSED:
        raise MatchError(
            _("该组合已在对接推荐中（状态：%(state)s）。") % {"state": match.get_state_display()},
            code="exists",
        )
    for key, value in snapshot.items():
        setattr(match, key, value)
    match.state, match.decided_by, match.decided_at, match.dismiss_note = (
        MatchState.PROPOSED,
        None,
        None,
        "",
    )
    match.save()
    return match


# -- the two sides -------------------------------------------------------------------


def _answer_side(user, match: Match, side: str | None) -> str:
    sides = sides_of(user, match)
    if match.state != MatchState.RECOMMENDED or not sides:
        raise PermissionDenied
    if side is None:
        if len(sides) > 1:
            raise MatchError(_("您同时属于双方单位，请指明以哪一方答复。"), code="side")
        return sides[0]
    if side not in sides:
        raise PermissionDenied
    return side


def match_answer(
    *, match: Match, user, interested: bool, note: str = "", side: str | None = None
) -> Match:
    """An active member answers for their organisation; mutual interest opens the conversation."""
    with transaction.atomic():
        match = _lock(match)
        side = _answer_side(user, match, side)
        if match.is_conversation_open:
            raise MatchError(_("双方均已表示有意向，答复不能再修改。"), code="final")
        answer = MatchAnswer.INTERESTED if interested else MatchAnswer.NOT_INTERESTED
        setattr(match, f"{side}_answer", answer)
        setattr(match, f"{side}_answered_at", _now())
        setattr(match, f"{side}_answered_by", user)
        setattr(match, f"{side}_answer_note", (note or "").strip())
        if match.is_mutual:
            match.conversation_opened_at = _now()
        match.full_clean()
        match.save()
        # The organisation's answer is a decision: logged like the curators' ones.
        note = getattr(match, f"{side}_answer_note")
        _audit(user, "match.answer", match, note=note, side=side, answer=str(answer))
        _after_answer(match, side)
    return match


def _after_answer(match: Match, side: str) -> None:
    org = getattr(match, side).organisation.name
    label = MatchAnswer(match.answer_of(side)).label
    _notify_curator(
        match,
        "match_answered",
        _("%(org)s 答复了对接推荐：%(answer)s") % {"org": org, "answer": label},
        str(match),
    )
    if match.is_conversation_open:
        for each in (Side.DEMAND, Side.TECHNOLOGY):
            _notify_side(
                match,
                each,
                "match_mutual",
                _("双方均有意向，对接沟通已开启：%(match)s") % {"match": match},
                _("现在可以在对接页面与对方直接沟通。"),
            )


def match_message_post(*, match: Match, user, body: str) -> MatchMessage:
    """A message in a mutually-interested match's conversation (either side or a curator)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("请输入内容。")]})
    if len(body) > MAX_MESSAGE_CHARS:
        raise ValidationError({"body": [_("内容不超过4000字。")]})
    match = Match.objects.select_related("demand__organisation", "technology__organisation").get(
        pk=match.pk
    )
    if not can_post_message(user, match):
        raise PermissionDenied
    sides = sides_of(user, match)
    author_side = sides[0] if sides else ""
    with transaction.atomic():
        message = MatchMessage.objects.create(
            match=match, author=user, author_side=author_side, body=body
        )
        for side in [_other(author_side)] if author_side else [Side.DEMAND, Side.TECHNOLOGY]:
            _notify_side(
                match,
                side,
                "match_message",
                _("对接沟通有新消息：%(match)s") % {"match": match},
                body[:200],
            )
        if not author_side:
            _audit(user, "match.message", match, note=body[:200], message=message.pk)
    return message


def match_record_deal(
    *, match: Match, curator, amount: int, signed_on: datetime.date, note: str = ""
) -> Match:
    """A curator records (or corrects) the deal a mutually-interested match led to.

    The deal goes to the ledger (``bidding.Deal``): the bid's row when the pair also went
    through a bid (counted once), else the match's own row (source "match").
    """
    _require_curator(curator)
    with transaction.atomic():
        match = _lock(match)
        _require_state(match, MatchState.RECOMMENDED)
        if not match.is_conversation_open:
            raise MatchError(_("双方均表示有意向后才能登记成交。"), code="not_mutual")
        deal, previous = deal_record_for_match(
            user=curator,
            demand=match.demand,
            technology=match.technology,
            amount=amount,
            signed_on=signed_on,
            note=note,
            current=match.deal,
        )
        match.deal = deal
        match.save(update_fields=["deal", "updated_at"])
        _audit(
            curator,
            "match.deal",
            match,
            note=(note or "").strip(),
            amount=amount,
            signed_on=signed_on,
            previous=previous,
            deal=deal.pk,
            source=deal.source,
        )
        for side in (Side.DEMAND, Side.TECHNOLOGY):
            _notify_side(
                match, side, "match_deal", _("对接成交已登记：%(match)s") % {"match": match}
            )
    return match
