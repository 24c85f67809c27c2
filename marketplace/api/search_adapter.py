"""The API's one seam to full-text search: the ``q`` parameter goes through here.

Issue 3 replaces the body of :func:`search_listings` with a call to the search
engine (``search.backends.get_search_backend().search(SearchQuery(...))``),
keeping its signature: the engine returns ranked listing ids and the function
narrows the (already filtered, public-only) queryset to them. Facet counts are
added the same way, by a sibling function the list views call; no view needs to
know which engine, if any, answered.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from django.db.models import Q, QuerySet

from cms.models import ListingPage

Kind = Literal["demand", "technology"]
ListingT = TypeVar("ListingT", bound=ListingPage)


def search_listings(queryset: QuerySet[ListingT], text: str, *, kind: Kind) -> QuerySet[ListingT]:
    """Narrow ``queryset`` to the listings of ``kind`` that match the free text ``text``."""
    text = text.strip()
    if not text:
        return queryset
    # Interim matching until the engine serves ``q``: a case-insensitive substring of
    # the title or the keywords. It never widens the queryset, so the public-only
    # guarantee of the selectors holds whatever the engine later returns.
    return queryset.filter(Q(title__icontains=text) | Q(keywords__icontains=text))
