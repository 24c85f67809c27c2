"""The daily alerts run as a django-tasks task (the ``send_alerts`` command runs the same)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_alerts() -> dict:
    """Deliver every active alert's new listings; safe to repeat (see ``alerts_run``)."""
    from .services import alerts_run

    result = alerts_run()
    return {
        "checked": result.checked,
        "skipped": result.skipped,
        "hits": result.hits,
        "notices": result.notices,
        "emails": result.emails,
        "errors": result.errors,
    }
