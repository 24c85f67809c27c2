"""Reads for notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    if not user or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, is_read=False).count()
