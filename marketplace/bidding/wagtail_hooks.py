"""Curators complete deals and read the access log in the Wagtail admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import AccessLogEntry, Deal


class DealViewSet(SnippetViewSet):
    model = Deal
    icon = "tick-inverse"
    menu_label = _("成交")
    list_display = ["bid", "amount", "awarded_on", "signed_on", "status"]
    list_filter = ["status"]
    panels = [
        FieldPanel("amount"),
        FieldPanel("signed_on"),
        FieldPanel("contract_number"),
        FieldPanel("status"),
        FieldPanel("note"),
    ]


class AccessLogViewSet(SnippetViewSet):
    model = AccessLogEntry
    icon = "view"
    menu_label = _("访问记录")
    list_display = ["created_at", "user", "organisation", "action", "demand", "bid"]
    list_filter = ["action"]
    inspect_view_enabled = True
    form_fields = ["action"]  # entries are written by the site, never edited here


class BiddingGroup(SnippetViewSetGroup):
    items = (DealViewSet, AccessLogViewSet)
    menu_icon = "tick-inverse"
    menu_label = _("揭榜")
    menu_name = "bidding"


register_snippet(BiddingGroup)
