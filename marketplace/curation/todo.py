"""The curator's to-do on the Wagtail admin home: everything waiting for a curator, overdue first.

Each item says what waits, since when (its age), when it is due (the service levels in
``settings.JIEBANG_DUE_DAYS``, calendar days, read through ``selectors.due_days``) and
where to act. Reads only: a few queries per category, never one per item.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.organisations.models import Organisation
from marketplace.organisations.selectors import age_text, pending_verifications
from marketplace.projects.models import Objection, ObjectionState
from search.models import IndexFailure

from . import selectors
from .selectors import DashboardFilter

#: Items listed on the home page; the counts above the list cover everything.
TODO_LIMIT = 30


@dataclass(frozen=True)
class TodoItem:
    category: str
    title: str
    detail: str
    since: dt.datetime
    due: dt.datetime | None
    url: str

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.due is not None and now > self.due

    def age(self, now: dt.datetime) -> str:
        """The age as "3 天前": whole days (hours, then minutes, on the first day)."""
        return age_text(self.since, now)

    def overdue_days(self, now: dt.datetime) -> int:
        return (now - self.due).days if self.is_overdue(now) else 0


@dataclass(frozen=True)
class TodoCategory:
    key: str
    label: str
    count: int
    overdue: int
    url: str


@dataclass(frozen=True)
class CuratorTodo:
    now: dt.datetime
    items: list[TodoItem]
    categories: list[TodoCategory]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.categories)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.categories)

    @property
    def shown(self) -> list[dict]:
        """The first items, overdue ones first, with age and due state worked out for the page."""
        return [
            {
                "item": item,
                "age": item.age(self.now),
                "overdue": item.is_overdue(self.now),
                "overdue_days": item.overdue_days(self.now),
            }
            for item in self.items[:TODO_LIMIT]
        ]


CATEGORY_LABELS = {
    "review": gettext_lazy("项目审核"),
    "verification": gettext_lazy("单位认证"),
    "match": gettext_lazy("推荐对接待审核"),
    "objection": gettext_lazy("公示异议"),
    "overdue": gettext_lazy("逾期事项"),
    "index": gettext_lazy("索引同步失败"),
}


def _days(key: str) -> dt.timedelta:
    return dt.timedelta(days=selectors.due_days()[key])


def review_items(now: dt.datetime) -> list[TodoItem]:
    """Listings in the review workflow (the overdue table's rows, due per listing_review)."""
    return [
        TodoItem(str(CATEGORY_LABELS["review"]), p.label, p.kind, p.since, p.due, p.url)
        for p in selectors.pending_reviews(DashboardFilter(), now=now)
    ]


def verification_items(now: dt.datetime) -> list[TodoItem]:
    """Organisations waiting for verification, since registration or their last correction."""
    days = _days("organisation_verification")
    rows = pending_verifications().values_list("pk", "name", "kind", "since")[
        : selectors.PENDING_LIMIT
    ]
    kinds = dict(Organisation.Kind.choices)
    return [
        TodoItem(
            str(CATEGORY_LABELS["verification"]),
            name,
            str(kinds.get(kind, "")),
            since,
            since + days,
            reverse("organisation_review:verify", args=[pk]),
        )
        for pk, name, kind, since in rows
    ]


def match_items(now: dt.datetime) -> list[TodoItem]:
    """Engine or curator proposals waiting for a curator's decision, oldest first."""
    model = selectors.match_model()
    if model is None:
        return []
    days = _days("match_proposal")
    rows = (
        model.objects.filter(state="proposed")
        .order_by("created_at", "pk")
        .values_list("pk", "demand__title", "technology__title", "score", "created_at")[
            : selectors.PENDING_LIMIT
        ]
    )
    return [
        TodoItem(
            str(CATEGORY_LABELS["match"]),
            f"{demand} ↔ {technology}",
            _("匹配度 %(score)d%%") % {"score": round(score)} if score is not None else "",
            created,
            created + days,
            reverse("matches_admin:detail", args=[pk]),
        )
        for pk, demand, technology, score, created in rows
    ]


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def objection_items(now: dt.datetime) -> list[TodoItem]:
    """Open objections to an award: due by the end of the project's notice period."""
    rows = (
        Objection.objects.filter(state=ObjectionState.OPEN)
        .order_by("created_at", "pk")
        .values_list("project_id", "project__title", "project__notice_ends_on", "created_at")[
            : selectors.PENDING_LIMIT
        ]
    )
    return [
        TodoItem(
            str(CATEGORY_LABELS["objection"]),
            title,
            _("公示期内的异议"),
            created,
            _end_of(notice_end),
            reverse("projects:detail", kwargs={"pk": project_id}),
        )
        for project_id, title, notice_end, created in rows
    ]


def overdue_items(now: dt.datetime) -> list[TodoItem]:
    """Members' actions past their due date that curators chase: milestones, bids, answers."""
    items = []
    for loader in (
        selectors.pending_milestones,
        selectors.pending_bid_decisions,
        selectors.pending_match_answers,
    ):
        for p in loader(DashboardFilter(), now=now):
            if now > p.due:
                detail = f"{p.kind}：{p.detail}" if p.detail else str(p.kind)
                items.append(
                    TodoItem(
                        str(CATEGORY_LABELS["overdue"]), p.label, detail, p.since, p.due, p.url
                    )
                )
    return items


def index_items(now: dt.datetime) -> list[TodoItem]:
    """Search index updates that gave up: no due date, to be fixed as soon as possible."""
    rows = (
        IndexFailure.objects.filter(resolved_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", "kind", "page_ids", "created_at")[: selectors.PENDING_LIMIT]
    )
    kinds = dict(IndexFailure.Kind.choices)
    return [
        TodoItem(
            str(CATEGORY_LABELS["index"]),
            _("%(kind)s索引更新失败（%(n)d 个页面）")
            % {"kind": kinds.get(kind, kind), "n": len(page_ids or [])},
            "",
            created,
            None,
            reverse("index_failures:inspect", args=[pk]),
        )
        for pk, kind, page_ids, created in rows
    ]


def _overdue_page(anchor: str = "") -> str:
    return reverse("curation:dashboard_page", args=["overdue"]) + anchor


CATEGORIES = (
    ("review", review_items, lambda: _overdue_page("#overdue_reviews")),
    ("verification", verification_items, lambda: reverse("organisation_review:index")),
    ("match", match_items, lambda: reverse("matches_admin:queue")),
    ("objection", objection_items, lambda: ""),
    ("overdue", overdue_items, _overdue_page),
    ("index", index_items, lambda: reverse("index_failures:index")),
)


def _sort_key(now: dt.datetime):
    far = dt.datetime.max.replace(tzinfo=dt.UTC)

    def key(item: TodoItem):
        # Overdue first (the longest overdue on top), then what has no due date (index
        # failures: as soon as possible), then by due date; the oldest first within each.
        return (not item.is_overdue(now), item.due is not None, item.due or far, item.since)

    return key


def curator_todo(*, now: dt.datetime | None = None) -> CuratorTodo:
    """Everything waiting for curators, overdue first, with a count per category."""
    now = now or timezone.now()
    items: list[TodoItem] = []
    categories = []
    for key, loader, queue in CATEGORIES:
        found = loader(now)
        items.extend(found)
        categories.append(
            TodoCategory(
                key,
                str(CATEGORY_LABELS[key]),
                len(found),
                sum(1 for i in found if i.is_overdue(now)),
                queue(),
            )
        )
    items.sort(key=_sort_key(now))
    return CuratorTodo(now, items, categories)
