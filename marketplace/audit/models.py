"""The append-only audit log: who decided what about which object, when and why.

It sits below every other app (it imports none of them), so organisations, cms,
bidding, matches and curation all record here. Curators read it in the Wagtail
admin (curation/wagtail_hooks.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One decision or curator action: who did what to which object, when and why. Never changed."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A snapshot, so the entry still names the person after the account is gone.
    actor_label = models.CharField(_("操作人"), max_length=255, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    # "app_label.model", not a foreign key: entries outlive the objects they name.
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("对象"), max_length=255, blank=True)
    note = models.TextField(_("原因/备注"), blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        # Beijing time, as the admin list shows it (TIME_ZONE).
        when = f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} " if self.created_at else ""
        return f"{when}{self.actor_label} {self.get_action_display()} {self.object_label}"

    def save(self, *args, **kwargs):
        # Append-only: an entry is written once and never rewritten.
        if not self._state.adding:
            raise PermissionDenied(_("审计日志不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("审计日志不可删除。"))

    # Curators read the log in words and in local time (TIME_ZONE), in the list and the detail.
    def get_action_display(self) -> str:
        from .actions import action_label

        return action_label(self.action)

    def get_object_type_display(self) -> str:
        from .actions import object_type_label

        return object_type_label(self.object_type)

    def get_created_at_display(self) -> str:
        if not self.created_at:
            return ""
        # The same format as the list's date column, in the same time zone.
        return date_format(timezone.localtime(self.created_at), "DATETIME_FORMAT")
