"""Two-way matching: demand → technologies and technology → demands.

A match's score is the text relevance of the whole listing (a more-like-this
query over the analyser's weighted terms, normalised so the best candidate
scores 1) raised by a bonus for structured compatibility: technology field,
industry chain, maturity against the need, cooperation mode, budget against
price, and district. The bonus only rewards criteria that are known on both
sides and met; unknown data is never penalised, so text alone decides when
the structured fields are empty. Demands whose deadline has passed or that no
longer accept bids are never proposed.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cms.lifecycle import BIDDING_STATES, LISTING_KINDS, STATUSES
from search import analysis
from search.analysis import WeightedTerms
from search.backends import get_search_backend
from search.backends.base import BaseSearchBackend, Hit, today
from search.documents import MATURITY_LEVELS, MATURITY_RANK, Kind, ListingDocument

# Query terms kept per token type; ~100 beat Elasticsearch-style caps of 25–40
# on matchbench, most of all for long technology → short demand queries.
MAX_QUERY_TERMS = 100
# Query terms found in more than this share of the target listings are left
# out: they barely move the ranking and dominate the query's cost (Tantivy
# must score every listing holding them). None keeps them all.
MAX_DF_RATIO: float | None = 0.1
# Candidates fetched by text before structured re-ranking, per result wanted.
CANDIDATE_FACTOR = 3
MIN_CANDIDATES = 30
# Largest relative lift structured compatibility can give a text score.
COMPATIBILITY_WEIGHT = 0.3
SHARED_TERMS_SHOWN = 5
# Extra weight of query terms that occur in the source's title or keywords.
SOURCE_TITLE_BOOST = 1.5
# Field boosts of the more-like-this query per target kind. Demands are short
# problem statements, so bigrams (robust to segmentation differences) weigh
# more there; technologies have titles and keywords worth a small extra.
FIELD_BOOSTS: dict[str, dict[str, float]] = {
    "technology": {"words": 1.0, "bigrams": 0.5, "title_words": 0.8, "keyword_words": 0.3},
    "demand": {"words": 1.0, "bigrams": 1.3, "title_words": 0.5, "keyword_words": 0.15},
}

# The match percentage shown to people and compared with the curators' threshold
# is absolute, unlike the ranking score (relative to the best candidate), and
# measured from the demand's side in both directions: how much of what the demand
# says the technology also says (``demand_coverage``: the demand's words weighted
# by sqrt(tf) × their specificity in general Chinese), counted as full at
# FULL_COVERAGE, lifted by the criteria as the ranking score is. Calibrated with
# bench/calibrate_percent.py on matchbench and on the demo catalogue (docs/search.md).
FULL_COVERAGE = 0.5

CRITERION_WEIGHTS: dict[str, float] = {
    "tech_field": 1.0,
    "industry_chain": 1.0,
    "maturity": 1.0,
    "cooperation_mode": 0.5,
    "budget": 0.5,
    "district": 0.25,
}
CRITERION_LABELS = {
    "tech_field": _("技术领域一致"),
    "industry_chain": _("同属一条产业链"),
    "maturity": _("成熟度满足需求"),
    "cooperation_mode": _("合作方式相符"),
    "budget": _("预算覆盖报价"),
    "district": _("位于同一区县"),
    "deadline": _("揭榜尚未截止"),
}
# Listings in these statuses are never proposed as a match: every status in which a
# listing takes no bids (cms.lifecycle). A filter of exclusions, not of the bidding
# statuses, so match_eval's documents (no status at all) stay matchable.
UNAVAILABLE_STATUSES: dict[str, list[str]] = {
    kind: sorted(set(STATUSES[kind].values) - BIDDING_STATES[kind]) for kind in LISTING_KINDS
}


@dataclass(frozen=True, slots=True)
class Criterion:
    """One structured compatibility criterion that both listings meet."""

    code: str
    label: Any


@dataclass(slots=True)
class Match:
    """A proposed counterpart for a listing, with the reasons for it."""

    document: ListingDocument
    score: float
    text_score: float
    compatibility: float
    criteria: list[Criterion] = field(default_factory=list)
    # The listing matched from, and the engine that matched it (for ``percent``).
    source: ListingDocument | None = field(default=None, repr=False)
    # The source's query words, best first, with their weights.
    query_weights: dict[str, float] = field(default_factory=dict, repr=False)
    _words: frozenset[str] | None = field(default=None, repr=False)

    @property
    def shared_terms(self) -> list[str]:
        """Return the query's highest-weighted words that the matched listing shares."""
        # Computed on first use: it re-analyses the listing, which ranking never needs.
        if self._words is None:
            self._words = frozenset(analysis.words(self.document.full_text()))
        shared = [w for w in self.query_weights if w in self._words and len(w) > 1]
        return shared[:SHARED_TERMS_SHOWN]

    @property
    def coverage(self) -> float:
        """Return how much of the demand's wording the technology shares (0–1)."""
        if self.source is None:
            return 0.0
        return demand_coverage(*_demand_and_technology(self.source, self.document))

    @property
    def percent(self) -> int:
        """Return the absolute match percentage (0–100), comparable across listings."""
        lift = (1.0 + COMPATIBILITY_WEIGHT * self.compatibility) / (1.0 + COMPATIBILITY_WEIGHT)
        return round(100 * min(1.0, self.coverage / FULL_COVERAGE * lift))

    @property
    def explanation(self) -> Any:
        """Return a sentence a person can read: shared terms and criteria met."""
        parts = []
        if self.shared_terms:
            parts.append(format_lazy(_("共同关键词：{}"), "、".join(self.shared_terms)))
        if self.criteria:
            labels = "、".join(str(c.label) for c in self.criteria)
            parts.append(format_lazy(_("符合条件：{}"), labels))
        if not parts:
            return _("文本内容相近")
        return format_lazy("{}；{}", *parts) if len(parts) == 2 else parts[0]


def other_kind(kind: Kind) -> Kind:
    """Return the kind of listing a ``kind`` listing is matched with."""
    return "technology" if kind == "demand" else "demand"


def _demand_and_technology(
    source: ListingDocument, target: ListingDocument
) -> tuple[ListingDocument, ListingDocument]:
    return (source, target) if source.kind == "demand" else (target, source)


def criteria_met(source: ListingDocument, target: ListingDocument) -> list[Criterion]:
    """Return the structured criteria both listings are known to meet."""
    demand, tech = _demand_and_technology(source, target)
    met = []

    def add(code: str, ok: bool) -> None:
        if ok:
            met.append(Criterion(code, CRITERION_LABELS[code]))

    add("tech_field", bool(demand.tech_field) and demand.tech_field == tech.tech_field)
    add(
        "industry_chain",
        bool(demand.industry_chain) and demand.industry_chain == tech.industry_chain,
    )
    need, have = MATURITY_RANK.get(demand.maturity), MATURITY_RANK.get(tech.maturity)
    add("maturity", need is not None and have is not None and have >= need)
    add("cooperation_mode", bool(set(demand.cooperation_modes) & set(tech.cooperation_modes)))
    add(
        "budget",
        demand.budget is not None and tech.budget is not None and demand.budget >= tech.budget,
    )
    add("district", bool(demand.district) and demand.district == tech.district)
    add("deadline", demand.deadline is not None and demand.deadline >= today())
    return met


def compatibility(criteria: list[Criterion]) -> float:
    """Return the weighted share of compatibility criteria met, in [0, 1]."""
    total = sum(CRITERION_WEIGHTS.values())
    return sum(CRITERION_WEIGHTS.get(c.code, 0.0) for c in criteria) / total


def availability_filters(kind: Kind) -> dict[str, Any]:
    """Return the filters that keep unavailable listings of ``kind`` out of matches."""
    filters: dict[str, Any] = {"status__not_in": UNAVAILABLE_STATUSES[kind]}
    if kind == "demand":
        filters["deadline__gte_or_missing"] = today()
    return filters


def match(
    source: ListingDocument,
    *,
    limit: int = 10,
    filters: Mapping[str, Any] | None = None,
    backend: BaseSearchBackend | None = None,
) -> list[Match]:
    """Return the best counterparts of ``source``, best first, with explanations."""
    backend = backend or get_search_backend()
    target = other_kind(source.kind)
    terms = backend.weighted_terms(target, source.full_text(), MAX_QUERY_TERMS, MAX_DF_RATIO)
    if SOURCE_TITLE_BOOST != 1.0 and (source.title or source.keywords):
        terms = boost_terms(terms, f"{source.title} {' '.join(source.keywords)}")
    # Without structured data on the source no criterion can reorder the text
    # ranking, so there is no point fetching extra candidates.
    wanted = max(limit * CANDIDATE_FACTOR, MIN_CANDIDATES) if has_criteria(source) else limit
    hits = backend.more_like_this(
        target,
        terms,
        filters={**availability_filters(target), **(filters or {})},
        limit=wanted,
        field_boosts=FIELD_BOOSTS[target],
    )
    ranked = rerank(source, hits)[:limit]
    weights = dict(terms.words)
    for m in ranked:
        m.query_weights = weights
        m.source = source
    return ranked


_NUMBER = re.compile(r"[\d.]+")


@lru_cache(maxsize=512)
def _word_counts(text: str) -> Counter:
    # Numbers (indicator values, years) are rare in every catalogue, so their idf is
    # high, yet two listings about one problem seldom quote the same figures.
    return Counter(w for w in analysis.words(text) if len(w) > 1 and not _NUMBER.fullmatch(w))


def demand_coverage(demand: ListingDocument, technology: ListingDocument) -> float:
    """Return how much of the demand's wording the technology's text contains (0–1).

    Each distinct word of the demand (numbers left out) weighs sqrt(tf) × how specific
    it is in general Chinese (``analysis.specificity``), never how frequent it is in
    either catalogue: catalogue statistics made a popular topic's words weigh little,
    so a demand in a well-supplied field looked uncovered (40 technologies on 激光焊接
    took one pair from 100 % to 36 %).
    """
    words = _word_counts(demand.full_text())
    found = _word_counts(technology.full_text())
    whole = part = 0.0
    for word, n in words.items():
        weight = math.sqrt(n) * analysis.specificity(word)
        whole += weight
        if word in found:
            part += weight
    return part / whole if whole else 0.0


def has_criteria(doc: ListingDocument) -> bool:
    """Return whether ``doc`` carries any data a compatibility criterion reads."""
    return bool(
        doc.tech_field
        or doc.industry_chain
        or doc.maturity
        or doc.cooperation_modes
        or doc.budget is not None
        or doc.district
    )


def boost_terms(terms: WeightedTerms, text: str) -> WeightedTerms:
    """Return ``terms`` with the weight of those occurring in ``text`` raised."""
    marked = analysis.analyse(text)
    words, grams = set(marked.words), set(marked.bigrams)

    def raise_(weights: dict[str, float], marked_terms: set[str]) -> dict[str, float]:
        return {
            t: w * (SOURCE_TITLE_BOOST if t in marked_terms else 1.0) for t, w in weights.items()
        }

    return dataclasses.replace(
        terms,
        words=raise_(terms.words, words),
        bigrams=raise_(terms.bigrams, grams),
        groups=(),
    )


def rerank(source: ListingDocument, hits: list[Hit]) -> list[Match]:
    """Return ``hits`` as matches ordered by text relevance lifted by compatibility."""
    if not hits:
        return []
    top = max(h.score for h in hits) or 1.0
    matches = []
    for hit in hits:
        met = criteria_met(source, hit.document)
        compat = compatibility(met)
        text = hit.score / top
        score = text * (1.0 + COMPATIBILITY_WEIGHT * compat)
        matches.append(Match(hit.document, score, text, compat, criteria=met))
    matches.sort(key=lambda m: m.score, reverse=True)
    return matches


def match_text(
    text: str,
    target: Kind,
    *,
    limit: int = 10,
    filters: Mapping[str, Any] | None = None,
    backend: BaseSearchBackend | None = None,
) -> list[Match]:
    """Return the listings of kind ``target`` that best answer free ``text``."""
    source = ListingDocument(kind=other_kind(target), id="", summary=text)
    return match(source, limit=limit, filters=filters, backend=backend)


def maturity_label(code: str) -> Any:
    """Return the display label of a maturity code (the code itself if unknown)."""
    return dict(MATURITY_LEVELS).get(code, code)
