"""Who may do what with a project; checked on the server by every view and service.

Roles: the owner (members of the listing's organisation), the winner (members of the
lead organisation and of each consortium member), curators. Other members see only
the public notice and may object to it.
"""

from __future__ import annotations

from marketplace.organisations.permissions import active_organisation_ids, is_curator

from .models import Project, ProjectState


def is_owner(user, project: Project) -> bool:
    return project.owner_id in active_organisation_ids(user)


def winner_ids(project: Project) -> set[int]:
    """The lead organisation and the consortium members."""
    cached = getattr(project, "_winner_ids", None)
    if cached is None:
        cached = {project.lead_id, *project.consortium.values_list("pk", flat=True)}
        project._winner_ids = cached
    return cached


def is_winner(user, project: Project) -> bool:
    return bool(winner_ids(project) & active_organisation_ids(user))


def can_view(user, project: Project) -> bool:
    return is_curator(user) or is_owner(user, project) or is_winner(user, project)


def can_report(user, project: Project) -> bool:
    """The winning side reports progress while the work runs."""
    return project.state == ProjectState.IN_PROGRESS and is_winner(user, project)


def can_decide_milestone(user, project: Project) -> bool:
    return project.state == ProjectState.IN_PROGRESS and is_owner(user, project)


def can_object(user, project: Project) -> bool:
    """Any signed-in member of an organisation, during the notice period."""
    return (
        project.state == ProjectState.NOTICE
        and bool(user and user.is_authenticated)
        and bool(active_organisation_ids(user))
    )


def can_start(user, project: Project) -> bool:
    return is_curator(user) or is_owner(user, project)
