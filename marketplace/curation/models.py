"""The curation desk's own records (the audit log lives in marketplace.audit, below every app)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models_events import Diagnosis, EventInvitation, EventMeeting, MatchmakingEvent  # noqa: F401
from .models_imports import ImportUpload  # noqa: F401


class OverdueReminder(models.Model):
    """One reminder per overdue item and due date, so the daily command is safe to repeat."""

    key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("逾期提醒记录")
        verbose_name_plural = _("逾期提醒记录")

    def __str__(self) -> str:
        return self.key
