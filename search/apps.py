from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """The search and matching app; its label avoids clashing with wagtail.search."""

    name = "search"
    label = "jiebang_search"
    verbose_name = _("搜索与匹配")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed
        from django.db.models.signals import post_migrate

        from search import checks  # noqa: F401  (registers the system check)
        from search.backends import reset_search_backends
        from search.signal_handlers import register_signal_handlers
        from search.tasks import start_reconciling

        register_signal_handlers()
        # Every deploy migrates: that starts the periodic reconciliation (docs/search.md).
        post_migrate.connect(
            start_reconciling, sender=self, dispatch_uid="jiebang_search_reconcile"
        )

        def _reset(setting, **kwargs):
            if setting == "SEARCH_BACKENDS":
                reset_search_backends()

        setting_changed.connect(_reset, weak=False, dispatch_uid="jiebang_search_settings")
