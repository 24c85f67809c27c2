"""How alerts show themselves on other apps' pages (which never import alerts)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

from cms import lifecycle
from marketplace.organisations.permissions import is_member_of

from ..selectors import match_subscription, saved_params

register = template.Library()


@register.inclusion_tag("alerts/includes/save_search.html")
def save_search_link(search):
    """The 保存此搜索 control of a catalogue page: a link to the save form with this query."""
    query = urlencode(saved_params(search.kind, search.params))
    return {"url_query": urlencode({"kind": search.kind, "query": query})}


@register.inclusion_tag("alerts/includes/match_toggle.html")
def match_alert_toggle(listing, user):
    """The "notify me of new matches" switch on a member's own listing; nothing for others."""
    listing = getattr(listing, "specific", listing)
    kind = lifecycle.kind_of(listing)
    if kind is None or not is_member_of(user, listing.organisation_id):
        return {"show": False}
    return {
        "show": True,
        "listing": listing,
        "kind": kind,
        "alert": match_subscription(user=user, listing=listing),
    }
