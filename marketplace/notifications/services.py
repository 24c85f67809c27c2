"""Writes for notifications: create in-site rows and send the matching emails."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Notification


def site_url(path: str = "") -> str:
    """An absolute link on the configured public site root (JIEBANG_SITE_URL).

    Mail is sent outside any request, so the host the sender happened to use (or the
    development server's 127.0.0.1:8000) must never leak into a link.
    """
    if path.startswith(("http://", "https://")):
        return path
    root = (getattr(settings, "JIEBANG_SITE_URL", "") or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return root + ("/" + path.lstrip("/") if path else "/")


def _email_text(title: str, body: str, target_url: str) -> str:
    """Say what happened in words, then where to act: never a bare link."""
    return render_to_string(
        "notifications/email.txt",
        {
            "title": title,
            "body": body,
            "link": site_url(target_url) if target_url else "",
            "inbox": site_url(reverse("notifications:list")),
        },
    ).strip()


def notification_send(
    *,
    recipients: Iterable,
    verb: str,
    title: str,
    body: str = "",
    target_url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each recipient in the site now and by email once the transaction commits.

    ``email=False``: in the site only (alerts send their own daily e-mail digest).
    """
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
    if not email:
        return rows
    text = _email_text(str(title), str(body), target_url)
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
