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

# The match score (0–100) is the one number people see, every list is sorted by
# and the threshold compares (docs/search.md, "One match score"). A pair's quality
# is how much of what the demand says the technology also says
# (``demand_coverage``, from the demand's side in both directions), lifted by the
# criteria met, through a logistic curve: bounded, saturating, 50 at
# QUALITY_MIDPOINT. Lists keep the engine's relevance order (text × criteria, what
# matchbench measures) and a candidate's score is its quality capped by the scores
# above it, so the score never rises down a list: sorting by it is the same order.
# Calibrated with bench/calibrate_percent.py on matchbench and the demo catalogue.
QUALITY_MIDPOINT = 0.25
QUALITY_SLOPE = 0.12
# The threshold when settings.JIEBANG_MATCH_MIN_SCORE is unset.
DEFAULT_MIN_SCORE = 60.0

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
    """One structured compatibility criterion that both listings meet.

    ``values`` are what was compared (demand's, technology's): slugs, codes or yuan,
    turned into a sentence by ``Match.reasons``.
    """

    code: str
    label: Any
    values: tuple[Any, ...] = ()


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
    # The lowest quality among the candidates ranked above (set by ``match``).
    ceiling: float = 1.0
    # Display names of slugs per facet (industry_chain, technology_field,
    # cooperation_mode) for the reasons; slugs are shown when missing.
    names: Mapping[str, Mapping[str, str]] | None = field(default=None, repr=False)
    _words: frozenset[str] | None = field(default=None, repr=False)

    @property
    def shared_terms(self) -> list[str]:
        """Return the query's highest-weighted key terms that the matched listing shares.

        Only real terms (``analysis.is_key_term``): no generic words, units or numbers.
        """
        # Computed on first use: it re-analyses the listing, which ranking never needs.
        if self._words is None:
            self._words = frozenset(analysis.words(self.document.full_text()))
        shared = [w for w in self.query_weights if w in self._words and analysis.is_key_term(w)]
        return shared[:SHARED_TERMS_SHOWN]

    @property
    def coverage(self) -> float:
        """Return how much of the demand's wording the technology shares (0–1)."""
        if self.source is None:
            return 0.0
        return demand_coverage(*_demand_and_technology(self.source, self.document))

    @property
    def quality(self) -> float:
        """Return the pair's own quality (0–1): demand coverage lifted by the criteria."""
        return pair_quality(self.coverage, self.compatibility)

    @property
    def rating(self) -> float:
        """Return the match score as a fraction (0–1): the quality, capped by better-ranked ones."""
        return min(self.quality, self.ceiling)

    @property
    def percent(self) -> int:
        """Return the match score (0–100): shown, sorted by and compared with the threshold."""
        return round(100 * self.rating)

    @property
    def reasons(self) -> list[str]:
        """Return why the two listings match, one short sentence each (shared terms first)."""
        found = []
        if self.shared_terms:
            found.append(str(format_lazy(_("共同关键词：{}"), "、".join(self.shared_terms))))
        found.extend(criterion_sentence(c, self.names) for c in self.criteria)
        return found

    @property
    def explanation(self) -> Any:
        """Return the reasons as one line a person can read."""
        return "；".join(self.reasons) or _("文本内容相近")


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

    def add(code: str, ok: bool, *values: Any) -> None:
        if ok:
            met.append(Criterion(code, CRITERION_LABELS[code], values))

    add(
        "tech_field",
        bool(demand.tech_field) and demand.tech_field == tech.tech_field,
        demand.tech_field,
    )
    add(
        "industry_chain",
        bool(demand.industry_chain) and demand.industry_chain == tech.industry_chain,
        demand.industry_chain,
    )
    need, have = MATURITY_RANK.get(demand.maturity), MATURITY_RANK.get(tech.maturity)
    add(
        "maturity",
        need is not None and have is not None and have >= need,
        demand.maturity,
        tech.maturity,
    )
    modes = sorted(set(demand.cooperation_modes) & set(tech.cooperation_modes))
    add("cooperation_mode", bool(modes), *modes)
    add(
        "budget",
        demand.budget is not None and tech.budget is not None and demand.budget >= tech.budget,
        demand.budget,
        tech.budget,
    )
    add("district", bool(demand.district) and demand.district == tech.district, demand.district)
    add("deadline", demand.deadline is not None and demand.deadline >= today())
    return met


def _wan(yuan: Any) -> str:
    # 万元 with up to two decimals, trailing zeros dropped (500000 → 50, 125000 → 12.5).
    return f"{int(yuan) / 10000:.2f}".rstrip("0").rstrip(".")


def criterion_sentence(criterion: Criterion, names: Mapping[str, Mapping[str, str]] | None) -> str:
    """Return one criterion as a sentence with its values ("同属 高端装备 产业链")."""
    names = names or {}
    values = criterion.values

    def name(facet: str, slug: str) -> str:
        return names.get(facet, {}).get(slug, slug)

    code = criterion.code
    if code == "industry_chain" and values:
        return str(format_lazy(_("同属 {} 产业链"), name("industry_chain", values[0])))
    if code == "tech_field" and values:
        return str(format_lazy(_("同属 {} 技术领域"), name("technology_field", values[0])))
    if code == "maturity" and len(values) == 2:
        return str(
            format_lazy(
                _("成熟度 {} 满足需求的 {}以上"),
                maturity_label(values[1]),
                maturity_label(values[0]),
            )
        )
    if code == "cooperation_mode" and values:
        modes = "、".join(name("cooperation_mode", v) for v in values)
        return str(format_lazy(_("合作方式相符：{}"), modes))
    if code == "budget" and len(values) == 2:
        return str(format_lazy(_("预算 {} 万元覆盖报价 {} 万元"), _wan(values[0]), _wan(values[1])))
    if code == "district" and values:
        return str(format_lazy(_("同在 {}"), district_label(values[0])))
    return str(criterion.label)


def pair_quality(coverage: float, compatibility: float) -> float:
    """Return a pair's quality (0–1): a logistic curve of coverage lifted by the criteria."""
    lift = (1.0 + COMPATIBILITY_WEIGHT * compatibility) / (1.0 + COMPATIBILITY_WEIGHT)
    return 1.0 / (1.0 + math.exp(-(coverage * lift - QUALITY_MIDPOINT) / QUALITY_SLOPE))


def min_score() -> float:
    """Return the one match threshold (0–100): ``settings.JIEBANG_MATCH_MIN_SCORE``.

    Members see, the engine stores and the curators' queue shows only matches
    scoring at least this much (curators may ask the queue for lower ones).
    """
    from django.conf import settings

    return float(getattr(settings, "JIEBANG_MATCH_MIN_SCORE", DEFAULT_MIN_SCORE))


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
    return cap_scores(ranked)


def cap_scores(ranked: list[Match]) -> list[Match]:
    """Cap each match's score by those ranked above it, so the scores never rise down the list.

    Call it again on a list filtered after ``match`` (the shown list is what must agree).
    """
    ceiling = 1.0
    for m in ranked:
        m.ceiling = 1.0
        m.ceiling = ceiling = min(ceiling, m.rating)
    return ranked


@lru_cache(maxsize=512)
def _word_counts(text: str) -> Counter:
    # Numbers (indicator values, years) are rare in every catalogue, so their idf is
    # high, yet two listings about one problem seldom quote the same figures.
    # Units, generic words and stray fragments (analysis.is_key_term) say nothing either.
    return Counter(w for w in analysis.words(text) if analysis.is_key_term(w))


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


def district_label(code: str) -> str:
    """Return the display label of a district code (the code itself if unknown)."""
    from marketplace.organisations.districts import District

    return str(dict(District.choices).get(code, code))
