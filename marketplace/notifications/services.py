"""Writes for notifications: create in-site rows and send the matching emails."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .models import Notification


def _site_url(path: str) -> str:
    if not path or path.startswith("http"):
        return path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def notification_send(
    *, recipients: Iterable, verb: str, title: str, body: str = "", target_url: str = ""
) -> list[Notification]:
    """Notify each recipient in the site now and by email once the transaction commits."""
    people = {u.pk: u for u in recipients if u is not None and u.is_active}.values()
    # Titles quote listing titles (up to 255 characters): clip to the column, or PostgreSQL
    # refuses the row and takes the action being reported (a bid, an answer) down with it.
    limit = Notification._meta.get_field("title").max_length
    title = str(title) if len(str(title)) <= limit else str(title)[: limit - 1] + "…"
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=u, verb=verb, title=str(title), body=str(body), target_url=target_url
            )
            for u in people
        ]
    )
    text = f"{body}\n\n{_site_url(target_url)}".strip()
    for user in people:
        if user.email:
            # Mail leaves only if the change it reports is committed.
            transaction.on_commit(
                partial(send_mail, str(title), text, None, [user.email], fail_silently=True)
            )
    return rows


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of the user as read."""
    qs = Notification.objects.filter(recipient=user, is_read=False)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(is_read=True)
