from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Saved searches and match subscriptions, delivered by the daily ``send_alerts`` run."""

    name = "marketplace.alerts"
    label = "alerts"
    verbose_name = _("订阅提醒")
