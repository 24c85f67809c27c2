"""需求诊断: curators send a listing in review back with structured feedback.

The send-back is Wagtail's own "request changes" (the approval task's ``reject`` action),
so cms/signal_handlers.py moves the lifecycle status exactly as it does for a plain
rejection; the Diagnosis row adds the structure (which fields are vague, which
indicators lack a number) that the member sees in the workspace until resubmitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import TaskState, WorkflowState

from cms.completeness import NUMBER, Completeness, label_of, listing_completeness
from cms.lifecycle import is_listing, kind_of, listing_models
from cms.models import DemandPage, TechnologyPage
from cms.services import listing_draft
from marketplace.audit.services import audit_record
from marketplace.notifications.services import notification_send
from marketplace.organisations.permissions import is_curator
from marketplace.organisations.selectors import active_members

from .models import Diagnosis
from .review_notices import own_notice

ListingPage = DemandPage | TechnologyPage
KINDS = ("vague", "indicator")

# Fields a curator may mark as vague, in the order of the member's form.
DEMAND_FIELDS = [
    "title",
    "keywords",
    "problem",
    "current_state",
    "benchmark",
    "expected_outcome",
    "application_scenario",
    "bid_deadline",
    "delivery_deadline",
    "budget_max",
    "cooperation_modes",
    "bidder_requirements",
    "industry_chain",
    "technology_field",
    "contact_phone",
]
# A technology's indicators are one text field: it is diagnosed as an indicator item.
TECHNOLOGY_FIELDS = [
    "title",
    "keywords",
    "summary",
    "description",
    "trl",
    "application_scenarios",
    "advantages",
    "ip_items",
    "attachments",
    "cooperation_modes",
    "asking_price",
    "industry_chain",
    "technology_field",
    "team_lead",
    "contact_phone",
]


class DiagnosisError(ValidationError):
    """The listing cannot be diagnosed now (not in review) or the feedback is incomplete."""


@dataclass(frozen=True)
class DiagnosisField:
    """One line of the diagnosis form, pre-filled from the completeness findings."""

    key: str
    kind: str
    field: str
    label: str
    flagged: bool
    message: str


# -- reads ----------------------------------------------------------------------------


def review_task_state(page) -> TaskState | None:
    """The review task a curator can act on now, or None when the listing is not in review."""
    state = page.current_workflow_state
    if state is None or state.status != WorkflowState.STATUS_IN_PROGRESS:
        return None
    task_state = state.current_task_state
    if task_state is None or task_state.status != TaskState.STATUS_IN_PROGRESS:
        return None
    return task_state


def can_diagnose(user, page) -> bool:
    """Curators who may act on the listing's current review task (page: specific or base)."""
    # specific_class lets admin listings pass their base pages with prefetched workflow states.
    if not is_curator(user) or not is_listing(page):
        return False
    task_state = review_task_state(page)
    if task_state is None:
        return False
    actions = task_state.task.specific.get_actions(page, user)
    return any(name == "reject" for name, *_rest in actions)


def diagnosis_fields(draft, completeness: Completeness | None = None) -> list[DiagnosisField]:
    """The form's lines for a draft: its fields, then its indicators, flagged where weak."""
    completeness = completeness or listing_completeness(draft)
    issues = {issue.field: issue.message for issue in completeness.issues}
    names = DEMAND_FIELDS if isinstance(draft, DemandPage) else TECHNOLOGY_FIELDS
    lines = [
        DiagnosisField(
            key=name,
            kind="vague",
            field=name,
            label=label_of(draft, name),
            flagged=name in issues,
            message=issues.get(name, ""),
        )
        for name in names
    ]
    return lines + indicator_fields(draft, issues.get("indicators", ""))


def indicator_fields(draft, issue: str) -> list[DiagnosisField]:
    """Demands: one line per indicator row (flagged without a number); technologies: the text."""
    if isinstance(draft, TechnologyPage):
        return [
            DiagnosisField(
                key="indicators",
                kind="indicator",
                field="indicators",
                label=label_of(draft, "indicators"),
                flagged=bool(issue),
                message=issue,
            )
        ]
    rows = list(draft.indicators.all())
    if not rows:
        return [
            DiagnosisField(
                key="indicators",
                kind="indicator",
                field="indicators",
                label=_("核心技术指标（未填写）"),
                flagged=True,
                message=issue,
            )
        ]
    return [
        DiagnosisField(
            key=f"indicator-{position}",
            kind="indicator",
            field="indicators",
            label=f"{row.name}：{row.target_value}{row.unit}",
            flagged=not NUMBER.search(row.target_value or ""),
            message="" if NUMBER.search(row.target_value or "") else _("目标值没有量化数字。"),
        )
        for position, row in enumerate(rows)
    ]


@dataclass
class ReviewRow:
    """A listing waiting in review, with the completeness of the submitted draft."""

    page: ListingPage
    draft: ListingPage
    kind: str
    completeness: Completeness
    submitted_at: Any


def review_queue() -> list[ReviewRow]:
    """Demands and technologies whose review task is in progress, longest waiting first."""
    rows = []
    for model in listing_models():
        pages = (
            model.objects.filter(_specific_workflow_states__status=WorkflowState.STATUS_IN_PROGRESS)
            .select_related("organisation", "latest_revision")
            .distinct()
        )
        for page in pages:
            draft = (
                page.with_content_json(page.latest_revision.content)
                if page.latest_revision
                else page
            )
            rows.append(
                ReviewRow(
                    page=page,
                    draft=draft,
                    kind=kind_of(page),
                    completeness=listing_completeness(draft),
                    submitted_at=page.latest_revision_created_at,
                )
            )
    return sorted(rows, key=lambda row: (row.submitted_at is None, row.submitted_at))


def diagnosis_current(page) -> Diagnosis | None:
    """The feedback a member should act on now: the one behind the pending change request."""
    state = page.current_workflow_state
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return None
    return (
        Diagnosis.objects.filter(page_id=page.pk, task_state_id=state.current_task_state_id)
        .order_by("-created_at", "-pk")
        .first()
    )


# -- writes ---------------------------------------------------------------------------


def clean_items(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Keep only well-formed items, as plain strings (they are stored as JSON)."""
    cleaned = []
    for item in items:
        if item.get("kind") not in KINDS or not item.get("field"):
            raise DiagnosisError(_("诊断条目格式不正确。"), code="items")
        cleaned.append(
            {key: str(item.get(key) or "").strip() for key in ("kind", "field", "label", "comment")}
        )
    return cleaned


def feedback_text(page, items: list[dict[str, str]], comment: str) -> str:
    lines = [comment, ""]
    for item in items:
        prefix = _("表述不清") if item["kind"] == "vague" else _("指标缺少量化数值")
        lines.append(f"· {prefix}：{item['label']} {item['comment']}".rstrip())
    return "\n".join(lines).strip()


@transaction.atomic
def diagnosis_send(
    *, curator, page: ListingPage, items: list[dict[str, Any]], comment: str
) -> Diagnosis:
    """Send a listing in review back to its owner with structured feedback."""
    if not is_curator(curator) or not isinstance(page, listing_models()):
        raise PermissionDenied
    # A row lock: two curators acting at once must not both reject the same task.
    page = type(page).objects.select_for_update().select_related("organisation").get(pk=page.pk)
    task_state = review_task_state(page)
    if task_state is None:
        raise DiagnosisError(_("该项目当前不在审核中，不能诊断退回。"), code="not_in_review")
    if not can_diagnose(curator, page):
        raise PermissionDenied
    comment = (comment or "").strip()
    if not comment:
        raise DiagnosisError({"comment": _("请填写总体意见。")}, code="comment")
    items = clean_items(items)
    diagnosis = Diagnosis(
        page=page,
        curator=curator,
        task_state=task_state,
        items=items,
        comment=comment,
        score=listing_completeness(listing_draft(page)).score,
    )
    diagnosis.full_clean()
    # Exactly what Wagtail's "request changes" button does (WorkflowAction → on_action).
    with own_notice():  # the notice below replaces the plain "returned" one
        task_state.task.specific.on_action(task_state, curator, "reject", comment=comment)
    diagnosis.save()
    notification_send(
        recipients=active_members(page.organisation_id),
        verb="listing_diagnosed",
        title=_("“%(title)s”需修改：平台诊断意见") % {"title": page.title},
        body=feedback_text(page, items, comment),
        target_url=reverse("workspace:dashboard"),
    )
    audit_record(
        actor=curator,
        action="listing.diagnose",
        obj=page,
        note=comment,
        details={
            "items": items,
            "score": diagnosis.score,
            "task_state": task_state.pk,
            "diagnosis": diagnosis.pk,
        },
    )
    return diagnosis
