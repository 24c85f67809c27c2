from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit log: the lowest layer, so every package can record its decisions."""

    name = "marketplace.audit"
    label = "audit"
    verbose_name = _("审计日志")
