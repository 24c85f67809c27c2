"""The search backend interface and the value types every backend speaks.

A backend keeps one index per listing kind (demand, technology): the two
catalogues differ in length and vocabulary, and BM25's length normalisation
and idf are only meaningful within one of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from search import analysis
from search.analysis import WeightedTerms
from search.documents import FACET_FIELDS, RANGE_FIELDS, Kind, ListingDocument

# Boosts of the token fields in a more-like-this query, tuned on matchbench
# (docs/search.md). One long field of words plus one of bigrams carries the
# score; short title and keyword fields add a little.
MLT_FIELD_BOOSTS: dict[str, float] = {
    "words": 1.0,
    "bigrams": 0.5,
    "title_words": 0.8,
    "keyword_words": 0.3,
}
# Only the best query words (by tf·idf) are also looked up in the short title
# and keyword fields: it bounds the number of clauses, which sets the latency.
SMALL_FIELD_TERMS = 30
# Boosts for short catalogue-search queries typed by a person.
SEARCH_FIELD_BOOSTS: dict[str, float] = {
    "words": 1.0,
    "bigrams": 0.5,
    "title_words": 2.0,
    "keyword_words": 1.0,
}
FILTER_OPS = ("in", "not_in", "gte", "lte", "gte_or_missing")
HIGHLIGHT_FRAGMENT_CHARS = 120


class SearchEngineError(Exception):
    """The engine failed (damaged index, crashed or unreachable engine); callers fall back."""


@dataclass(frozen=True, slots=True)
class Clause:
    """One filter condition: ``field`` ``op`` ``value``."""

    field: str
    op: str
    value: Any


def parse_filters(filters: Mapping[str, Any] | None) -> list[Clause]:
    """Return clauses for a Django-style filter dict (``budget__lte=...``)."""
    clauses = []
    for key, value in (filters or {}).items():
        name, _sep, op = key.partition("__")
        op = op or "in"
        if op not in FILTER_OPS:
            raise ValueError(f"unknown filter lookup {key!r}; use one of {FILTER_OPS}")
        if name not in FACET_FIELDS and name not in RANGE_FIELDS:
            raise ValueError(f"cannot filter on {name!r}")
        if op in ("in", "not_in"):
            if name not in FACET_FIELDS:
                raise ValueError(f"{name!r} only takes range lookups")
            value = [value] if isinstance(value, str | int) else list(value)
            value = [str(v) for v in value]
        elif name not in RANGE_FIELDS:
            raise ValueError(f"{name!r} only takes in / not_in lookups")
        clauses.append(Clause(name, op, value))
    return clauses


def clause_matches(doc: ListingDocument, clause: Clause) -> bool:
    """Return whether ``doc`` passes one filter clause (the engines' semantics, in Python)."""
    if clause.op in ("in", "not_in"):
        found = not set(doc.facet_values(clause.field)).isdisjoint(clause.value)
        return found if clause.op == "in" else not found
    value = getattr(doc, clause.field)
    if value is None:
        return clause.op == "gte_or_missing"
    if clause.op == "lte":
        return value <= clause.value
    return value >= clause.value


@dataclass(slots=True)
class SearchQuery:
    """A catalogue search: text, filters, facets to count, and a page.

    ``page_size=0`` asks for the total and the facet counts only (no hits).
    ``ids_only=True`` returns hits without their stored documents
    (``hit.document`` is None; ``hit.id`` and ``hit.score`` are set) and no
    highlights: the cheap path for callers that re-read listings from the
    database, e.g. the API's ranked ids.
    """

    kind: Kind
    text: str = ""
    filters: Mapping[str, Any] = field(default_factory=dict)
    facets: Sequence[str] = ()
    page: int = 1
    page_size: int = 20
    highlight: bool = True
    ids_only: bool = False

    @property
    def offset(self) -> int:
        """Return the number of hits before this page."""
        return max(self.page - 1, 0) * self.page_size


@dataclass(slots=True)
class Hit:
    """One result: the stored document (None for ids-only searches), its score and highlights."""

    document: ListingDocument | None
    score: float
    highlights: dict[str, str] = field(default_factory=dict)
    doc_id: str = ""

    @property
    def id(self) -> str:
        """Return the listing id."""
        return self.document.id if self.document is not None else self.doc_id


@dataclass(slots=True)
class SearchResults:
    """A page of hits with the total count and facet counts."""

    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    page: int = 1
    page_size: int = 20


def document_tokens(doc: ListingDocument) -> dict[str, list[str]]:
    """Return the analysed token fields of ``doc``, shared by every backend."""
    # full_text() joins the parts with line breaks, which segmentation and
    # bigrams never cross, so analysing the parts one by one gives the same tokens.
    text = "\n".join(p for p in (doc.summary, doc.body) if p)
    title_words, keyword_words, text_words, grams = analysis.document_parts(
        doc.title, " ".join(doc.keywords), text
    )
    return {
        "words": title_words + keyword_words + text_words,
        "bigrams": grams,
        "title_words": title_words,
        "keyword_words": keyword_words,
        "suggest": suggestions(doc, title_words),
    }


def suggestions(doc: ListingDocument, title_words: list[str]) -> list[str]:
    """Return the autocomplete entries of ``doc``: keywords, title and its words."""
    entries = [analysis.normalise(k).strip() for k in doc.keywords]
    entries.append(analysis.normalise(doc.title).strip())
    entries.extend(w for w in title_words if len(w) > 1)
    return list(dict.fromkeys(e for e in entries if e))


def search_terms(text: str) -> WeightedTerms:
    """Return the terms of a query typed by a person (public helper).

    Words come in either-or ``groups``: a synonym variant and its canonical
    form are one clause, so "锂离子电芯" finds a listing that says "锂电池"
    when both map to 锂离子电池; an English word known to the glossary
    (``analysis.english_terms``) is one clause with its Chinese terms, whose
    bigrams are searched too ("welding" finds 焊接). ``words`` holds every form
    (weight 1) and ``bigrams`` the CJK character bigrams. Pass the result to
    :func:`highlight_document` to mark the same words in a listing.
    """
    groups: list[tuple[str, ...]] = []
    grams = analysis.bigrams(text)
    for group in analysis.word_groups(text):
        chinese = [t for word in group for t in analysis.english_terms(word)]
        if chinese:
            forms = [f for term in chinese for g in analysis.word_groups(term) for f in g]
            group = tuple(dict.fromkeys((*group, *chinese, *forms)))
            grams += [b for term in chinese for b in analysis.bigrams(term)]
        groups.append(group)
    unique = tuple(dict.fromkeys(groups))
    return WeightedTerms(
        words={w: 1.0 for group in unique for w in group},
        bigrams=dict.fromkeys(grams, 1.0),
        groups=unique,
    )


@dataclass(frozen=True, slots=True)
class TextClauses:
    """A typed query's clauses split into anchors and extras (both backends compile these).

    A listing must match at least one anchor; extras only add to the score. Anchors
    are the word groups with a form of two characters or more and the bigram tokens
    of two characters or more (CJK bigrams, ASCII words). Single characters are
    extras: alone they match nearly every listing (焊结, a typo of 焊接, is the
    words 焊 + 结 and would find anything saying 焊 and 结 anywhere). A query made
    of single characters only (焊) keeps them as anchors. No anchor is required
    beyond the first: every word ranks, none is demanded (BM25 sums the matched
    clauses, so listings with more of the query's words come first).
    """

    groups: tuple[tuple[str, ...], ...]
    bigrams: tuple[str, ...]
    extra_groups: tuple[tuple[str, ...], ...] = ()
    extra_bigrams: tuple[str, ...] = ()


def _is_anchor(term: str) -> bool:
    return len(term) >= 2


def text_clauses(terms: WeightedTerms) -> TextClauses:
    """Return the anchor and extra clauses of a typed query's terms."""
    groups = terms.word_groups()
    grams = tuple(terms.bigrams)
    anchor_groups = tuple(g for g in groups if any(_is_anchor(t) for t in g))
    anchor_grams = tuple(t for t in grams if _is_anchor(t))
    if not anchor_groups and not anchor_grams:
        return TextClauses(groups, grams)
    return TextClauses(
        anchor_groups,
        anchor_grams,
        tuple(g for g in groups if g not in anchor_groups),
        tuple(t for t in grams if t not in anchor_grams),
    )


def highlight_terms(terms: WeightedTerms) -> set[str]:
    """Return the strings to mark for ``terms``: each word and its synonyms' spellings."""
    wanted: set[str] = set()
    for word in terms.words:
        wanted.update(analysis.synonym_group(word))
    return wanted


def highlight_document(doc: ListingDocument, terms: WeightedTerms) -> dict[str, str]:
    """Return HTML of ``doc``'s title and a summary fragment with the query's words marked (public helper).

    ``{"title": …, "summary": …}``: text NFKC-normalised and HTML-escaped,
    matches wrapped in ``<mark>``; the summary (or the body when there is
    none) is cut to a fragment of about ``HIGHLIGHT_FRAGMENT_CHARS``
    characters around the first match, with a leading "…" when cut. Synonyms
    are marked too (a query for 锂离子电池 marks 锂电池). Safe to
    ``mark_safe``: only ``<mark>`` tags are added.
    """
    wanted = highlight_terms(terms)
    summary = doc.summary or doc.body
    shown = analysis.normalise(summary)
    first = min((i for i in (shown.find(t) for t in wanted) if i >= 0), default=0)
    start = max(first - HIGHLIGHT_FRAGMENT_CHARS // 4, 0)
    fragment = summary[start : start + HIGHLIGHT_FRAGMENT_CHARS]
    return {
        "title": analysis.highlight(doc.title, wanted),
        "summary": ("…" if start else "") + analysis.highlight(fragment, wanted),
    }


def today() -> dt.date:
    """Return today's date in the project's time zone."""
    from django.utils import timezone

    return timezone.localdate()


class BaseSearchBackend:
    """A search and matching engine over listing documents.

    Subclasses implement the index primitives; the catalogue search and the
    matching code above them are backend-agnostic.
    """

    name = "base"
    #: Collaborators, swappable in a subclass or a test.
    analyser = analysis
    tokens_for = staticmethod(document_tokens)
    mlt_field_boosts = MLT_FIELD_BOOSTS
    search_field_boosts = SEARCH_FIELD_BOOSTS

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self.params = dict(params or {})

    @classmethod
    @contextlib.contextmanager
    def temporary(cls, params: Mapping[str, Any]) -> Iterator[BaseSearchBackend]:
        """Yield a backend on throwaway storage, removed afterwards (for evaluation)."""
        raise NotImplementedError(f"{cls.name} search backend has no temporary indexes")
        yield  # pragma: no cover

    def _unsupported(self, feature: str) -> NotImplementedError:
        return NotImplementedError(f"{self.name} search backend does not support {feature}")

    def index_documents(self, documents: Iterable[ListingDocument]) -> int:
        """Add or replace documents in bulk and make them visible; return the count."""
        raise self._unsupported("indexing")

    def delete_documents(self, kind: Kind, ids: Iterable[str]) -> int:
        """Remove the listings of ``kind`` with these ids from the index."""
        raise self._unsupported("deletion")

    def update_documents(
        self, kind: Kind, documents: Iterable[ListingDocument], delete_ids: Iterable[str] = ()
    ) -> int:
        """Add or replace ``documents`` and remove ``delete_ids`` of ``kind``, as one update.

        Backends that can (embedded) apply both in one commit; the default
        removes, then indexes. Returns the number of documents indexed.
        """
        delete_ids = [str(i) for i in delete_ids]
        if delete_ids:
            self.delete_documents(kind, delete_ids)
        documents = [d for d in documents if d.kind == kind]
        return self.index_documents(documents) if documents else 0

    def refresh(self) -> None:
        """Make every committed change visible to this process's searches."""
        raise self._unsupported("refresh")

    def clear(self, kind: Kind | None = None) -> None:
        """Remove every document of ``kind`` (or of every kind)."""
        raise self._unsupported("clearing")

    def rebuild(
        self,
        kind: Kind,
        documents: Iterable[ListingDocument],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Replace the whole index of ``kind`` with ``documents`` without downtime."""
        raise self._unsupported("rebuilding")

    def count(self, kind: Kind) -> int:
        """Return the number of indexed documents of ``kind``."""
        raise self._unsupported("counting")

    def get_document(self, kind: Kind, id: str) -> ListingDocument | None:
        """Return the stored document of ``kind`` with ``id``, or None."""
        raise self._unsupported("document lookup")

    def indexed_versions(self, kind: Kind) -> dict[str, str]:
        """Return ``{id: version}`` of every indexed document of ``kind`` ("" when unversioned)."""
        raise self._unsupported("reconciliation")

    def search(self, query: SearchQuery) -> SearchResults:
        """Return a page of hits for a catalogue query with facets and highlights."""
        raise self._unsupported("search")

    def autocomplete(self, kind: Kind, prefix: str, limit: int = 10) -> list[str]:
        """Return up to ``limit`` indexed keywords and title words starting with ``prefix``."""
        raise self._unsupported("autocomplete")

    def doc_freqs(self, kind: Kind, field: str, terms: Iterable[str]) -> dict[str, int]:
        """Return the document frequency of each term in a token field."""
        raise self._unsupported("term statistics")

    def more_like_this(
        self,
        kind: Kind,
        terms: WeightedTerms,
        *,
        filters: Mapping[str, Any] | None = None,
        exclude_ids: Iterable[str] = (),
        limit: int = 10,
        field_boosts: Mapping[str, float] | None = None,
    ) -> list[Hit]:
        """Return the listings of ``kind`` most similar to weighted query terms."""
        raise self._unsupported("more-like-this")

    def check(self) -> list[str]:
        """Return human-readable problems with this backend's configuration."""
        return []

    def weighted_terms(
        self, kind: Kind, text: str, max_terms: int = 100, max_df_ratio: float | None = None
    ) -> WeightedTerms:
        """Return tf·idf-selected query terms of ``text`` against the index of ``kind``.

        ``max_df_ratio`` drops terms found in more than that share of the documents.
        """
        return self.analyser.query_terms(
            text,
            max_terms=max_terms,
            doc_freq=lambda field, terms: self.doc_freqs(kind, field, terms),
            num_docs=self.count(kind),
            max_df_ratio=max_df_ratio,
        )
