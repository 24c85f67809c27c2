from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurationConfig(AppConfig):
    name = "marketplace.curation"
    label = "curation"
    verbose_name = _("政府助题")

    def ready(self):
        # Members hear of review decisions from us; Wagtail's e-mails only go to staff.
        from .review_notices import connect_review_notifiers

        connect_review_notifiers()
