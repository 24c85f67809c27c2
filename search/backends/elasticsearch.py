"""Elasticsearch backend: the same documents and queries through ``elasticsearch.dsl``.

Documents carry the analyser's tokens in whitespace-analysed text fields, so
the cluster needs no Chinese plugin and scores the very terms the embedded
backend scores. Each listing kind lives in a versioned index
(``<prefix><kind>-<timestamp>``) behind an alias (``<prefix><kind>``); a
rebuild fills a new version and swaps the alias atomically, so searches never
see a half-built index.

Settings (``SEARCH_BACKENDS[name]``)::

    "BACKEND": "search.backends.elasticsearch",
    "URLS": ["https://es.example:9200"],      # or "URL"; ELASTICSEARCH_URL by default
    "INDEX_PREFIX": "jiebang-",
    "OPTIONS": {"basic_auth": (user, password), "api_key": ..., "ca_certs": ...,
                "verify_certs": True},         # passed to the Elasticsearch client
    "TIMEOUT": 10, "MAX_RETRIES": 3, "REPLICAS": 1, "BULK_CHUNK": 1000
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from elasticsearch.dsl import Date as DateField
from elasticsearch.dsl import Index, Keyword, Long, Object, Q, Search, Text, analyzer
from elasticsearch.dsl import Mapping as DslMapping

from search.analysis import WeightedTerms
from search.backends.base import (
    SMALL_FIELD_TERMS,
    BaseSearchBackend,
    Clause,
    Hit,
    SearchQuery,
    SearchResults,
    highlight_document,
    parse_filters,
    search_terms,
    text_clauses,
)
from search.documents import FACET_FIELDS, KINDS, Kind, ListingDocument

TOKEN_FIELDS = ("words", "bigrams", "title_words", "keyword_words")
TOKENS_ANALYZER = analyzer("jiebang_tokens", tokenizer="whitespace")
FACET_SIZE = 100
_LUCENE_REGEX_SPECIAL = re.compile(r'([.?+*|{}\[\]()"\\#@&<>~])')


def build_mapping() -> DslMapping:
    """Return the explicit mapping of one listing index."""
    m = DslMapping()
    m.meta("dynamic", "strict")
    m.field("id", Keyword())
    for name in TOKEN_FIELDS:
        m.field(name, Text(analyzer=TOKENS_ANALYZER, index_options="freqs"))
    m.field("suggest", Keyword())
    for name in FACET_FIELDS:
        m.field(name, Keyword())
    m.field("budget", Long())
    m.field("deadline", DateField(format="strict_date"))
    m.field("source", Object(enabled=False))
    return m


def build_index(name: str, replicas: int = 1) -> Index:
    """Return the DSL index (settings, analyser, mapping) for a concrete index name."""
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=replicas)
    index.analyzer(TOKENS_ANALYZER)
    index.mapping(build_mapping())
    return index


def document_body(doc: ListingDocument, tokens: Mapping[str, list[str]]) -> dict[str, Any]:
    """Return the indexed body of a document: tokens, facets, ranges and source."""
    body: dict[str, Any] = {"id": doc.id, "source": doc.to_dict()}
    for name in TOKEN_FIELDS:
        body[name] = " ".join(tokens[name])
    body["suggest"] = tokens["suggest"]
    for name in FACET_FIELDS:
        body[name] = doc.facet_values(name)
    body["budget"] = doc.budget
    body["deadline"] = doc.deadline.isoformat() if doc.deadline else None
    return body


def _range_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def filter_clauses(clauses: list[Clause]) -> tuple[list[Q], list[Q]]:
    """Return (filter, must_not) DSL queries for parsed filter clauses."""
    filters, must_not = [], []
    for c in clauses:
        if c.op == "in":
            filters.append(Q("terms", **{c.field: c.value}))
        elif c.op == "not_in":
            must_not.append(Q("terms", **{c.field: c.value}))
        elif c.op == "gte":
            filters.append(Q("range", **{c.field: {"gte": _range_value(c.value)}}))
        elif c.op == "lte":
            filters.append(Q("range", **{c.field: {"lte": _range_value(c.value)}}))
        else:  # gte_or_missing: exclude only values below the bound
            must_not.append(Q("range", **{c.field: {"lt": _range_value(c.value)}}))
    return filters, must_not


def _term(field: str, term: str, boost: float) -> Q:
    return Q("term", **{field: {"value": term, "boost": round(boost, 6)}})


def mlt_query(terms: WeightedTerms, boosts: Mapping[str, float]) -> Q:
    """Return the more-like-this query: a boosted term per query term and field."""
    should = []
    for rank, (term, weight) in enumerate(terms.words.items()):
        fields = (
            ("words", "title_words", "keyword_words") if rank < SMALL_FIELD_TERMS else ("words",)
        )
        for field in fields:
            if boosts.get(field):
                should.append(_term(field, term, weight * boosts[field]))
    for term, weight in terms.bigrams.items():
        should.append(_term("bigrams", term, weight * boosts.get("bigrams", 1.0)))
    return Q("bool", should=should, minimum_should_match=1)


def text_query(terms: WeightedTerms, boosts: Mapping[str, float]) -> Q:
    """Return the catalogue-search query: at least one anchor, every clause scored.

    The same clauses as the embedded backend (``base.TextClauses``).
    """
    if not terms:
        return Q("match_all")
    clauses = text_clauses(terms)

    def parts(groups, grams) -> list[Q]:
        # One either-or clause per word: a synonym variant and its canonical form.
        words = [
            Q(
                "bool",
                should=[
                    _term(f, t, boosts[f])
                    for t in group
                    for f in ("words", "title_words", "keyword_words")
                ],
            )
            for group in groups
        ]
        return words + [_term("bigrams", t, boosts["bigrams"]) for t in grams]

    anchors = Q("bool", should=parts(clauses.groups, clauses.bigrams), minimum_should_match=1)
    extras = parts(clauses.extra_groups, clauses.extra_bigrams)
    if not extras:
        return anchors
    return Q("bool", must=[anchors], should=extras)


def with_filters(query: Q, clauses: list[Clause], exclude_ids: Iterable[str] = ()) -> Q:
    """Return ``query`` restricted by filter clauses and excluded ids."""
    filters, must_not = filter_clauses(clauses)
    ids = [str(i) for i in exclude_ids]
    if ids:
        must_not.append(Q("terms", id=ids))
    if not filters and not must_not:
        return query
    return Q("bool", must=[query], filter=filters, must_not=must_not)


def compile_mlt(
    terms: WeightedTerms,
    boosts: Mapping[str, float],
    clauses: list[Clause],
    exclude_ids: Iterable[str],
    limit: int,
) -> dict[str, Any]:
    """Return the search body of a more-like-this match."""
    query = with_filters(mlt_query(terms, boosts), clauses, exclude_ids)
    return (
        Search().query(query).extra(size=limit, track_total_hits=False).source(["source"]).to_dict()
    )


def compile_search(query: SearchQuery, boosts: Mapping[str, float]) -> dict[str, Any]:
    """Return the search body of a catalogue query with facet aggregations."""
    compiled = with_filters(
        text_query(search_terms(query.text), boosts), parse_filters(query.filters)
    )
    s = (
        Search()
        .query(compiled)
        .extra(from_=query.offset, size=query.page_size, track_total_hits=True)
    )
    s = s.source(False if query.ids_only else ["source"])
    for name in query.facets:
        if name in FACET_FIELDS:
            s.aggs.bucket(name, "terms", field=name, size=FACET_SIZE)
    return s.to_dict()


def compile_autocomplete(prefix: str, limit: int) -> dict[str, Any]:
    """Return the search body listing suggestion terms that start with ``prefix``."""
    include = _LUCENE_REGEX_SPECIAL.sub(r"\\\1", prefix) + ".*"
    s = Search().extra(size=0)
    s.aggs.bucket("suggest", "terms", field="suggest", include=include, size=limit)
    return s.to_dict()


def compile_versions_page(
    pit_id: str, after: list[Any] | None, size: int, keep_alive: str = "2m"
) -> dict[str, Any]:
    """Return the body of one page of (id, version) pairs read through a point in time."""
    body: dict[str, Any] = {
        "size": size,
        "query": {"match_all": {}},
        "pit": {"id": pit_id, "keep_alive": keep_alive},
        # _shard_doc: the cheapest total order, made for paging a point in time.
        "sort": [{"_shard_doc": "asc"}],
        "_source": ["source.version"],
        "track_total_hits": False,
    }
    if after is not None:
        body["search_after"] = after
    return body


def compile_term_statistics(field: str, terms: Iterable[str]) -> dict[str, Any]:
    """Return the ``_termvectors`` body giving each term's document frequency."""
    return {
        "doc": {field: " ".join(terms)},
        "fields": [field],
        "term_statistics": True,
        "field_statistics": False,
        "positions": False,
        "offsets": False,
        "payloads": False,
    }


class ElasticsearchSearchBackend(BaseSearchBackend):
    """Listings in Elasticsearch 8 indexes behind per-kind aliases."""

    name = "elasticsearch"

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(params)
        urls = (
            self.params.get("URLS") or self.params.get("URL") or os.environ.get("ELASTICSEARCH_URL")
        )
        self.urls = [urls] if isinstance(urls, str) else list(urls or [])
        self.prefix = self.params.get("INDEX_PREFIX", "jiebang-")
        self.timeout = float(self.params.get("TIMEOUT", 10))
        self.max_retries = int(self.params.get("MAX_RETRIES", 3))
        self.replicas = int(self.params.get("REPLICAS", 1))
        self.chunk_size = int(self.params.get("BULK_CHUNK", 1000))
        self.options = dict(self.params.get("OPTIONS", {}))
        self._client = None

    @classmethod
    @contextlib.contextmanager
    def temporary(cls, params: Mapping[str, Any]) -> Iterator[ElasticsearchSearchBackend]:
        """Yield a backend on throwaway indexes, deleted afterwards (for evaluation)."""
        prefix = f"{params.get('INDEX_PREFIX', 'jiebang')}-tmp-{uuid.uuid4().hex[:8]}-"
        backend = cls({**params, "INDEX_PREFIX": prefix, "REPLICAS": 0})
        try:
            yield backend
        finally:
            backend.client.indices.delete(index=f"{prefix}*", ignore_unavailable=True)

    @property
    def client(self):
        """Return the Elasticsearch client, created on first use."""
        if self._client is None:
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(self.urls, **self.client_options())
        return self._client

    def client_options(self) -> dict[str, Any]:
        """Return the client's keyword arguments: timeouts, retries, then OPTIONS (unset ones dropped)."""
        options = {
            "request_timeout": self.timeout,
            "max_retries": self.max_retries,
            "retry_on_timeout": True,
        }
        options.update({k: v for k, v in self.options.items() if v is not None})
        return options

    def alias(self, kind: Kind) -> str:
        """Return the alias searches of ``kind`` go through."""
        if kind not in KINDS:
            raise ValueError(f"unknown listing kind {kind!r}")
        separator = "" if not self.prefix or self.prefix.endswith(("-", "_")) else "-"
        return f"{self.prefix}{separator}{kind}"

    def _new_index(self, kind: Kind) -> str:
        name = f"{self.alias(kind)}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        build_index(name, self.replicas).create(using=self.client)
        return name

    def _ensure(self, kind: Kind) -> str:
        alias = self.alias(kind)
        if not self.client.indices.exists_alias(name=alias):
            name = self._new_index(kind)
            self.client.indices.put_alias(index=name, name=alias)
        return alias

    def _actions(self, index: str, docs: Iterable[ListingDocument]) -> Iterator[dict[str, Any]]:
        for doc in docs:
            body = document_body(doc, self.tokens_for(doc))
            yield {"_op_type": "index", "_index": index, "_id": doc.id, "_source": body}

    def index_documents(self, documents: Iterable[ListingDocument]) -> int:
        """Add or replace documents in bulk and make them visible; return the count."""
        from elasticsearch.helpers import bulk

        by_kind: dict[str, list[ListingDocument]] = {}
        for doc in documents:
            by_kind.setdefault(doc.kind, []).append(doc)
        count = 0
        for kind, docs in by_kind.items():
            index = self._ensure(kind)
            ok, _errors = bulk(
                self.client,
                self._actions(index, docs),
                chunk_size=self.chunk_size,
                max_retries=self.max_retries,
                refresh="wait_for",
            )
            count += ok
        return count

    def delete_documents(self, kind: Kind, ids: Iterable[str]) -> int:
        """Remove the listings of ``kind`` with these ids from the index."""
        from elasticsearch.helpers import bulk

        alias = self._ensure(kind)
        actions = ({"_op_type": "delete", "_index": alias, "_id": str(i)} for i in ids)
        ok, _errors = bulk(self.client, actions, raise_on_error=False, refresh="wait_for")
        return ok

    def refresh(self) -> None:
        """Make every committed change visible to this process's searches."""
        for kind in KINDS:
            self.client.indices.refresh(index=self.alias(kind), ignore_unavailable=True)

    def clear(self, kind: Kind | None = None) -> None:
        """Remove every document of ``kind`` (or of every kind)."""
        for k in [kind] if kind else KINDS:
            self.client.delete_by_query(
                index=self._ensure(k), query={"match_all": {}}, refresh=True, conflicts="proceed"
            )

    def rebuild(
        self,
        kind: Kind,
        documents: Iterable[ListingDocument],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Fill a new index version, then swap the alias to it atomically."""
        from elasticsearch.helpers import streaming_bulk

        alias, name = self.alias(kind), self._new_index(kind)
        count = 0
        for ok, _item in streaming_bulk(
            self.client,
            self._actions(name, documents),
            chunk_size=self.chunk_size,
            max_retries=self.max_retries,
        ):
            count += ok
            if progress and ok:
                progress(1)
        self.client.indices.refresh(index=name)
        old = list(self.client.indices.get_alias(name=alias, ignore_unavailable=True) or {})
        actions = [{"remove": {"index": o, "alias": alias}} for o in old]
        actions.append({"add": {"index": name, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        for o in old:
            self.client.indices.delete(index=o, ignore_unavailable=True)
        return count

    def count(self, kind: Kind) -> int:
        """Return the number of indexed documents of ``kind``."""
        return int(self.client.count(index=self._ensure(kind))["count"])

    def get_document(self, kind: Kind, id: str) -> ListingDocument | None:
        """Return the stored document of ``kind`` with ``id``, or None."""
        body = Search().query(Q("term", id=str(id))).extra(size=1).source(["source"]).to_dict()
        hits = self.client.search(index=self._ensure(kind), body=body)["hits"]["hits"]
        return ListingDocument.from_dict(hits[0]["_source"]["source"]) if hits else None

    def indexed_versions(self, kind: Kind) -> dict[str, str]:
        """Return ``{id: version}`` of every indexed document of ``kind`` ("" when unversioned)."""
        # A point in time pins one view of the index while it is paged with
        # search_after; unlike a scroll it survives concurrent refreshes cheaply.
        pit = self.client.open_point_in_time(index=self._ensure(kind), keep_alive="2m")["id"]
        versions: dict[str, str] = {}
        after = None
        try:
            while True:
                body = compile_versions_page(pit, after, self.chunk_size)
                response = self.client.search(body=body)
                pit = response.get("pit_id", pit)
                hits = response["hits"]["hits"]
                for hit in hits:
                    source = (hit.get("_source") or {}).get("source") or {}
                    versions[str(hit["_id"])] = source.get("version") or ""
                if len(hits) < self.chunk_size:
                    return versions
                after = hits[-1]["sort"]
        finally:
            # A point in time left open expires by itself after keep_alive; a
            # failure to close it must not hide the error that ended the loop.
            with contextlib.suppress(Exception):
                self.client.close_point_in_time(id=pit)

    def doc_freqs(self, kind: Kind, field: str, terms: Iterable[str]) -> dict[str, int]:
        """Return the document frequency of each term in a token field."""
        terms = list(terms)
        if not terms:
            return {}
        body = compile_term_statistics(field, terms)
        response = self.client.termvectors(index=self._ensure(kind), body=body)
        stats = response.get("term_vectors", {}).get(field, {}).get("terms", {})
        return {t: int(stats.get(t, {}).get("doc_freq", 0)) for t in terms}

    def autocomplete(self, kind: Kind, prefix: str, limit: int = 10) -> list[str]:
        """Return up to ``limit`` indexed keywords and title words starting with ``prefix``."""
        prefix = self.analyser.normalise(prefix).strip()
        if not prefix:
            return []
        response = self.client.search(
            index=self._ensure(kind), body=compile_autocomplete(prefix, limit)
        )
        return [b["key"] for b in response["aggregations"]["suggest"]["buckets"]]

    def search(self, query: SearchQuery) -> SearchResults:
        """Return a page of hits for a catalogue query with facets and highlights."""
        body = compile_search(query, self.search_field_boosts)
        response = self.client.search(index=self._ensure(query.kind), body=body)
        terms = search_terms(query.text)
        hits = []
        for raw in response["hits"]["hits"]:
            score = float(raw["_score"] or 0.0)
            if query.ids_only:  # the document _id is the listing id
                hits.append(Hit(None, score, doc_id=str(raw["_id"])))
                continue
            doc = ListingDocument.from_dict(raw["_source"]["source"])
            marks = highlight_document(doc, terms) if query.highlight and terms else {}
            hits.append(Hit(doc, score, marks))
        facets = {
            name: [(b["key"], int(b["doc_count"])) for b in agg["buckets"]]
            for name, agg in response.get("aggregations", {}).items()
        }
        total = int(response["hits"]["total"]["value"])
        return SearchResults(hits, total, facets, query.page, query.page_size)

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
        if not terms:
            return []
        body = compile_mlt(
            terms, field_boosts or self.mlt_field_boosts, parse_filters(filters), exclude_ids, limit
        )
        response = self.client.search(index=self._ensure(kind), body=body)
        return [
            Hit(ListingDocument.from_dict(h["_source"]["source"]), float(h["_score"]))
            for h in response["hits"]["hits"]
        ]

    def check(self) -> list[str]:
        """Return human-readable problems with this backend's configuration."""
        if not self.urls:
            return ["the elasticsearch search backend needs URLS (or ELASTICSEARCH_URL)"]
        bad = [u for u in self.urls if not re.match(r"^https?://", u)]
        return [f"elasticsearch URL {u!r} must start with http:// or https://" for u in bad]


SearchBackend = ElasticsearchSearchBackend
