"""Reads of projects: who sees which, the public notices, overdue milestones."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from cms import lifecycle
from marketplace.organisations.permissions import active_organisation_ids, is_curator

from . import permissions as perms
from .models import MilestoneState, Project, ProjectMilestone, ProjectState

_RELATED = ("owner", "lead", "demand", "technology")


def project_list(user) -> QuerySet[Project]:
    """The projects a user takes part in (either side); every project for curators."""
    qs = Project.objects.select_related(*_RELATED).prefetch_related("consortium")
    if is_curator(user):
        return qs
    ids = active_organisation_ids(user)
    if not ids:
        return qs.none()
    return qs.filter(Q(owner_id__in=ids) | Q(lead_id__in=ids) | Q(consortium__in=ids)).distinct()


def project_get(user, pk: int) -> Project:
    """The project, if the user may see it; 404 for anyone else (no existence leak)."""
    project = get_object_or_404(Project.objects.select_related(*_RELATED), pk=pk)
    if not perms.can_view(user, project):
        raise Http404
    return project


def _public(qs: QuerySet[Project]) -> QuerySet[Project]:
    return qs.filter(
        lifecycle.public_q("demand", prefix="demand__")
        | lifecycle.public_q("technology", prefix="technology__")
    )


def notice_list() -> QuerySet[Project]:
    """揭榜结果公示: awards in their notice period, on public listings, newest first."""
    qs = Project.objects.filter(state=ProjectState.NOTICE).select_related(*_RELATED)
    return _public(qs).prefetch_related("consortium").order_by("-awarded_on", "-pk")


def notice_get(pk: int) -> Project:
    project = get_object_or_404(_public(Project.objects.select_related(*_RELATED)), pk=pk)
    if project.state == ProjectState.CANCELLED:
        raise Http404
    return project


def listing_projects(listing) -> list[Project]:
    """The awards of a listing shown on its public page (revoked ones left out)."""
    kind = lifecycle.kind_of(listing)
    return list(
        Project.objects.filter(**{kind: listing})
        .exclude(state=ProjectState.CANCELLED)
        .select_related("lead")
        .prefetch_related("consortium")
    )


def overdue_milestones(today: datetime.date | None = None) -> QuerySet[ProjectMilestone]:
    """Milestones past their date, not yet reported (or returned), in running projects."""
    from .services import _today

    today = today or _today()
    return (
        ProjectMilestone.objects.filter(
            project__state=ProjectState.IN_PROGRESS,
            state__in=[MilestoneState.PENDING, MilestoneState.RETURNED],
            due_date__lt=today,
        )
        .select_related("project", "project__owner", "project__lead")
        .order_by("due_date", "pk")
    )


def project_deal(project: Project):
    """The project's row of the deal ledger (``bidding.Deal`` of its awarded bid), or None."""
    from marketplace.bidding.models import Deal

    return Deal.objects.select_related("buyer", "seller").filter(bid_id=project.bid_id).first()


def project_id_of_deal(deal) -> int | None:
    if not deal.bid_id:
        return None
    return Project.objects.filter(bid_id=deal.bid_id).values_list("pk", flat=True).first()
