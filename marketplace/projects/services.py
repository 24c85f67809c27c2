"""Writes of the project lifecycle: award → 公示 → start → milestones → 验收 → completed.

Every write checks its rule here (permissions, state, input), changes nothing when it
refuses, records the decision in the audit log and tells the other side. The listing
moves only through ``cms.lifecycle.move`` (start, complete). Rows a decision depends on
are locked (``select_for_update``) so two clicks cannot both pass a state check.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import lifecycle
from cms.lifecycle import ListingKind, Transition
from marketplace.audit.services import audit_record
from marketplace.bidding.services import bid_revoke_award
from marketplace.bidding.validators import validate_attachment
from marketplace.notifications.services import notification_send
from marketplace.organisations.permissions import is_curator
from marketplace.organisations.selectors import active_members

from . import permissions as perms
from .models import (
    Acceptance,
    AcceptanceIndicator,
    AcceptanceState,
    MilestoneReport,
    MilestoneState,
    Objection,
    ObjectionState,
    Project,
    ProjectMilestone,
    ProjectState,
    ReportIndicatorValue,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_TEXT = 4000
# Measured values: non-negative, at most 12 digits before the point and 4 after (the column).
MAX_VALUE = Decimal("999999999999.9999")


class ProjectError(ValidationError):
    """A project rule refused the request; nothing was changed."""


@dataclass
class IndicatorResult:
    """The owner's measurement of one demand indicator at acceptance."""

    measured_value: str
    test_method: str
    met: bool = False


# ---------------------------------------------------------------------------
# helpers


def _today() -> datetime.date:
    return timezone.localdate(timezone.now(), SHANGHAI)


def working_days_after(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day (Monday–Friday) after ``start``."""
    day, left = start, max(days, 0)
    while left:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def notice_working_days() -> int:
    return int(getattr(settings, "JIEBANG_AWARD_NOTICE_WORKING_DAYS", 5))


def project_url(project: Project) -> str:
    return reverse("projects:detail", kwargs={"pk": project.pk})


def _lock(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _audit(user, action: str, obj, note: str = "", **details: Any) -> None:
    audit_record(actor=user, action=action, obj=obj, note=note, details=details)


def _owner_members(project: Project):
    return active_members(project.owner_id)


def _winner_members(project: Project):
    return active_members(*perms.winner_ids(project))


def _notify(people, project: Project, verb: str, title: str, body: str = "") -> None:
    notification_send(
        recipients=people, verb=verb, title=title, body=body, target_url=project_url(project)
    )


def _clean_text(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ProjectError({field: [message]})
    if len(text) > MAX_TEXT:
        raise ProjectError({field: [_("内容不超过4000字。")]})
    return text


def parse_value(raw: Any, field: str) -> Decimal:
    """A measured value: a non-negative number; anything else is a clear error."""
    text = str(raw if raw is not None else "").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ProjectError({field: [_("请输入数值（如 0.15）。")]}) from None
    if not value.is_finite():
        raise ProjectError({field: [_("请输入数值（如 0.15）。")]})
    if value < 0:
        raise ProjectError({field: [_("数值不能为负数。")]})
    if value > MAX_VALUE:
        raise ProjectError({field: [_("数值超出合理范围。")]})
    return value.quantize(Decimal("0.0001"))


_TARGET = re.compile(r"^\s*(≤|≥|<=|>=|<|>|=)?\s*(\d+(?:\.\d+)?)\s*$")


def indicator_met(target: str, measured: Decimal) -> bool | None:
    """Compare a measured value with a target such as "≤0.2" or "≥0.9"; None if not comparable."""
    match = _TARGET.match(target or "")
    if not match or not match.group(1):
        return None
    op, bound = match.group(1), Decimal(match.group(2))
    return {
        "≤": measured <= bound,
        "<=": measured <= bound,
        "<": measured < bound,
        "≥": measured >= bound,
        ">=": measured >= bound,
        ">": measured > bound,
        "=": measured == bound,
    }[op]


# ---------------------------------------------------------------------------
# award → project


def project_create_for_award(*, bid, deal, listing, user) -> Project:
    """Open the project of an awarded bid: its parties, milestones, amount and notice period."""
    demand = listing if bid.kind == ListingKind.DEMAND else None
    milestones = list(bid.milestones.all())
    planned_end = getattr(demand, "delivery_deadline", None) or (
        max(m.due_date for m in milestones) if milestones else None
    )
    project = Project.objects.create(
        kind=bid.kind,
        demand=demand,
        technology=listing if demand is None else None,
        bid=bid,
        title=listing.title[:255],
        owner_id=listing.organisation_id,
        lead_id=bid.organisation_id,
        amount=deal.amount,
        awarded_on=deal.awarded_on,
        notice_ends_on=working_days_after(deal.awarded_on, notice_working_days()),
        planned_end=planned_end,
    )
    project.consortium.set(bid.consortium_members.all())
    ProjectMilestone.objects.bulk_create(
        ProjectMilestone(
            project=project, position=i, due_date=m.due_date, deliverable=m.deliverable
        )
        for i, m in enumerate(milestones, start=1)
    )
    _audit(user, "project.create", project, bid=bid.pk, notice_ends_on=project.notice_ends_on)
    _notify(
        _owner_members(project) + _winner_members(project),
        project,
        "project_created",
        _("攻关项目已建立，揭榜结果公示至 %(date)s：%(title)s")
        % {"date": project.notice_ends_on.isoformat(), "title": project.title},
        _("公示期结束且无异议后，项目启动，揭榜方按里程碑报告进展。"),
    )
    return project


# ---------------------------------------------------------------------------
# 揭榜结果公示 and objections


def objection_file(*, user, project: Project, reason: str) -> Objection:
    """A signed-in member objects to a published award during its notice period."""
    reason = _clean_text(reason, "reason", _("请填写异议理由。"))
    with transaction.atomic():
        project = _lock(project)
        if not (user and user.is_authenticated):
            raise PermissionDenied
        if not perms.can_object(user, project):
            if project.state == ProjectState.NOTICE:
                raise ProjectError(_("加入已登记单位后可提出异议。"), code="permission")
            raise ProjectError(_("该项目不在公示期内，不能提出异议。"), code="state")
        if project.notice_ends_on < _today():
            raise ProjectError(_("公示期已结束，不能再提出异议。"), code="state")
        objection = Objection.objects.create(project=project, user=user, reason=reason)
        _audit(user, "project.objection", project, note=reason, objection=objection.pk)
        _notify(
            _owner_members(project) + _winner_members(project),
            project,
            "project_objection",
            _("揭榜结果收到异议：%(title)s") % {"title": project.title},
            _("管理部门处理异议前，项目暂不启动。"),
        )
    return objection


def objection_resolve(*, user, objection: Objection, upheld: bool, resolution: str) -> Objection:
    """A curator upholds (the award is revoked) or dismisses an objection, with a reason."""
    if not is_curator(user):
        raise PermissionDenied
    resolution = _clean_text(resolution, "resolution", _("请填写处理意见。"))
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        project = _lock(objection.project)
        if objection.state != ObjectionState.OPEN:
            raise ProjectError(_("该异议已处理。"), code="state")
        objection.state = ObjectionState.UPHELD if upheld else ObjectionState.DISMISSED
        objection.resolution, objection.resolved_by = resolution, user
        objection.resolved_at = timezone.now()
        objection.save()
        if upheld and project.state == ProjectState.NOTICE:
            # The bureau revokes the award's project; what follows (a new award) is the owner's.
            project.state, project.cancelled_reason = ProjectState.CANCELLED, resolution
            project.save(update_fields=["state", "cancelled_reason", "updated_at"])
            # The award is revoked (bid revoked, its deal out of the counted ledger) and,
            # with no other award standing, the listing goes back so the owner may award again.
            bid_revoke_award(user=user, bid=project.bid, reason=resolution)
        _audit(
            user,
            "objection.uphold" if upheld else "objection.dismiss",
            project,
            note=resolution,
            objection=objection.pk,
        )
        _notify(
            _owner_members(project) + _winner_members(project),
            project,
            "project_objection_resolved",
            _("异议处理结果：%(title)s（%(state)s）")
            % {"title": project.title, "state": objection.get_state_display()},
            resolution,
        )
    return objection


def start_blocker(project: Project, today: datetime.date | None = None) -> str | None:
    """Why the project cannot start yet, or None."""
    today = today or _today()
    if project.state != ProjectState.NOTICE:
        return _("项目当前状态（%(state)s）不能启动。") % {"state": project.get_state_display()}
    if project.notice_ends_on >= today:
        return _("公示期至 %(date)s 结束，结束后方可启动。") % {
            "date": project.notice_ends_on.isoformat()
        }
    if project.objections.filter(state=ObjectionState.OPEN).exists():
        return _("有待处理的异议，管理部门处理后方可启动。")
    return None


def project_start(*, project: Project, user=None, today: datetime.date | None = None) -> Project:
    """Start the work once the notice ended without an open objection (demand → in_progress)."""
    if user is not None and not perms.can_start(user, project):
        raise PermissionDenied
    with transaction.atomic():
        project = _lock(project)
        blocker = start_blocker(project, today)
        if blocker:
            raise ProjectError(blocker, code="state")
        listing = (
            lifecycle.listing_model(project.kind)
            .objects.select_for_update()
            .get(pk=project.listing.pk)
        )
        if lifecycle.rule_of(listing, Transition.START) is not None:
            lifecycle.move(listing, Transition.START)
        project.state, project.started_at = ProjectState.IN_PROGRESS, timezone.now()
        project.save(update_fields=["state", "started_at", "updated_at"])
        _audit(user, "project.start", project)
        _notify(
            _owner_members(project) + _winner_members(project),
            project,
            "project_started",
            _("攻关项目已启动：%(title)s") % {"title": project.title},
            _("公示期结束，项目进入攻关阶段，请按里程碑报告进展。"),
        )
    return project


def projects_start_due(*, today: datetime.date | None = None) -> int:
    """Start every project whose notice ended without an open objection (daily; repeatable)."""
    today = today or _today()
    started = 0
    due = Project.objects.filter(state=ProjectState.NOTICE, notice_ends_on__lt=today)
    for project in due.exclude(objections__state=ObjectionState.OPEN).order_by("pk"):
        try:
            project_start(project=project, today=today)
        except ValidationError:
            # The listing moved on (withdrawn by a curator): left for a person to look at.
            continue
        started += 1
    return started


# ---------------------------------------------------------------------------
# milestones


def _lock_milestone(milestone: ProjectMilestone) -> tuple[ProjectMilestone, Project]:
    milestone = ProjectMilestone.objects.select_for_update().get(pk=milestone.pk)
    return milestone, _lock(milestone.project)


def milestone_report(
    *,
    user,
    milestone: ProjectMilestone,
    text: str,
    file=None,
    values: dict[int, Any] | None = None,
) -> MilestoneReport:
    """The winner reports progress on a milestone: text, an optional file, indicator values."""
    # Read afresh: a milestone reached through a stale project object carries its old state.
    project = Project.objects.select_related("demand").get(pk=milestone.project_id)
    if not perms.is_winner(user, project):
        raise PermissionDenied
    if not perms.can_report(user, project):
        raise ProjectError(_("项目攻关中才能报告进展。"), code="state")
    text = _clean_text(text, "text", _("请填写进展说明。"))
    indicators = {i.pk: i for i in project.demand.indicators.all()} if project.demand else {}
    parsed: dict[int, Decimal] = {}
    for key, raw in (values or {}).items():
        if str(raw if raw is not None else "").strip() == "":
            continue
        if int(key) not in indicators:
            raise ProjectError({"values": [_("指标不属于该需求。")]})
        parsed[int(key)] = parse_value(raw, f"value_{key}")
    content_type = ""
    if file:
        try:
            content_type = validate_attachment(file)
        except ValidationError as exc:
            raise ProjectError({"file": exc.messages}) from None
    with transaction.atomic():
        milestone, project = _lock_milestone(milestone)
        if milestone.state not in (MilestoneState.PENDING, MilestoneState.RETURNED):
            raise ProjectError(
                _("该里程碑当前状态为“%(state)s”，不能报告。")
                % {"state": milestone.get_state_display()},
                code="state",
            )
        report = MilestoneReport(milestone=milestone, text=text, author=user)
        if file:
            report.original_name, report.content_type = (file.name or "")[:255], content_type
            report.file.save(file.name or "report", file, save=False)
        report.save()
        ReportIndicatorValue.objects.bulk_create(
            ReportIndicatorValue(report=report, indicator_id=pk, value=value)
            for pk, value in parsed.items()
        )
        milestone.state, milestone.reported_at = MilestoneState.REPORTED, timezone.now()
        milestone.save(update_fields=["state", "reported_at"])
        _audit(user, "milestone.report", project, milestone=milestone.pk, report=report.pk)
        _notify(
            _owner_members(project),
            project,
            "milestone_reported",
            _("里程碑进展待确认：%(title)s · %(deliverable)s")
            % {"title": project.title, "deliverable": milestone.deliverable},
            text[:500],
        )
    return report


def _decide_milestone(user, milestone: ProjectMilestone):
    project = Project.objects.get(pk=milestone.project_id)
    if not perms.can_view(user, project):
        raise PermissionDenied
    if not perms.is_owner(user, project):
        raise PermissionDenied
    milestone, project = _lock_milestone(milestone)
    if project.state != ProjectState.IN_PROGRESS or milestone.state != MilestoneState.REPORTED:
        raise ProjectError(_("只有已报告进展的里程碑可以确认或退回。"), code="state")
    return milestone, project


def milestone_accept(*, user, milestone: ProjectMilestone) -> ProjectMilestone:
    """The owner accepts a reported milestone."""
    with transaction.atomic():
        milestone, project = _decide_milestone(user, milestone)
        milestone.state, milestone.decided_at = MilestoneState.ACCEPTED, timezone.now()
        milestone.return_reason = ""
        milestone.save(update_fields=["state", "decided_at", "return_reason"])
        _audit(user, "milestone.accept", project, milestone=milestone.pk)
        _notify(
            _winner_members(project),
            project,
            "milestone_accepted",
            _("里程碑已确认：%(title)s · %(deliverable)s")
            % {"title": project.title, "deliverable": milestone.deliverable},
        )
    return milestone


def milestone_return(*, user, milestone: ProjectMilestone, reason: str) -> ProjectMilestone:
    """The owner returns a reported milestone with a reason the winner will read."""
    reason = _clean_text(reason, "reason", _("请填写退回原因。"))
    with transaction.atomic():
        milestone, project = _decide_milestone(user, milestone)
        milestone.state, milestone.decided_at = MilestoneState.RETURNED, timezone.now()
        milestone.return_reason = reason
        milestone.save(update_fields=["state", "decided_at", "return_reason"])
        _audit(user, "milestone.return", project, note=reason, milestone=milestone.pk)
        _notify(
            _winner_members(project),
            project,
            "milestone_returned",
            _("里程碑被退回：%(title)s · %(deliverable)s")
            % {"title": project.title, "deliverable": milestone.deliverable},
            reason,
        )
    return milestone


# ---------------------------------------------------------------------------
# 验收


def acceptance_blocker(project: Project) -> str | None:
    """Why the owner cannot request acceptance yet, or None."""
    if project.state != ProjectState.IN_PROGRESS:
        return _("项目当前状态（%(state)s）不能申请验收。") % {"state": project.get_state_display()}
    if project.milestones.exclude(state=MilestoneState.ACCEPTED).exists():
        return _("所有里程碑确认后才能申请验收。")
    return None


def acceptance_request(
    *, user, project: Project, summary: str, results: dict[int, IndicatorResult]
) -> Acceptance:
    """The owner requests 验收 with each indicator's measured value and test method."""
    project = Project.objects.select_related("demand").get(pk=project.pk)  # its current state
    if not perms.can_view(user, project):
        raise PermissionDenied
    if not perms.is_owner(user, project):
        raise PermissionDenied
    blocker = acceptance_blocker(project)
    if blocker:
        raise ProjectError(blocker, code="state")
    summary = _clean_text(summary, "summary", _("请填写验收说明。"))
    indicators = list(project.demand.indicators.all()) if project.demand else []
    rows, errors = [], {}
    for indicator in indicators:
        result = results.get(indicator.pk)
        field = f"measured_{indicator.pk}"
        if result is None or not str(result.measured_value or "").strip():
            errors[field] = [_("请填写实测值。")]
            continue
        try:
            measured = parse_value(result.measured_value, field)
        except ProjectError as exc:
            errors.update(exc.message_dict)
            continue
        method = (result.test_method or "").strip()
        if not method:
            errors[f"method_{indicator.pk}"] = [_("请填写检测方法。")]
            continue
        met = indicator_met(indicator.target_value, measured)
        rows.append(
            AcceptanceIndicator(
                indicator=indicator,
                name=indicator.name,
                target_value=indicator.target_value,
                unit=indicator.unit,
                measured_value=measured,
                test_method=method[:200],
                met=bool(result.met) if met is None else met,
            )
        )
    if errors:
        raise ProjectError(errors)
    with transaction.atomic():
        project = _lock(project)
        blocker = acceptance_blocker(project)
        if blocker:
            raise ProjectError(blocker, code="state")
        acceptance = Acceptance.objects.create(project=project, summary=summary, requested_by=user)
        for row in rows:
            row.acceptance = acceptance
        AcceptanceIndicator.objects.bulk_create(rows)
        project.state = ProjectState.ACCEPTANCE
        project.save(update_fields=["state", "updated_at"])
        _audit(
            user,
            "acceptance.request",
            project,
            note=summary,
            acceptance=acceptance.pk,
            unmet=[r.name for r in rows if not r.met],
        )
        _notify(
            _winner_members(project),
            project,
            "acceptance_requested",
            _("项目已申请验收：%(title)s") % {"title": project.title},
        )
    return acceptance


def _lock_acceptance(acceptance: Acceptance) -> tuple[Acceptance, Project]:
    acceptance = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
    return acceptance, _lock(acceptance.project)


def acceptance_sign(*, user, acceptance: Acceptance) -> Acceptance:
    """The owner, then a curator, sign off; the curator's signature completes the project."""
    owner, curator = perms.is_owner(user, acceptance.project), is_curator(user)
    if not (owner or curator):
        raise PermissionDenied
    with transaction.atomic():
        acceptance, project = _lock_acceptance(acceptance)
        now = timezone.now()
        if owner and acceptance.state == AcceptanceState.PENDING:
            acceptance.state = AcceptanceState.OWNER_SIGNED
            acceptance.owner_signed_by, acceptance.owner_signed_at = user, now
            action = "acceptance.owner_sign"
        elif curator and acceptance.state == AcceptanceState.OWNER_SIGNED:
            acceptance.state = AcceptanceState.ACCEPTED
            acceptance.curator_signed_by, acceptance.curator_signed_at = user, now
            action = "acceptance.curator_sign"
        elif curator and acceptance.state == AcceptanceState.PENDING:
            raise ProjectError(_("需求方签字后，管理部门再签字。"), code="state")
        else:
            raise ProjectError(
                _("验收当前状态为“%(state)s”，不能签字。")
                % {"state": acceptance.get_state_display()},
                code="state",
            )
        acceptance.save()
        _audit(user, action, project, acceptance=acceptance.pk)
        if acceptance.state == AcceptanceState.ACCEPTED:
            _complete(user, project, now)
    return acceptance


def _complete(user, project: Project, now: datetime.datetime) -> None:
    project.state, project.completed_at = ProjectState.COMPLETED, now
    project.save(update_fields=["state", "completed_at", "updated_at"])
    listing = (
        lifecycle.listing_model(project.kind).objects.select_for_update().get(pk=project.listing.pk)
    )
    # A demand with several winners completes when the last of its projects does.
    unfinished = (
        Project.objects.filter(**{project.kind: listing})
        .exclude(state__in=[ProjectState.COMPLETED, ProjectState.CANCELLED])
        .exists()
    )
    if not unfinished and lifecycle.rule_of(listing, Transition.COMPLETE) is not None:
        lifecycle.move(listing, Transition.COMPLETE)
    _audit(user, "project.complete", project)
    _notify(
        _owner_members(project) + _winner_members(project),
        project,
        "project_completed",
        _("项目验收通过：%(title)s") % {"title": project.title},
    )


def acceptance_return(*, user, acceptance: Acceptance, reason: str) -> Acceptance:
    """The owner or a curator returns the acceptance with a reason; the work goes on."""
    if not (perms.is_owner(user, acceptance.project) or is_curator(user)):
        raise PermissionDenied
    reason = _clean_text(reason, "reason", _("请填写退回原因。"))
    with transaction.atomic():
        acceptance, project = _lock_acceptance(acceptance)
        if acceptance.state not in (AcceptanceState.PENDING, AcceptanceState.OWNER_SIGNED):
            raise ProjectError(_("该验收已结束，不能退回。"), code="state")
        acceptance.state, acceptance.return_reason = AcceptanceState.RETURNED, reason
        acceptance.returned_at = timezone.now()
        acceptance.save()
        project.state = ProjectState.IN_PROGRESS
        project.save(update_fields=["state", "updated_at"])
        _audit(user, "acceptance.return", project, note=reason, acceptance=acceptance.pk)
        _notify(
            _owner_members(project) + _winner_members(project),
            project,
            "acceptance_returned",
            _("验收被退回：%(title)s") % {"title": project.title},
            reason,
        )
    return acceptance
