"""Curators keep the deal ledger (成交台账), confirm contracts and read the access log in the admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import AccessLogEntry, Deal, DealPayment, TechContract


class DealViewSet(SnippetViewSet):
    model = Deal
    icon = "tick-inverse"
    menu_label = _("成交台账")
    list_display = ["__str__", "source", "amount", "awarded_on", "signed_on", "status"]
    list_filter = ["status", "source"]
    # Parties and listing come from the award or the match; curators correct the rest.
    panels = [
        FieldPanel("amount"),
        FieldPanel("signed_on"),
        FieldPanel("status"),
        FieldPanel("note"),
    ]


class TechContractViewSet(SnippetViewSet):
    model = TechContract
    icon = "doc-full"
    menu_label = _("技术合同登记")
    list_display = [
        "number",
        "contract_type",
        "registry",
        "registered_on",
        "amount",
        "technology_amount",
        "state",
    ]
    list_filter = ["state", "contract_type"]
    inspect_view_enabled = True
    # Entered by the parties, confirmed or returned on the project page (audited there).
    form_fields = ["state"]


class DealPaymentViewSet(SnippetViewSet):
    model = DealPayment
    icon = "pick"
    menu_label = _("到账")
    list_display = ["deal", "amount", "received_on", "recorded_by"]
    inspect_view_enabled = True
    form_fields = ["note"]


class AccessLogViewSet(SnippetViewSet):
    model = AccessLogEntry
    icon = "view"
    menu_label = _("访问记录")
    list_display = ["created_at", "user", "organisation", "action", "demand", "bid"]
    list_filter = ["action"]
    inspect_view_enabled = True
    form_fields = ["action"]  # entries are written by the site, never edited here


class BiddingGroup(SnippetViewSetGroup):
    items = (DealViewSet, TechContractViewSet, DealPaymentViewSet, AccessLogViewSet)
    menu_icon = "tick-inverse"
    menu_label = _("揭榜")
    menu_name = "bidding"


register_snippet(BiddingGroup)
