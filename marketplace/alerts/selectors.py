"""Reads for alerts: a member's alerts, their queries, and what is new for each of them.

A saved search is answered by ``search.selectors.catalogue_search``, the selector
that renders the catalogue page, so an alert finds exactly what "open saved search"
shows (never a second query language); a listing's matches by
``search.selectors.listing_matches``, as on the workspace's matches page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from cms import lifecycle
from cms.selectors import catalogue_filter
from marketplace.organisations.permissions import active_organisation_ids, is_member_of
from search.selectors import (
    BUDGET_BAND_CHOICES,
    CLOSED_PARAM,
    PAGE_SIZE,
    catalogue_search,
    facet_labels,
    facet_specs,
    listing_matches,
)

from .models import Alert, AlertHit

# The catalogue parameters a saved search keeps, in this order (page and sort are not
# part of the question; the facets are those of the kind).
QUERY_PARAMS = ("q",)
# A listing published this long before the last run is looked at again (the index may
# have caught up with it late); AlertHit keeps it from being delivered twice.
LOOKBACK = dt.timedelta(days=1)
# The newest results read per saved search and run (pages of the catalogue).
MAX_PAGES = 10
MATCHES_READ = 30


def alert_list(*, user) -> QuerySet[Alert]:
    """Return the user's alerts, newest first, with their listing and hit counts."""
    return (
        Alert.objects.filter(user=user)
        .select_related("listing")
        .annotate(hit_count=Count("hits"))
        .order_by("-created_at", "-pk")
    )


def alert_hits(*, alert: Alert, limit: int = 50) -> list[AlertHit]:
    """Return what an alert delivered, newest first, with the listings as specific pages."""
    hits = list(alert.hits.select_related("listing").order_by("-created_at", "-pk")[:limit])
    specific = {p.pk: p for p in listing_pages([h.listing_id for h in hits])}
    for hit in hits:
        hit.page = specific.get(hit.listing_id)
        hit.is_public = hit.page is not None and lifecycle.is_public(hit.page)
    return [h for h in hits if h.page is not None]


def listing_pages(ids: list[int]) -> list:
    """Return the listing pages with these ids as their specific models (two queries)."""
    pages = []
    for kind in lifecycle.LISTING_KINDS:
        pages += list(lifecycle.listing_model(kind).objects.filter(pk__in=ids))
    return pages


def match_subscription(*, user, listing) -> Alert | None:
    """Return the user's subscription to a listing's new matches, if any."""
    return Alert.objects.filter(user=user, listing=listing).first()


# -- the saved query -----------------------------------------------------------------------


def allowed_params(kind: str) -> tuple[str, ...]:
    """Return the parameters a saved search of ``kind`` keeps, in a stable order."""
    return (*QUERY_PARAMS, *(s.param for s in facet_specs(kind)), CLOSED_PARAM)


def saved_params(kind: str, query: str | Mapping[str, Any]) -> dict[str, str]:
    """Return the parameters of a catalogue query that a saved search keeps (not validated).

    Keeps only what the catalogue page understands (q and the kind's facets, ``closed=1``)
    and drops page and sort.
    """
    raw = dict(parse_qsl(query, keep_blank_values=False)) if isinstance(query, str) else query
    params: dict[str, str] = {}
    for key in allowed_params(kind):
        value = " ".join(str(raw.get(key) or "").split())
        if value and (key != CLOSED_PARAM or value == "1"):
            params[key] = value
    return params


def normalise_query(kind: str, query: str | Mapping[str, Any]) -> tuple[str, list[str]]:
    """Return the catalogue query string to save and the errors of its values.

    The values are validated by the catalogue page's own filter form.
    """
    params = saved_params(kind, query)
    errors = []
    form = catalogue_filter(lifecycle.listing_model(kind), params).form
    if form.is_bound and not form.is_valid():
        errors += [str(e) for field_errors in form.errors.values() for e in field_errors]
    band = params.get("budget_band")
    if band and band not in dict(BUDGET_BAND_CHOICES):
        errors.append(_("预算/报价区间的取值无效。"))
    return urlencode(params), errors


def query_params(alert: Alert) -> dict[str, str]:
    """Return the saved query as catalogue parameters."""
    return dict(parse_qsl(alert.query))


def query_summary(kind: str, query: str) -> str:
    """Return a saved query in words: the catalogue, the keywords and each filter's value."""
    params = dict(parse_qsl(query))
    labels = facet_labels(kind)
    parts = [str(Alert.Kind(kind).label)]
    if params.get("q"):
        parts.append(f"“{params['q']}”")
    for spec in facet_specs(kind):
        value = params.get(spec.param)
        if value:
            parts.append(f"{spec.label}：{labels[spec.param].get(value, value)}")
    if params.get(CLOSED_PARAM):
        parts.append(_("含已截止"))
    return " · ".join(parts)


def catalogue_url(alert: Alert, bases: dict[str, str] | None = None) -> str:
    """Return the catalogue page of a saved search, with its query: "open saved search".

    ``bases`` memoises each catalogue's address over a list of alerts.
    """
    bases = {} if bases is None else bases
    if alert.kind not in bases:
        index = lifecycle.index_model(alert.kind).objects.live().first()
        bases[alert.kind] = index.url if index is not None else "/"
    base = bases[alert.kind]
    return f"{base}?{alert.query}" if alert.query else base


# -- what is new ------------------------------------------------------------------------------


@dataclass(slots=True)
class Found:
    """A listing an alert has found: the specific page and, for matches, the percentage."""

    page: Any
    percent: int | None = None


@dataclass(slots=True)
class Lookup:
    """What a run found for one alert; ``unavailable`` when the engine could not answer."""

    found: list[Found]
    unavailable: bool = False


def new_since(alert: Alert) -> dt.datetime:
    """Return the publication time after which a listing is new to an alert."""
    last = alert.last_run_at or alert.created_at
    return max(alert.created_at, last - LOOKBACK)


def match_threshold() -> float:
    """Return the match percentage a listing's new match must reach (the site's threshold)."""
    return float(getattr(settings, "JIEBANG_MATCH_MIN_SCORE", 60))


def alert_new_listings(alert: Alert) -> Lookup:
    """Return the public listings taking bids, first published since the alert last ran,
    that it finds and has not delivered yet, without the member's own organisations'."""
    since = new_since(alert)
    if alert.is_match_subscription:
        lookup = _new_matches(alert, since)
    else:
        lookup = _new_search_results(alert, since)
    delivered = set(alert.hits.values_list("listing_id", flat=True))
    own = active_organisation_ids(alert.user)
    lookup.found = [
        f
        for f in lookup.found
        if f.page.pk not in delivered
        and f.page.organisation_id not in own
        and lifecycle.accepts_bids(f.page)
    ]
    return lookup


def _new_search_results(alert: Alert, since: dt.datetime) -> Lookup:
    params = {**query_params(alert), "sort": "newest"}
    found: list[Found] = []
    for number in range(1, MAX_PAGES + 1):
        search = catalogue_search(alert.kind, {**params, "page": str(number)})
        if search.unavailable:
            # The database fallback answers q differently: try again on the next run.
            return Lookup([], unavailable=True)
        if search.errors or search.form.errors:  # e.g. a taxonomy value since deleted
            return Lookup([])
        pages = [item.page for item in search.items]
        found += [Found(p) for p in pages if p.first_published_at and p.first_published_at >= since]
        older = any(p.first_published_at and p.first_published_at < since for p in pages)
        if older or len(pages) < PAGE_SIZE or not search.page_obj.has_next():
            break
    return Lookup(found)


def _new_matches(alert: Alert, since: dt.datetime) -> Lookup:
    listing = alert.listing.specific
    if not (lifecycle.is_listing(listing) and lifecycle.is_public(listing)):
        return Lookup([])
    if not is_member_of(alert.user, listing.organisation_id):  # left the organisation
        return Lookup([])
    matches = listing_matches(listing, limit=MATCHES_READ)
    if matches.unavailable:
        return Lookup([], unavailable=True)
    threshold = match_threshold()
    return Lookup(
        [
            Found(m.page, m.percent)
            for m in matches.listings
            if m.percent >= threshold
            and m.page.first_published_at
            and m.page.first_published_at >= since
        ]
    )
