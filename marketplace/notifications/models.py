"""In-site notifications: one row per recipient, read or unread."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something that happened which a person should know about, with a link to it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(_("事件"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    target_url = models.CharField(_("链接"), max_length=500, blank=True)
    is_read = models.BooleanField(_("已读"), default=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "is_read"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title
