"""Reads of the search layer for pages and the API: catalogue search and matches.

The engine only ranks. Every hit is re-read through the public selectors of
``cms`` (live pages in public states) and shown from the database row, so a
stale index can never bring back an unpublished or withdrawn listing, nor an
outdated text. When the engine fails, callers get the database listing and a
flag saying the engine is unavailable; pages keep serving.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, Case, Count, F, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from cms import lifecycle
from cms.models import DemandPage, ListingPage, Stage
from cms.selectors import CatalogueResult, catalogue_filter, demand_list, technology_list
from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField
from marketplace.organisations.districts import District
from marketplace.organisations.permissions import is_curator, is_member_of
from search import analysis, matching
from search.backends import get_search_backend
from search.backends.base import SearchQuery, highlight_document, search_terms, today
from search.documents import (
    BUDGET_BANDS,
    NEGOTIABLE_BAND,
    Kind,
    ListingDocument,
    document_from_page,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
MAX_PAGE = 500
SUMMARY_CHARS = 120
POPULAR_KEYWORDS = 10
HINTS_SHOWN = 6
MATCHES_SHOWN = 10
# Candidates fetched per match shown: some drop out on the database re-check,
# and the organisations are ranked from the same candidates.
MATCH_CANDIDATE_FACTOR = 3
ORGANISATIONS_SHOWN = 5

ENGINE_UNAVAILABLE = _(
    "搜索引擎暂时不可用，下面按发布时间列出符合筛选条件的项目（关键词只匹配标题和关键词）。"
)
INVALID_BAND = _("预算/报价区间的取值无效。")
INVALID_SORT = _("排序方式无效，已按默认顺序排列。")
MATCHING_UNAVAILABLE = _("匹配服务暂时不可用，请稍后再试。")


# -- facets ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FacetSpec:
    """A facet: its query-string parameter (as in the filter form and the API) and engine field."""

    param: str
    field: str
    label: Any
    kinds: tuple[str, ...] = ("demand", "technology")


FACET_SPECS: tuple[FacetSpec, ...] = (
    FacetSpec("industry_chain", "industry_chain", _("产业链")),
    FacetSpec("technology_field", "tech_field", _("技术领域")),
    FacetSpec("district", "district", _("区县")),
    FacetSpec("stage", "maturity", _("成熟度"), kinds=("technology",)),
    FacetSpec("cooperation_mode", "cooperation_modes", _("合作方式")),
    FacetSpec("budget_band", "budget_band", _("预算/报价区间")),
    FacetSpec("status", "status", _("状态")),
)
BUDGET_BAND_CHOICES: list[tuple[str, Any]] = [
    *((code, label) for code, _lower, label in BUDGET_BANDS),
    (NEGOTIABLE_BAND, _("面议")),
]


def facet_specs(kind: Kind) -> list[FacetSpec]:
    """Return the facets of a catalogue, in display order."""
    return [s for s in FACET_SPECS if kind in s.kinds]


def public_listings(kind: Kind) -> QuerySet:
    """Return the public selector of a listing kind."""
    return demand_list() if kind == "demand" else technology_list()


def facet_labels(kind: Kind) -> dict[str, dict[str, str]]:
    """Return the display label of every facet value, per facet parameter."""
    statuses = lifecycle.STATUSES[kind].choices

    def names(model) -> dict[str, str]:
        # Taxonomies change rarely; a minute of staleness saves three queries a page.
        key = f"jiebang-search:labels:{model._meta.label_lower}"
        found = cache.get(key)
        if found is None:
            found = dict(model.objects.values_list("slug", "name"))
            cache.set(key, found, 60)
        return found

    return {
        "industry_chain": names(IndustryChain),
        "technology_field": names(TechnologyField),
        "district": {k: str(v) for k, v in District.choices},
        "stage": {k: str(v) for k, v in Stage.choices},
        "cooperation_mode": names(CooperationMode),
        "budget_band": {k: str(v) for k, v in BUDGET_BAND_CHOICES},
        "status": {k: str(v) for k, v in statuses},
    }


def budget_amount(kind: Kind):
    """Return an expression of the amount a listing's band is read from (None: negotiable)."""
    # The same rule as search.documents: a demand's budget top (or bottom), a
    # technology's asking price when fixed.
    if kind == "demand":
        return Case(
            When(budget_kind="negotiable", then=Value(None)),
            default=Coalesce("budget_max", "budget_min"),
            output_field=BigIntegerField(),
        )
    return Case(
        When(price_kind="fixed", then=F("asking_price")),
        default=Value(None),
        output_field=BigIntegerField(),
    )


def with_budget_band(queryset: QuerySet, kind: Kind) -> QuerySet:
    """Return ``queryset`` annotated with ``budget_band``, the band code of its amount."""
    bands = [
        When(budget_amount_value__gte=lower, then=Value(code))
        for code, lower, _label in reversed(BUDGET_BANDS)
    ]
    return queryset.alias(budget_amount_value=budget_amount(kind)).annotate(
        budget_band=Case(
            When(budget_amount_value__isnull=True, then=Value(NEGOTIABLE_BAND)),
            *bands,
            default=Value(BUDGET_BANDS[0][0]),
        )
    )


def filter_budget_band(queryset: QuerySet, kind: Kind, band: str) -> QuerySet:
    """Return the listings of ``queryset`` whose budget or price falls in ``band``."""
    return with_budget_band(queryset, kind).filter(budget_band=band)


_DB_FACET_COLUMNS = {
    "industry_chain": "industry_chain__slug",
    "technology_field": "technology_field__slug",
    "district": "district",
    "stage": "stage",
    "cooperation_mode": "cooperation_modes__slug",
    "budget_band": "budget_band",
    "status": "status",
}


def database_facet_counts(queryset: QuerySet, kind: Kind) -> dict[str, list[tuple[str, int]]]:
    """Return the facet counts of a listing queryset, counted by the database."""
    counts = {}
    for spec in facet_specs(kind):
        qs = queryset.order_by()  # an ordering column would join the GROUP BY
        if spec.param == "budget_band":
            qs = with_budget_band(qs, kind)
        column = _DB_FACET_COLUMNS[spec.param]
        rows = (
            qs.exclude(**{f"{column}__isnull": True})
            .exclude(**{column: ""})
            .values(column)
            .annotate(n=Count("pk", distinct=True))
            .order_by("-n", column)
        )
        counts[spec.param] = [(row[column], row["n"]) for row in rows]
    return counts


def engine_facet_counts(facets: Mapping[str, list[tuple[str, int]]], kind: Kind):
    """Return the engine's facet counts keyed by facet parameter."""
    counts = {}
    for spec in facet_specs(kind):
        pairs = [(v, n) for v, n in facets.get(spec.field, []) if n]
        counts[spec.param] = sorted(pairs, key=lambda p: (-p[1], p[0]))
    return counts


@dataclass(slots=True)
class FacetChoice:
    """One value of a facet: its count and the link that selects or clears it."""

    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass(slots=True)
class Facet:
    """A facet with its values, the selected one first."""

    param: str
    label: Any
    choices: list[FacetChoice]
    selected: FacetChoice | None = None


def query_url(params: Mapping[str, str], **changes: str | None) -> str:
    """Return ``?…`` for ``params`` with ``changes`` applied (None removes), page reset."""
    merged = {k: v for k, v in params.items() if k != "page"}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return "?" + urlencode(merged)


def build_facets(
    kind: Kind, counts: Mapping[str, list[tuple[str, int]]], params: Mapping[str, str]
) -> list[Facet]:
    """Return the facets to render, each value linking to the narrowed (or widened) listing."""
    labels = facet_labels(kind)
    facets = []
    for spec in facet_specs(kind):
        current = params.get(spec.param)
        choices = []
        for value, count in counts.get(spec.param, []):
            selected = value == current
            url = query_url(params, **{spec.param: None if selected else value})
            label = labels[spec.param].get(value, value)
            choices.append(FacetChoice(value, label, count, selected, url))
        if current and not any(c.selected for c in choices):
            label = labels[spec.param].get(current, current)
            choices.append(
                FacetChoice(current, label, 0, True, query_url(params, **{spec.param: None}))
            )
        choices.sort(key=lambda c: not c.selected)
        selected = next((c for c in choices if c.selected), None)
        if choices:
            facets.append(Facet(spec.param, spec.label, choices, selected))
    return facets


# -- sort and the open-only default ---------------------------------------------------

SORT_LABELS: dict[str, Any] = {
    "relevance": _("相关度"),
    "newest": _("最新发布"),
    "deadline": _("截止时间最近"),
    "budget": _("金额最高"),
}
# With a query and another sort than relevance, this many of the engine's best
# hits are re-ordered by the database (the engine has no publication date).
SORT_LIMIT = 1000
CLOSED_PARAM = "closed"


def sort_codes(kind: Kind, text: str) -> list[str]:
    """Return the sorts a catalogue offers: relevance only with a query, deadline for demands."""
    codes = ["relevance"] if text else []
    codes.append("newest")
    if kind == "demand":
        codes.append("deadline")
    codes.append("budget")
    return codes


def chosen_sort(kind: Kind, text: str, params: Mapping[str, str]) -> tuple[str, bool]:
    """Return the sort to apply and whether the requested one was valid."""
    requested = params.get("sort", "")
    default = "relevance" if text else "newest"
    if not requested:
        return default, True
    if requested == "relevance" and not text:  # nothing to rank by: the default order
        return default, True
    if requested in sort_codes(kind, text):
        return requested, True
    return default, False


def sorted_listings(queryset: QuerySet, kind: Kind, sort: str) -> QuerySet:
    """Return ``queryset`` in the database order of ``sort`` (newest for relevance)."""
    if sort == "deadline" and kind == "demand":
        return queryset.order_by(F("bid_deadline").asc(nulls_last=True), "-pk")
    if sort == "budget":
        return queryset.alias(sort_amount=budget_amount(kind)).order_by(
            F("sort_amount").desc(nulls_last=True), "-first_published_at", "-pk"
        )
    return queryset.order_by("-first_published_at", "-pk")


def shows_closed(params: Mapping[str, str]) -> bool:
    """Return whether listings that take no bids are shown (asked for, or a status chosen)."""
    return params.get(CLOSED_PARAM) == "1" or bool(params.get("status"))


def shown_listings(kind: Kind, open_only: bool) -> QuerySet:
    """Return the public listings, only those taking bids when ``open_only`` (cms.lifecycle)."""
    queryset = public_listings(kind)
    return queryset.filter(lifecycle.accepting_q(kind)) if open_only else queryset


@dataclass(slots=True)
class SortChoice:
    """One way to order the results, with the link that applies it."""

    value: str
    label: Any
    url: str
    selected: bool


# -- catalogue search ----------------------------------------------------------------


@dataclass(slots=True)
class ResultItem:
    """A listing as a search result: the database page and its marked-up title and summary."""

    page: ListingPage
    title_html: SafeString
    summary_html: SafeString
    score: float | None = None


@dataclass(slots=True)
class Hint:
    """A suggested query or link on the page shown when nothing matched."""

    label: str
    url: str
    count: int | None = None


@dataclass(slots=True)
class NoResultHelp:
    """What to try when nothing matched: fewer filters, related terms, popular keywords."""

    without_filters: Hint | None = None
    with_closed: Hint | None = None
    removable: list[Hint] = field(default_factory=list)
    terms: list[Hint] = field(default_factory=list)
    popular: list[Hint] = field(default_factory=list)


@dataclass(slots=True)
class CatalogueSearch:
    """One catalogue page: results, facets, pagination and the engine's state."""

    kind: Kind
    text: str
    form: Any
    items: list[ResultItem]
    page_obj: Page
    total: int
    facets: list[Facet]
    params: dict[str, str]
    querystring: str
    engine_used: bool = False
    unavailable: bool = False
    notice: Any = ""
    help: NoResultHelp | None = None
    errors: list[Any] = field(default_factory=list)
    sort: str = "newest"
    sorts: list[SortChoice] = field(default_factory=list)
    #: Listings that take no bids (closed, awarded, past the deadline…) are shown.
    include_closed: bool = False
    closed_url: str = ""

    @property
    def offers_closed(self) -> bool:
        """Return whether this catalogue has public listings that take no bids to switch on."""
        kind = self.kind
        return self.kind == "demand" or bool(
            lifecycle.PUBLIC_STATES[kind] - lifecycle.BIDDING_STATES[kind]
        )

    @property
    def has_filters(self) -> bool:
        """Return whether any facet narrows the listing."""
        return any(self.params.get(s.param) for s in facet_specs(self.kind))


class _Window:
    """The hits of one page posing as the whole result list, for Django's Paginator."""

    def __init__(self, total: int, items: list) -> None:
        self.total, self.items = total, items

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key):
        return self.items


def summary_text(page: ListingPage) -> str:
    """Return the plain public text a result shows under its title."""
    if isinstance(page, DemandPage):
        return strip_tags(page.problem or "").strip()
    return page.summary or strip_tags(getattr(page, "description", "") or "").strip()


def plain_item(page: ListingPage) -> ResultItem:
    """Return a result without highlighting (database listing)."""
    summary = Truncator(summary_text(page)).chars(SUMMARY_CHARS)
    return ResultItem(page, escape(page.title), escape(summary))


def highlighted_item(page: ListingPage, kind: Kind, terms, score: float) -> ResultItem:
    """Return a result with the query's words marked in the database's current text."""
    doc = ListingDocument(kind=kind, id=str(page.pk), title=page.title, summary=summary_text(page))
    marks = highlight_document(doc, terms)
    # analysis.highlight escapes the text and adds only <mark> tags.
    return ResultItem(page, mark_safe(marks["title"]), mark_safe(marks["summary"]), score)


def current_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Return the non-empty single-valued query parameters."""
    return {k: str(params.get(k)).strip() for k in params if str(params.get(k) or "").strip()}


def page_number(params: Mapping[str, str]) -> int:
    """Return the requested page number, clamped to 1…MAX_PAGE."""
    try:
        return min(max(int(params.get("page", 1)), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def fetch_in_order(queryset: QuerySet, ids: list[str]) -> list[ListingPage]:
    """Return the pages of ``queryset`` with these ids, in the ids' order, missing ones dropped."""
    by_id = {str(p.pk): p for p in queryset.filter(pk__in=[int(i) for i in ids if i.isdigit()])}
    return [by_id[i] for i in ids if i in by_id]


def engine_filters(
    kind: Kind, params: Mapping[str, str], *, open_only: bool = False
) -> dict[str, Any]:
    """Return the engine filters of the selected facets (public statuses by default).

    ``open_only``: only listings in a bidding status (cms.lifecycle.BIDDING_STATES)
    and, for demands, not past their deadline; the database re-check applies
    ``lifecycle.accepting_q`` to the hour.
    """
    statuses = lifecycle.PUBLIC_STATES[kind]
    if open_only:
        statuses = statuses & lifecycle.BIDDING_STATES[kind]
    filters: dict[str, Any] = {"status": sorted(statuses)}
    if open_only and kind == "demand":
        filters["deadline__gte_or_missing"] = today()
    for spec in facet_specs(kind):
        value = params.get(spec.param)
        if value:
            filters[spec.field] = [value]
    return filters


def catalogue_search(
    kind: Kind, params: Mapping[str, Any], *, filtered: CatalogueResult | None = None
) -> CatalogueSearch:
    """Return a catalogue page: ranked by the engine for a query, by date otherwise.

    Only listings that take bids are shown unless ``closed=1`` or a status is chosen;
    ``sort`` orders by relevance (with a query), newest, deadline (demands) or amount.
    """
    params = current_params(params)
    filtered = filtered or catalogue_filter(lifecycle.listing_model(kind), params)
    band = params.get("budget_band")
    form = filtered.form
    valid = (not form.is_bound or form.is_valid()) and (
        not band or band in dict(BUDGET_BAND_CHOICES)
    )
    text = form.cleaned_data.get("q", "") if valid and form.is_bound else ""
    if valid and text:
        try:
            search = engine_search(kind, text, params, filtered)
        except Exception:  # any engine failure: say so and serve the database listing
            logger.exception("search: catalogue search failed; serving the database listing")
            search = database_search(kind, params, filtered, valid=valid, unavailable=True)
    else:
        search = database_search(kind, params, filtered, valid=valid)
    return with_result_tools(search, params)


def with_result_tools(search: CatalogueSearch, params: dict[str, str]) -> CatalogueSearch:
    """Return ``search`` with its sort links and the closed-listings switch."""
    ranked = search.text if search.engine_used else ""
    search.sorts = [
        SortChoice(code, SORT_LABELS[code], query_url(params, sort=code), code == search.sort)
        for code in sort_codes(search.kind, ranked)
    ]
    search.include_closed = shows_closed(params)
    search.closed_url = query_url(params, **{CLOSED_PARAM: None if search.include_closed else "1"})
    return search


def engine_search(
    kind: Kind, text: str, params: dict[str, str], filtered: CatalogueResult
) -> CatalogueSearch:
    """Return the engine's ranking of ``text`` under the selected facets, re-checked in the database."""
    backend = get_search_backend()
    number = page_number(params)
    sort, sort_ok = chosen_sort(kind, text, params)
    open_only = not shows_closed(params)
    by_relevance = sort == "relevance"
    query = SearchQuery(
        kind=kind,
        text=text,
        filters=engine_filters(kind, params, open_only=open_only),
        facets=[s.field for s in facet_specs(kind)],
        page=number if by_relevance else 1,
        page_size=PAGE_SIZE if by_relevance else SORT_LIMIT,
        highlight=False,
        ids_only=True,
    )
    results = backend.search(query)
    last = max((results.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if by_relevance and number > last:
        query.page = number = last
        results = backend.search(query)
    ids = [hit.id for hit in results.hits]
    scores = {hit.id: hit.score for hit in results.hits}
    terms = search_terms(text)
    shown = shown_listings(kind, open_only)
    if by_relevance:
        pages = fetch_in_order(shown, ids)
        items = [highlighted_item(p, kind, terms, scores[str(p.pk)]) for p in pages]
        # Hits the database no longer shows (a stale index) are left out of the total too.
        total = max(results.total - (len(ids) - len(pages)), 0)
        page_obj = Paginator(_Window(total, items), PAGE_SIZE).get_page(number)
    else:
        # The engine's best SORT_LIMIT hits, ordered and paged by the database.
        matched = shown.filter(pk__in=[int(i) for i in ids if i.isdigit()])
        page_obj = Paginator(sorted_listings(matched, kind, sort), PAGE_SIZE).get_page(number)
        items = [highlighted_item(p, kind, terms, scores[str(p.pk)]) for p in page_obj]
        total = page_obj.paginator.count
    search = CatalogueSearch(
        kind=kind,
        text=text,
        form=filtered.form,
        items=items,
        page_obj=page_obj,
        total=total,
        facets=build_facets(kind, engine_facet_counts(results.facets, kind), params),
        params=params,
        querystring=query_url(params)[1:],
        engine_used=True,
        errors=[] if sort_ok else [INVALID_SORT],
        sort=sort,
    )
    if not total:
        search.help = no_result_help(kind, text, params, backend)
    return search


def database_search(
    kind: Kind,
    params: dict[str, str],
    filtered: CatalogueResult,
    *,
    valid: bool,
    unavailable: bool = False,
) -> CatalogueSearch:
    """Return the database listing in the chosen order, with facet counts from the database."""
    queryset = filtered.queryset
    band = params.get("budget_band")
    if valid and band:
        queryset = filter_budget_band(queryset, kind, band)
    elif not valid:
        queryset = queryset.none()
    if not shows_closed(params):
        queryset = queryset.filter(lifecycle.accepting_q(kind))
    sort, sort_ok = chosen_sort(kind, "", params)
    queryset = sorted_listings(queryset, kind, sort)
    page_obj = Paginator(queryset, PAGE_SIZE).get_page(page_number(params))
    items = [plain_item(p) for p in page_obj.object_list]
    errors = [] if not band or band in dict(BUDGET_BAND_CHOICES) else [INVALID_BAND]
    if not sort_ok and params.get("sort") != "relevance":
        errors.append(INVALID_SORT)
    text = params.get("q", "")
    search = CatalogueSearch(
        kind=kind,
        text=text,
        form=filtered.form,
        items=items,
        page_obj=page_obj,
        total=page_obj.paginator.count,
        facets=build_facets(kind, database_facet_counts(queryset, kind), params) if valid else [],
        params=params,
        querystring=query_url(params)[1:],
        unavailable=unavailable,
        notice=ENGINE_UNAVAILABLE if unavailable else "",
        errors=errors,
        sort=sort,
    )
    if valid and not search.total and (text or search.has_filters or not shows_closed(params)):
        search.help = no_result_help(kind, text, params, None)
    return search


# -- help when nothing matches ----------------------------------------------------------


def popular_keywords(kind: Kind, limit: int = POPULAR_KEYWORDS) -> list[str]:
    """Return the keywords most used by the newest public listings (cached ten minutes)."""
    key = f"jiebang-search:popular:{kind}:{limit}"
    found = cache.get(key)
    if found is None:
        counter: dict[str, int] = {}
        for keywords in public_listings(kind).values_list("keywords", flat=True)[:500]:
            for word in re.split(r"[,，、;；\s]+", keywords or ""):
                if word:
                    counter[word] = counter.get(word, 0) + 1
        found = [w for w, _n in sorted(counter.items(), key=lambda p: (-p[1], p[0]))[:limit]]
        cache.set(key, found, 600)
    return found


def synonym_groups() -> dict[str, set[str]]:
    """Return every term of the analyser's synonym list mapped to its whole group."""
    groups: dict[str, set[str]] = {}
    for variant, canonical in analysis.synonyms().items():
        groups.setdefault(canonical, {canonical}).add(variant)
    return {term: group for group in groups.values() for term in group}


def vocabulary() -> set[str]:
    """Return the domain terms the analyser knows: synonyms and the user dictionary."""
    terms = set(synonym_groups())
    path = analysis.DATA_DIR / "userdict.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            terms.add(analysis.normalise(line.split()[0]))
    return terms


def related_terms(kind: Kind, text: str, backend) -> list[str]:
    """Return terms worth trying instead: synonyms, close spellings, indexed completions."""
    normalised = analysis.normalise(text).strip()
    words = [w for w in dict.fromkeys(analysis.words(text)) if len(w) > 1]
    groups = synonym_groups()
    candidates: list[str] = []
    for word in words:
        candidates += sorted(groups.get(word, set()) - {word})
    known = vocabulary()
    for token in [normalised, *words]:
        if token not in known:
            candidates += difflib.get_close_matches(token, known, n=3, cutoff=0.6)
    if backend is not None:
        for end in range(len(normalised) - 1, 0, -1):
            completions = public_completions(kind, normalised[:end], HINTS_SHOWN, backend)
            if completions:
                candidates += completions
                break
    tried = {normalised, *words}
    return [c for c in dict.fromkeys(candidates) if c not in tried]


def public_completions(kind: Kind, prefix: str, limit: int, backend) -> list[str]:
    """Return the engine's completions of ``prefix`` that a public listing still contains.

    Completions are indexed titles and keywords: one of a listing withdrawn
    behind a stale index must not be offered, so each is kept only when a
    public listing among its own hits contains it.
    """
    candidates = backend.autocomplete(kind, prefix, limit=limit * 2)
    hits: dict[str, list[str]] = {}
    for term in candidates:
        query = SearchQuery(
            kind=kind,
            text=term,
            filters=engine_filters(kind, {}),
            page_size=10,
            highlight=False,
            ids_only=True,
        )
        hits[term] = [h.id for h in backend.search(query).hits]
    ids = {int(i) for found in hits.values() for i in found if i.isdigit()}
    texts = {
        str(pk): analysis.normalise(f"{title} {keywords}")
        for pk, title, keywords in public_listings(kind)
        .filter(pk__in=ids)
        .values_list("pk", "title", "keywords")
    }
    kept = [t for t in candidates if any(t in texts.get(i, "") for i in hits[t])]
    return kept[:limit]


def public_count(kind: Kind, text: str, filters: dict[str, Any], backend) -> int:
    """Return how many listings ``text`` finds, less the first page's hits the database hides."""
    query = SearchQuery(
        kind=kind, text=text, filters=filters, page_size=10, highlight=False, ids_only=True
    )
    results = backend.search(query)
    ids = [h.id for h in results.hits]
    shown = public_listings(kind).filter(pk__in=[int(i) for i in ids if i.isdigit()]).count()
    return max(results.total - (len(ids) - shown), 0) if shown else 0


def closed_count(kind: Kind, params: Mapping[str, str]) -> int:
    """Return how many public listings the filters of ``params`` find with closed ones included."""
    filtered = catalogue_filter(lifecycle.listing_model(kind), params)
    queryset = filtered.queryset
    band = params.get("budget_band")
    if band:
        queryset = filter_budget_band(queryset, kind, band)
    return queryset.count()


def no_result_help(kind: Kind, text: str, params: dict[str, str], backend) -> NoResultHelp:
    """Return what to suggest when a search or filter found nothing."""
    help = NoResultHelp()
    open_only = not shows_closed(params)
    if open_only:
        count = None
        if backend is not None and text:
            count = public_count(kind, text, engine_filters(kind, params), backend)
        elif backend is None:
            count = closed_count(kind, params)
        if count != 0:
            help.with_closed = Hint(
                str(_("包括已截止、已结束的项目")), query_url(params, **{CLOSED_PARAM: "1"}), count
            )
    selected = [s for s in facet_specs(kind) if params.get(s.param)]
    if selected:
        count = None
        if backend is not None and text:
            count = public_count(kind, text, engine_filters(kind, {}, open_only=open_only), backend)
        keep = {k: v for k, v in params.items() if k not in {s.param for s in selected}}
        if count != 0:  # no point suggesting a wider search that finds nothing either
            help.without_filters = Hint(str(_("去掉全部筛选条件")), query_url(keep), count)
        labels = facet_labels(kind)
        for spec in selected:
            value = params[spec.param]
            label = f"{spec.label}：{labels[spec.param].get(value, value)}"
            help.removable.append(Hint(label, query_url(params, **{spec.param: None})))
    if text:
        for term in related_terms(kind, text, backend):
            count = None
            if backend is not None:
                filters = engine_filters(kind, params, open_only=open_only)
                count = public_count(kind, term, filters, backend)
                if not count:
                    continue
            help.terms.append(Hint(term, query_url(params, q=term), count))
            if len(help.terms) >= HINTS_SHOWN:
                break
    keep = {k: v for k, v in params.items() if k not in ("q", "page")}
    help.popular = [Hint(w, query_url(keep, q=w)) for w in popular_keywords(kind)]
    return help


# -- autocomplete --------------------------------------------------------------------------


def autocomplete(kind: Kind, prefix: str, limit: int = 8) -> list[str]:
    """Return public listings' keywords and titles starting with ``prefix`` (engine errors propagate)."""
    prefix = (prefix or "").strip()[:100]
    if not prefix:
        return []
    return public_completions(kind, prefix, limit, get_search_backend())


# -- matches ------------------------------------------------------------------------------


@dataclass(slots=True)
class ListingMatch:
    """A counterpart listing (public fields only) with its score and the reasons for it."""

    page: ListingPage
    score: float  # the engine's ranking score, relative to the best candidate (not shown)
    explanation: str
    shared_terms: list[str]
    criteria: list[dict[str, str]]
    percent: int = (
        0  # the match score (0–100) the list is sorted by (search.matching.Match.percent)
    )
    reasons: list[str] = field(default_factory=list)  # why, one sentence each


@dataclass(slots=True)
class OrganisationMatch:
    """A counterpart organisation, ranked by its best-fitting listing."""

    organisation: Any
    best: ListingMatch
    listing_count: int

    @property
    def score(self) -> float:
        """Return the score of the organisation's best listing."""
        return self.best.score

    @property
    def percent(self) -> int:
        """Return the best listing's score on a 0–100 scale."""
        return self.best.percent


@dataclass(slots=True)
class Matches:
    """The listings and organisations that best fit a listing."""

    source_kind: Kind
    target_kind: Kind
    listings: list[ListingMatch] = field(default_factory=list)
    organisations: list[OrganisationMatch] = field(default_factory=list)
    unavailable: bool = False
    notice: Any = ""


def can_see_matches(user, listing: ListingPage) -> bool:
    """Return whether ``user`` may see a listing's matches: its organisation's members and curators."""
    return is_curator(user) or is_member_of(user, listing.organisation_id)


def available_targets(kind: Kind) -> QuerySet:
    """Return the public listings of ``kind`` that can still be proposed as a match (take bids)."""
    return (
        public_listings(kind)
        .prefetch_related("cooperation_modes")
        .filter(lifecycle.accepting_q(kind))
    )


def wanted_organisation(organisation, target_kind: Kind) -> bool:
    """Return whether an organisation is of the kind proposed for a match: research or enterprise."""
    return organisation.is_research if target_kind == "technology" else organisation.is_enterprise


def listing_matches(
    listing: ListingPage, *, limit: int = MATCHES_SHOWN, min_score: float | None = None
) -> Matches:
    """Return the best counterparts of a listing: listings and organisations, best first.

    Only matches scoring at least ``min_score`` (default: the one threshold,
    ``matching.min_score()``); the list is ordered by that same score.
    """
    listing = listing.specific
    source = document_from_page(listing)
    target = matching.other_kind(source.kind)
    result = Matches(source_kind=source.kind, target_kind=target)
    threshold = matching.min_score() if min_score is None else min_score
    try:
        found = matching.match(
            source,
            limit=limit * MATCH_CANDIDATE_FACTOR,
            filters={"organisation_id__not_in": [str(listing.organisation_id)]},
        )
        pages = fetch_in_order(available_targets(target), [m.document.id for m in found])
        by_id = {m.document.id: m for m in found}
        names = facet_labels(target)
        shown = matching.cap_scores([by_id[str(page.pk)] for page in pages])
        for m in shown:
            m.names = names
        ranked = [
            listing_match(page, m)
            for page, m in zip(pages, shown, strict=True)
            if m.percent >= threshold
        ]
    except Exception:  # the listing page must keep serving without its matches
        logger.exception("search: matching failed for %s %s", source.kind, listing.pk)
        result.unavailable, result.notice = True, MATCHING_UNAVAILABLE
        return result
    result.listings = ranked[:limit]
    result.organisations = organisation_matches(ranked, target)
    return result


def listing_match(page: ListingPage, found: matching.Match) -> ListingMatch:
    """Return a displayed match from the engine's match and the database page."""
    criteria = [
        {"code": c.code, "label": matching.criterion_sentence(c, found.names)}
        for c in found.criteria
    ]
    return ListingMatch(
        page,
        found.score,
        str(found.explanation),
        list(found.shared_terms),
        criteria,
        found.percent,
        found.reasons,
    )


def organisation_matches(ranked: list[ListingMatch], target: Kind) -> list[OrganisationMatch]:
    """Return the organisations behind ranked matches, each scored by its best listing."""
    best: dict[int, OrganisationMatch] = {}
    for item in ranked:
        organisation = item.page.organisation
        if not wanted_organisation(organisation, target):
            continue
        if organisation.pk in best:
            best[organisation.pk].listing_count += 1
        else:
            best[organisation.pk] = OrganisationMatch(organisation, item, 1)
    return list(best.values())[:ORGANISATIONS_SHOWN]
