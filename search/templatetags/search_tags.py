"""How the search layer shows itself on cms pages: catalogue search and listing matches.

``cms`` never imports ``search``; its templates load these tags instead.
"""

from __future__ import annotations

from django import template

from cms import lifecycle
from cms.models import ListingPage
from search import matching
from search.selectors import can_see_matches, catalogue_search, listing_matches

register = template.Library()


@register.simple_tag(takes_context=True)
def search_catalogue(context, kind=None):
    """Return the catalogue search of the index page being rendered (``{% search_catalogue as search %}``)."""
    request = context["request"]
    page = context.get("page")
    if kind is None:
        kind = lifecycle.kind_of(page.listing_model())
    # The index page's context already validated the filter form; reuse it.
    filtered = context.get("filters")
    return catalogue_search(kind, request.GET, filtered=filtered)


@register.inclusion_tag("search/includes/matches.html", name="listing_matches")
def listing_matches_panel(listing, user, limit=10):
    """Render a listing's best matches for its organisation's members and curators, nothing for others.

    Usage on a listing page or in the workspace: ``{% listing_matches page request.user %}``.
    """
    listing = getattr(listing, "specific", listing)  # the workspace may pass a plain Page
    if not isinstance(listing, ListingPage) or not can_see_matches(user, listing):
        return {"matches": None}
    return {
        "matches": listing_matches(listing, limit=limit),
        "listing": listing,
        "min_score": matching.min_score(),
    }
