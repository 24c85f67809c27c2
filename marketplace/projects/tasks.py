"""The daily start of due projects as a django-tasks task (the command runs the same service)."""

from __future__ import annotations

from django_tasks import task

from .services import projects_start_due


@task()
def start_due_projects() -> int:
    """Start every project whose notice ended without an open objection; return how many."""
    return projects_start_due()
