"""Read-only Wagtail admin panel showing curators a listing's completeness score."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class CompletenessPanel(Panel):
    """Shows the draft's completeness score and what is missing or vague (cms/completeness.py)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("完整度"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "workspace/includes/completeness_panel.html"

        def get_context_data(self, parent_context=None):
            from .completeness import listing_completeness

            context = super().get_context_data(parent_context)
            context["completeness"] = listing_completeness(self.instance)
            return context
