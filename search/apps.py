from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """The search and matching app; its label avoids clashing with wagtail.search."""

    name = "search"
    label = "jiebang_search"
    verbose_name = _("搜索与匹配")
    default_auto_field = "django.db.models.BigAutoField"
