"""The API's one seam to the search engine: ``q``, facet counts and matches go through here.

The engine only ranks: :func:`search_listings` narrows the already filtered,
public-only queryset to the ids the engine returns, so the public-only and
public-fields guarantees never depend on the engine's index being current.
No view needs to know which engine, if any, answered.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, TypeVar

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from cms.models import ListingPage
from search.backends import get_search_backend
from search.backends.base import SearchQuery
from search.selectors import (
    BUDGET_BAND_CHOICES,
    Matches,
    can_see_matches,
    database_facet_counts,
    engine_filters,
    facet_labels,
    facet_specs,
    filter_budget_band,
    listing_matches,
)

__all__ = [
    "BUDGET_BAND_CHOICES",
    "can_see_matches",
    "listing_facets",
    "matches_for",
    "search_listings",
]

Kind = Literal["demand", "technology"]
ListingT = TypeVar("ListingT", bound=ListingPage)

logger = logging.getLogger(__name__)

# The engine's ranking is read this deep; a query matching more listings than
# this is narrowed to its best MAX_HITS (the list is paginated anyway).
MAX_HITS = 1000


class SearchUnavailable(Exception):
    """The search engine failed; the caller falls back to the database."""


def ranked_ids(text: str, *, kind: Kind) -> list[int]:
    """Return the ids of the listings of ``kind`` matching ``text``, best first."""
    try:
        results = get_search_backend().search(
            SearchQuery(
                kind=kind,
                text=text,
                filters=engine_filters(kind, {}),
                page_size=MAX_HITS,
                highlight=False,
                ids_only=True,
            )
        )
    except Exception as exc:  # any engine failure degrades to the database
        logger.exception("search: the API's q could not be served by the engine")
        raise SearchUnavailable(str(exc)) from exc
    return [int(hit.id) for hit in results.hits if hit.id.isdigit()]


def search_listings(
    queryset: QuerySet[ListingT], text: str, *, kind: Kind, request: Any = None
) -> QuerySet[ListingT]:
    """Narrow ``queryset`` to the listings of ``kind`` that match ``text``, ranked by relevance.

    When the engine fails, falls back to a case-insensitive substring of title
    or keywords and marks ``request.search_unavailable``.
    """
    text = text.strip()
    if not text:
        return queryset
    try:
        ids = ranked_ids(text, kind=kind)
    except SearchUnavailable:
        if request is not None:
            request.search_unavailable = True
        return queryset.filter(Q(title__icontains=text) | Q(keywords__icontains=text))
    rank = Case(
        *(When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)),
        output_field=IntegerField(),
    )
    return queryset.filter(pk__in=ids).order_by(rank) if ids else queryset.none()


def listing_facets(queryset: QuerySet, *, kind: Kind) -> dict[str, list[dict[str, Any]]]:
    """Return the facet counts of the listings a list response pages through.

    Counted by the database over the final queryset (``q`` already narrowed it
    through the engine), so the counts always add up to the results, whatever
    the filters and whatever the index's freshness.
    """
    labels = facet_labels(kind)
    return {
        param: [{"value": v, "label": labels[param].get(v, v), "count": n} for v, n in pairs]
        for param, pairs in database_facet_counts(queryset, kind).items()
    }


def facet_names(kind: Kind) -> list[str]:
    """Return the facet keys of a catalogue's list responses (its filter parameter names)."""
    return [spec.param for spec in facet_specs(kind)]


def narrow_budget_band(queryset: QuerySet, band: str, *, kind: Kind) -> QuerySet:
    """Keep the listings whose budget (demands) or asking price (technologies) is in ``band``."""
    return filter_budget_band(queryset, kind, band)


def matches_for(listing: ListingPage, *, limit: int = 10) -> Matches:
    """Return the ranked matches of a listing (public fields of the other side only)."""
    return listing_matches(listing, limit=limit)
