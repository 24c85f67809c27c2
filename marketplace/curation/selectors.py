"""Reads for the curation dashboard: aggregate figures of both catalogues, bids, deals, matches.

Every figure is one aggregate query (``values().annotate(Count)``) or a small fixed number
of them, never a query per row, so the dashboard stays fast on 100,000 listings.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import WorkflowState

from cms import lifecycle
from cms.lifecycle import PUBLIC_STATES, DemandStatus, ListingKind, TechnologyStatus
from cms.models import DemandPage, TechnologyPage
from cms.taxonomy import IndustryChain, TechnologyField
from marketplace.bidding.models import (
    DECIDABLE_STATES,
    Bid,
    BidStatus,
    Deal,
    DealPayment,
    DealSource,
)
from marketplace.bidding.selectors import contract_register_rows, counted_deals
from marketplace.organisations.districts import District
from marketplace.organisations.selectors import due_days  # noqa: F401  (curation reads it here)
from marketplace.projects.models import Project, ProjectState
from marketplace.projects.selectors import overdue_milestones

BID_BUCKETS = (("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3–5", 3, 5), ("6+", 6, None))


@dataclass(frozen=True)
class DashboardFilter:
    """The dashboard's filters: a period on first publication (inclusive dates) and a district."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    district: str = ""

    @property
    def has_period(self) -> bool:
        return bool(self.date_from or self.date_to)

    def listing_q(self, prefix: str = "") -> Q:
        """The filter on a listing (or on the listing reached through ``prefix``)."""
        q = Q()
        if self.date_from:
            q &= Q(**{f"{prefix}first_published_at__gte": _day_start(self.date_from)})
        if self.date_to:
            q &= Q(**{f"{prefix}first_published_at__lt": _day_start(self.date_to, 1)})
        if self.district:
            q &= Q(**{f"{prefix}district": self.district})
        return q


def _day_start(day: dt.date, plus_days: int = 0) -> dt.datetime:
    moment = dt.datetime.combine(day + dt.timedelta(days=plus_days), dt.time.min)
    return timezone.make_aware(moment)


def _demands(filters: DashboardFilter) -> QuerySet[DemandPage]:
    return DemandPage.objects.filter(filters.listing_q())


def _technologies(filters: DashboardFilter) -> QuerySet[TechnologyPage]:
    return TechnologyPage.objects.filter(filters.listing_q())


# ---------------------------------------------------------------------------
# Listings


BREAKDOWN = ("status", "industry_chain_id", "district")


def listing_breakdown(filters: DashboardFilter) -> dict[str, list[tuple]]:
    """(status, chain, district, count) rows of each catalogue: one query per catalogue.

    The state, chain and district tables are all sums over these few hundred rows, so the
    overview page scans each listing table once instead of three times. ``live`` is not
    read: cms.lifecycle keeps it in step with the status (publishing sets a public
    state, unpublishing sets "withdrawn"), and leaving it out spares the join with
    wagtailcore_page whenever no period is filtered.
    """
    return {
        kind: list(
            queryset.order_by()
            .values(*BREAKDOWN)
            .annotate(n=Count("pk"))
            .values_list(*BREAKDOWN, "n")
        )
        for kind, queryset in (
            ("demand", _demands(filters)),
            ("technology", _technologies(filters)),
        )
    }


def listing_state_counts(
    filters: DashboardFilter, breakdown: dict[str, list[tuple]] | None = None
) -> dict[str, list[tuple[str, str, int]]]:
    """(state, label, count) per lifecycle state of each catalogue, every state listed."""
    breakdown = breakdown or listing_breakdown(filters)
    result = {}
    for kind, states in (("demand", DemandStatus), ("technology", TechnologyStatus)):
        counts: dict[str, int] = {}
        for status, _chain, _district, n in breakdown[kind]:
            counts[status] = counts.get(status, 0) + n
        result[kind] = [
            (value, str(label), counts.get(value, 0)) for value, label in states.choices
        ]
    return result


def listing_counts_by(
    filters: DashboardFilter, field: str, breakdown: dict[str, list[tuple]] | None = None
) -> tuple[dict, dict]:
    """Public demands and public technologies counted by chain or district."""
    breakdown = breakdown or listing_breakdown(filters)
    column = BREAKDOWN.index(field)
    result = []
    for kind in ("demand", "technology"):
        counts: dict = {}
        for row in breakdown[kind]:
            if row[0] in PUBLIC_STATES[kind]:
                counts[row[column]] = counts.get(row[column], 0) + row[-1]
        result.append(counts)
    return result[0], result[1]


def public_demands(filters: DashboardFilter) -> QuerySet[DemandPage]:
    """Public demands by status alone (status and ``live`` move together, see above)."""
    return _demands(filters).filter(status__in=PUBLIC_STATES[ListingKind.DEMAND])


def public_technologies(filters: DashboardFilter) -> QuerySet[TechnologyPage]:
    return _technologies(filters).filter(status__in=PUBLIC_STATES[ListingKind.TECHNOLOGY])


def taxonomy_labels(model) -> list[tuple[int | None, str]]:
    """Every entry of a taxonomy in its order, then "unclassified" (None)."""
    return list(model.objects.order_by("sort_order", "name").values_list("pk", "name")) + [
        (None, _("未分类"))
    ]


# ---------------------------------------------------------------------------
# Bids


@dataclass
class BidStats:
    demands: int
    demands_with_bids: int
    bids: int
    median_hours_to_first_bid: float | None
    buckets: list[tuple[str, int]]
    per_demand: list[dict[str, Any]]

    @property
    def bids_per_demand(self) -> float:
        return round(self.bids / self.demands, 2) if self.demands else 0.0


class HoursBetween(Func):
    """Hours from the first datetime to the second, computed natively by the database.

    Django's portable datetime subtraction runs a Python function per row on SQLite; this
    compiles to ``julianday`` arithmetic there and to ``EXTRACT(EPOCH ...)`` on PostgreSQL.
    """

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"((julianday({end}) - julianday({start})) * 24.0)", (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return (f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)", (*end_params, *start_params))


def submitted_bids() -> QuerySet[Bid]:
    return Bid.objects.filter(submitted_at__isnull=False)


def bid_stats(filters: DashboardFilter) -> BidStats:
    """Bids on published demands of the period: per demand, distribution, time to first bid."""
    demands = _demands(filters).filter(first_published_at__isnull=False)
    # The wait is computed by the database: one number per demand instead of two datetimes.
    wait = HoursBetween(F("demand__first_published_at"), Min("submitted_at"))
    rows = list(
        submitted_bids()
        .filter(
            filters.listing_q("demand__"),
            kind=ListingKind.DEMAND,
            demand__first_published_at__isnull=False,
        )
        .order_by()
        .values("demand_id")
        .annotate(n=Count("pk"), wait=wait)
        .values_list("demand_id", "n", "wait")
    )
    total = demands.count()
    waits = [w for _pk, _n, w in rows if w is not None and w >= 0]
    return BidStats(
        demands=total,
        demands_with_bids=len(rows),
        bids=sum(n for _pk, n, _first in rows),
        median_hours_to_first_bid=round(statistics.median(waits), 1) if waits else None,
        buckets=_buckets(total, [n for _pk, n, _first in rows]),
        per_demand=_per_demand(rows),
    )


def _buckets(total: int, counts: list[int]) -> list[tuple[str, int]]:
    result = []
    for label, low, high in BID_BUCKETS:
        if low == 0:
            result.append((label, total - len(counts)))
        else:
            result.append(
                (label, sum(1 for n in counts if n >= low and (high is None or n <= high)))
            )
    return result


def _per_demand(rows) -> list[dict[str, Any]]:
    """The 500 demands with most bids; titles fetched in one query."""
    rows = sorted(rows, key=lambda r: (-r[1], r[0]))[:500]
    pages = DemandPage.objects.filter(pk__in=[r[0] for r in rows]).values_list(
        "pk", "title", "organisation__name"
    )
    names = {pk: (title, org) for pk, title, org in pages}
    result = []
    for pk, n, wait in rows:
        title, org = names.get(pk, ("", ""))
        hours = round(wait, 1) if wait is not None else None
        result.append({"pk": pk, "title": title, "organisation": org, "bids": n, "hours": hours})
    return result


# ---------------------------------------------------------------------------
# Funnels


def _bid_scopes(filters: DashboardFilter, prefix: str = "") -> list[Q]:
    """The filter on bids (reached through ``prefix``), one Q per catalogue when filtering.

    One Q per catalogue keeps each query on inner joins; an OR across the demand and the
    technology joins makes the database walk both outer joins for every bid.
    """
    if not (filters.has_period or filters.district):
        return [Q()]
    return [
        Q(**{f"{prefix}kind": kind}) & filters.listing_q(f"{prefix}{kind}__")
        for kind in (ListingKind.DEMAND, ListingKind.TECHNOLOGY)
    ]


def _sum_aggregates(queryset: QuerySet, scopes: list[Q], **aggregates) -> dict[str, int]:
    totals = dict.fromkeys(aggregates, 0)
    for scope in scopes:
        for key, value in queryset.filter(scope).order_by().aggregate(**aggregates).items():
            totals[key] += value or 0
    return totals


def bid_funnel(filters: DashboardFilter) -> list[tuple[str, int]]:
    """Submitted → shortlisted → awarded → deal recorded → signed (counts; money: ledger)."""
    counts = _sum_aggregates(
        submitted_bids(),
        _bid_scopes(filters),
        submitted=Count("pk"),
        shortlisted=Count("pk", filter=Q(status__in=[BidStatus.SHORTLISTED, BidStatus.AWARDED])),
        awarded=Count("pk", filter=Q(status=BidStatus.AWARDED)),
    )
    deals = _sum_aggregates(
        counted_deals().filter(bid__submitted_at__isnull=False),
        _bid_scopes(filters, "bid__"),
        deal_n=Count("pk"),
        signed_n=Count("pk", filter=Q(status=Deal.Status.SIGNED)),
    )
    return [
        (_("已提交揭榜"), counts["submitted"]),
        (_("入围（含中榜）"), counts["shortlisted"]),
        (_("中榜"), counts["awarded"]),
        (_("成交（已定榜，不含取消）"), deals["deal_n"]),
        (_("已签约"), deals["signed_n"]),
    ]


def _brokering_model(name: str):
    """A model of the brokering app (``matches``) when it is installed, else None.

    A plain import, so the dependency shows: curation reads matches, never the other
    way round (matches records to marketplace.audit, below both).
    """
    if not apps.is_installed("marketplace.matches"):
        return None
    from marketplace.matches import models

    return getattr(models, name)


def match_model():
    """The brokering app's Match model when it is installed, else None."""
    return _brokering_model("Match")


def match_funnel(filters: DashboardFilter) -> list[tuple[str, int]] | None:
    """Proposed → recommended → interested (both sides) → deal; None without a Match model."""
    model = match_model()
    if model is None:
        return None
    matches = model.objects.all()
    if filters.has_period or filters.district:
        matches = matches.filter(filters.listing_q("demand__"))
    # The match's row of the deal ledger, by the ledger's one rule (not cancelled).
    counted = Q(deal__in=counted_deals())
    counts = matches.order_by().aggregate(
        proposed=Count("pk"),
        recommended=Count("pk", filter=Q(state="recommended")),
        interested=Count(
            "pk", filter=Q(demand_answer="interested", technology_answer="interested")
        ),
        deals=Count("pk", filter=counted),
    )
    return [
        (_("引擎/人工提出"), counts["proposed"]),
        (_("审核推荐"), counts["recommended"]),
        (_("双方有意向"), counts["interested"]),
        (_("成交"), counts["deals"]),
    ]


# ---------------------------------------------------------------------------
# Supply–demand gap


@dataclass
class GapRow:
    label: str
    open_demands: int
    uncovered_demands: int
    unscanned_demands: int
    public_technologies: int
    unmatched_technologies: int
    unscanned_technologies: int


@dataclass
class GapTables:
    """The gap by industry chain and by technology field, as of the engine's last run."""

    chain: list[GapRow]
    field: list[GapRow]
    threshold: float | None
    last_run: dt.datetime | None

    def __getitem__(self, axis: str) -> list[GapRow]:
        return getattr(self, axis)


def coverage_model():
    """The brokering app's ListingCoverage model when it is installed, else None."""
    return _brokering_model("ListingCoverage")


def match_threshold() -> float | None:
    """The match percentage a counterpart needs to count as matching; None without brokering."""
    if coverage_model() is None:
        return None
    from marketplace.matches.selectors import match_min_score

    return match_min_score()


def _taking_bids(kind: str) -> Q:
    # Status and deadline only: the public selectors above already stand for ``live``.
    return lifecycle.accepting_q(kind, live=False)


def gap_tables(filters: DashboardFilter) -> GapTables:
    """Open demands with no public technology matching above the threshold, and vice versa.

    "Matching" is the engine's: ``propose_matches`` stores each scanned listing's best
    counterpart sharing a key term (matches.ListingCoverage); a listing is uncovered when
    that best score is below JIEBANG_MATCH_MIN_SCORE (or nothing shared a term), and
    unscanned when the engine has not looked at it yet (published since the last run).
    Two grouped queries, one per side; the filters pick the listings counted.
    """
    threshold = match_threshold()
    pairs = ("industry_chain_id", "technology_field_id")
    model = coverage_model() if threshold is not None else None
    demands = _coverage_counts(
        public_demands(filters).filter(_taking_bids(ListingKind.DEMAND)), pairs, threshold, model
    )
    technologies = _coverage_counts(
        public_technologies(filters).filter(_taking_bids(ListingKind.TECHNOLOGY)),
        pairs,
        threshold,
        model,
    )
    last_run = model.objects.aggregate(at=Max("scanned_at"))["at"] if model else None
    return GapTables(
        chain=_gap_rows(taxonomy_labels(IndustryChain), 0, demands, technologies),
        field=_gap_rows(taxonomy_labels(TechnologyField), 1, demands, technologies),
        threshold=threshold,
        last_run=last_run,
    )


def _coverage_counts(
    queryset: QuerySet, pairs: tuple[str, str], threshold: float | None, model
) -> dict[tuple, tuple[int, int, int]]:
    """(chain, field) → (listings, uncovered, unscanned)."""
    if model is None:
        rows = queryset.order_by().values(*pairs).annotate(n=Count("pk")).values_list(*pairs, "n")
        return {(chain, field): (n, 0, n) for chain, field, n in rows}
    scanned = Q(match_coverage__isnull=False)
    below = Q(match_coverage__best_score__isnull=True) | Q(match_coverage__best_score__lt=threshold)
    rows = (
        queryset.order_by()
        .values(*pairs)
        .annotate(
            n=Count("pk"),
            uncovered=Count("pk", filter=scanned & below),
            unscanned=Count("pk", filter=~scanned),
        )
        .values_list(*pairs, "n", "uncovered", "unscanned")
    )
    return {
        (chain, field): (n, uncovered, unscanned) for chain, field, n, uncovered, unscanned in rows
    }


def _gap_rows(labels, axis, demands, technologies) -> list[GapRow]:
    rows = []
    for pk, label in labels:
        row = GapRow(label, 0, 0, 0, 0, 0, 0)
        for pair, (n, uncovered, unscanned) in demands.items():
            if pair[axis] == pk:
                row.open_demands += n
                row.uncovered_demands += uncovered
                row.unscanned_demands += unscanned
        for pair, (n, uncovered, unscanned) in technologies.items():
            if pair[axis] == pk:
                row.public_technologies += n
                row.unmatched_technologies += uncovered
                row.unscanned_technologies += unscanned
        if pk is not None or row.open_demands or row.public_technologies:
            rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# Overdue items


@dataclass
class PendingItem:
    kind: str
    label: str
    detail: str
    organisation: str
    since: dt.datetime
    due: dt.datetime
    url: str = ""

    @property
    def overdue_days(self) -> int:
        """Whole days past the due date (0 or negative when still on time)."""
        return (timezone.now() - self.due).days if timezone.now() > self.due else 0

    @property
    def is_overdue(self) -> bool:
        return timezone.now() > self.due


PENDING_LIMIT = 200


def pending_reviews(
    filters: DashboardFilter, *, now: dt.datetime | None = None
) -> list[PendingItem]:
    """Listings in the curators' review workflow, oldest first, with their due dates."""
    now = now or timezone.now()
    days = dt.timedelta(days=due_days()["listing_review"])
    types = ContentType.objects.get_for_models(DemandPage, TechnologyPage)
    states = list(
        WorkflowState.objects.filter(
            status=WorkflowState.STATUS_IN_PROGRESS, content_type__in=types.values()
        )
        .order_by("created_at")
        .values_list("object_id", "content_type_id", "created_at")
    )
    ids = [int(object_id) for object_id, _ct, _at in states]
    pages = {}
    for model in (DemandPage, TechnologyPage):
        rows = model.objects.filter(pk__in=ids)
        if filters.district:
            rows = rows.filter(district=filters.district)
        pages.update(
            {
                pk: (title, org, model)
                for pk, title, org in rows.values_list("pk", "title", "organisation__name")
            }
        )
    items = []
    for object_id, _ct, created in states:
        if int(object_id) not in pages:
            continue
        title, org, model = pages[int(object_id)]
        kind = _("技术需求审核") if model is DemandPage else _("科技成果审核")
        items.append(
            PendingItem(
                kind, title, "", org, created, created + days, f"/admin/pages/{object_id}/edit/"
            )
        )
    return items[:PENDING_LIMIT]


def pending_bid_decisions(
    filters: DashboardFilter, *, now: dt.datetime | None = None
) -> list[PendingItem]:
    """Demands past their deadline with submitted / shortlisted bids still undecided."""
    now = now or timezone.now()
    days = dt.timedelta(days=due_days()["bid_decision"])
    # Driven from the (indexed) bid status: far fewer rows than the demands.
    bids = Bid.objects.filter(
        kind=ListingKind.DEMAND, status__in=DECIDABLE_STATES, demand__bid_deadline__lt=now
    )
    if filters.district:
        bids = bids.filter(demand__district=filters.district)
    rows = list(
        bids.order_by()
        .values("demand_id", "demand__bid_deadline")
        .annotate(n=Count("pk"))
        .order_by("demand__bid_deadline", "demand_id")
        .values_list("demand_id", "demand__bid_deadline", "n")[:PENDING_LIMIT]
    )
    pages = DemandPage.objects.filter(pk__in=[r[0] for r in rows])
    names = {
        pk: (title, org)
        for pk, title, org in pages.values_list("pk", "title", "organisation__name")
    }
    return [
        PendingItem(
            _("揭榜方案待决定"),
            names.get(pk, ("", ""))[0],
            _("%(n)d 份方案未决定") % {"n": n},
            names.get(pk, ("", ""))[1],
            deadline,
            deadline + days,
            f"/admin/pages/{pk}/edit/",
        )
        for pk, deadline, n in rows
    ]


def pending_match_answers(
    filters: DashboardFilter, *, now: dt.datetime | None = None
) -> list[PendingItem]:
    """Recommended matches still waiting for one side's answer, oldest recommendation first."""
    model = match_model()
    if model is None:
        return []
    days = dt.timedelta(days=due_days()["match_answer"])
    matches = model.objects.filter(state="recommended").filter(
        Q(demand_answer="pending") | Q(technology_answer="pending")
    )
    if filters.district:
        matches = matches.filter(demand__district=filters.district)
    since = Coalesce("decided_at", "created_at")
    rows = (
        matches.annotate(since=since)
        .order_by("since")
        .values_list(
            "pk",
            "demand__title",
            "technology__title",
            "demand_answer",
            "technology_answer",
            "since",
        )[:PENDING_LIMIT]
    )
    items = []
    for pk, demand, technology, demand_answer, technology_answer, recommended in rows:
        waiting = [
            side
            for side, answer in ((_("需求方"), demand_answer), (_("成果方"), technology_answer))
            if answer == "pending"
        ]
        items.append(
            PendingItem(
                _("推荐对接待答复"),
                f"{demand} ↔ {technology}",
                "、".join(waiting) + _("未答复"),
                "",
                recommended,
                recommended + days,
                f"/admin/matches/{pk}/",
            )
        )
    return items


def pending_milestones(
    filters: DashboardFilter, *, now: dt.datetime | None = None
) -> list[PendingItem]:
    """Milestones of running projects past their date with no progress reported (or returned)."""
    today = timezone.localdate(now or timezone.now())
    rows = overdue_milestones(today)
    if filters.district:
        rows = rows.filter(
            Q(project__demand__district=filters.district)
            | Q(project__technology__district=filters.district)
        )
    items = []
    for milestone in rows[:PENDING_LIMIT]:
        project = milestone.project
        # Due at the end of its day, Beijing time.
        due = timezone.make_aware(
            dt.datetime.combine(milestone.due_date + dt.timedelta(days=1), dt.time.min)
        )
        items.append(
            PendingItem(
                _("里程碑逾期"),
                project.title,
                milestone.deliverable,
                project.lead.name,
                project.started_at or due,
                due,
                reverse("projects:detail", kwargs={"pk": project.pk}),
            )
        )
    return items


def overdue_summary(items: list[PendingItem]) -> tuple[int, int]:
    return len(items), sum(1 for item in items if item.is_overdue)


def _median_days(spans: list[dt.timedelta]) -> float | None:
    return round(statistics.median(s.total_seconds() for s in spans) / 86400, 1) if spans else None


def curator_response_times(filters: DashboardFilter) -> list[tuple[str, int, float | None]]:
    """Per curator: reviews decided and the median days from submission to decision."""
    from wagtail.models import TaskState

    states = TaskState.objects.filter(
        status__in=(TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED),
        finished_by__isnull=False,
        finished_at__isnull=False,
    )
    if filters.date_from:
        states = states.filter(started_at__date__gte=filters.date_from)
    if filters.date_to:
        states = states.filter(started_at__date__lte=filters.date_to)
    spans: dict[str, list[dt.timedelta]] = {}
    for who, started, finished in states.values_list(
        "finished_by__email", "started_at", "finished_at"
    ):
        spans.setdefault(who, []).append(finished - started)
    return sorted(((who, len(s), _median_days(s)) for who, s in spans.items()), key=lambda r: -r[1])


def _avg_days(value) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


def _response_by_organisation(queryset, organisation, start: str, end: str) -> dict:
    """``{organisation name: (count, mean timedelta)}``, aggregated in the database."""
    span = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    rows = (
        queryset.annotate(owner=organisation)
        .values("owner")
        .annotate(n=Count("pk"), mean=Avg(span))
        .values_list("owner", "n", "mean")
    )
    return {owner: (n, mean) for owner, n, mean in rows}


def organisation_response_times(
    filters: DashboardFilter,
) -> list[tuple[str, int, float | None, int, float | None]]:
    """Per listing owner: bids decided and matches answered, with mean days to respond."""
    bids = Bid.objects.filter(
        decided_at__isnull=False,
        submitted_at__isnull=False,
        status__in=(BidStatus.SHORTLISTED, BidStatus.AWARDED, BidStatus.DECLINED),
    )
    if filters.district:
        bids = bids.filter(
            Q(demand__district=filters.district) | Q(technology__district=filters.district)
        )
    owner = Coalesce("demand__organisation__name", "technology__organisation__name")
    decided = _response_by_organisation(bids, owner, "submitted_at", "decided_at")
    answered: dict[str, tuple[int, Any]] = {}
    model = match_model()
    for side in ("demand", "technology") if model is not None else ():
        rows = model.objects.filter(
            **{f"{side}_answered_at__isnull": False}, decided_at__isnull=False
        )
        if filters.district:
            rows = rows.filter(**{f"{side}__district": filters.district})
        found = _response_by_organisation(
            rows, F(f"{side}__organisation__name"), "decided_at", f"{side}_answered_at"
        )
        for name, (n, mean) in found.items():
            if name in answered:  # an organisation on both sides: weight the two means
                m, other = answered[name]
                mean = (mean * n + other * m) / (n + m)
                n += m
            answered[name] = (n, mean)
    return [
        (
            name,
            decided.get(name, (0, None))[0],
            _avg_days(decided.get(name, (0, None))[1]),
            answered.get(name, (0, None))[0],
            _avg_days(answered.get(name, (0, None))[1]),
        )
        for name in sorted(set(decided) | set(answered))
    ]


# ---------------------------------------------------------------------------
# Deal ledger and projects (issue 10.6)
#
# Every money figure is a sum over the ledger (``bidding.Deal``) by its one rule,
# ``counted_deals()`` (not cancelled); payments are summed from ``DealPayment`` rows of
# counted deals (a separate query, so no join multiplies the amounts). A deal belongs to
# its demand (bid on a demand, brokered match) or else its technology: that listing gives
# the district, the industry chain and the dashboard's period and district filters.

DEAL_DISTRICT = ("demand__district", "technology__district")
DEAL_CHAIN = ("demand__industry_chain_id", "technology__industry_chain_id")


def _key(fields: tuple[str, ...], prefix: str = ""):
    """The listing field a row is grouped by: the demand's, else the technology's."""
    names = [F(f"{prefix}{name}") for name in fields]
    return names[0] if len(names) == 1 else Coalesce(*names)


def _deal_scope(filters: DashboardFilter, prefix: str = "") -> Q:
    on_demand = Q(**{f"{prefix}demand__isnull": False}) & filters.listing_q(f"{prefix}demand__")
    on_technology = Q(**{f"{prefix}demand__isnull": True}) & filters.listing_q(
        f"{prefix}technology__"
    )
    return on_demand | on_technology


def ledger_deals(filters: DashboardFilter) -> QuerySet:
    return counted_deals().filter(_deal_scope(filters))


def ledger_payments(filters: DashboardFilter) -> QuerySet:
    return DealPayment.objects.filter(deal__in=counted_deals()).filter(
        _deal_scope(filters, "deal__")
    )


@dataclass
class LedgerRow:
    label: str
    deals: int
    amount: int
    paid: int


def _ledger_rows(filters: DashboardFilter, fields: tuple[str, ...], labels) -> list[LedgerRow]:
    """One row per label: counted deals, their amount and payments received (yuan)."""
    deals = {
        row["key"]: (row["n"], row["amount"] or 0)
        for row in ledger_deals(filters)
        .order_by()
        .annotate(key=_key(fields))
        .values("key")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    }
    paid = {
        row["key"]: row["paid"] or 0
        for row in ledger_payments(filters)
        .order_by()
        .annotate(key=_key(fields, "deal__"))
        .values("key")
        .annotate(paid=Sum("amount"))
    }
    return [
        LedgerRow(str(label), *deals.get(key, (0, 0)), paid.get(key, 0)) for key, label in labels
    ]


def ledger_by_source(filters: DashboardFilter) -> list[LedgerRow]:
    return _ledger_rows(filters, ("source",), list(DealSource.choices))


def ledger_by_district(filters: DashboardFilter) -> list[LedgerRow]:
    return _ledger_rows(filters, DEAL_DISTRICT, list(District.choices) + [("", _("未填写"))])


def ledger_by_chain(filters: DashboardFilter) -> list[LedgerRow]:
    return _ledger_rows(filters, DEAL_CHAIN, taxonomy_labels(IndustryChain))


def _projects(filters: DashboardFilter) -> QuerySet[Project]:
    on_demand = Q(kind=ListingKind.DEMAND) & filters.listing_q("demand__")
    on_technology = Q(kind=ListingKind.TECHNOLOGY) & filters.listing_q("technology__")
    return Project.objects.filter(on_demand | on_technology)


def project_state_counts(filters: DashboardFilter) -> list[tuple[str, int]]:
    counts = dict(_projects(filters).order_by().values_list("state").annotate(n=Count("pk")))
    return [(str(label), counts.get(value, 0)) for value, label in ProjectState.choices]


@dataclass
class CompletionRow:
    label: str
    projects: int  # not cancelled
    completed: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.completed / self.projects, 1) if self.projects else None


PROJECT_DISTRICT = DEAL_DISTRICT
PROJECT_CHAIN = DEAL_CHAIN


def _completion(filters: DashboardFilter, key, labels) -> list[CompletionRow]:
    """Completion rate: completed / projects not cancelled, per district or industry chain."""
    counts = {
        row["key"]: (row["n"], row["done"])
        for row in _projects(filters)
        .exclude(state=ProjectState.CANCELLED)
        .order_by()
        .annotate(key=_key(key))
        .values("key")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(state=ProjectState.COMPLETED)))
    }
    return [CompletionRow(str(label), *counts.get(k, (0, 0))) for k, label in labels]


def completion_by_district(filters: DashboardFilter) -> list[CompletionRow]:
    return _completion(filters, PROJECT_DISTRICT, list(District.choices) + [("", _("未填写"))])


def completion_by_chain(filters: DashboardFilter) -> list[CompletionRow]:
    return _completion(filters, PROJECT_CHAIN, taxonomy_labels(IndustryChain))


def ledger_contracts(filters: DashboardFilter) -> QuerySet:
    """技术合同登记 rows of counted and cancelled deals alike, by the deal's listing."""
    return contract_register_rows().filter(_deal_scope(filters, "deal__"))
