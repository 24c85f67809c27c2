"""Embedded search backend: an on-disk Tantivy index per listing kind.

Concurrency: several web processes and a task worker may write at once.
Tantivy allows one ``IndexWriter`` per directory and fails the others with
``LockBusy``; so every write opens its writer inside an exclusive ``fcntl``
lock on ``<PATH>/<kind>.lock``, commits, and releases the writer before the
lock. Writers queue instead of failing, and each commit holds deletes and
re-adds of the same documents, so no update is lost or half applied. Readers
reload when ``meta.json`` changes, which makes another process's commit
visible to the next search.

Damage: every index file carries a checksum in its footer. An index is
verified before it is opened and each new commit's files before a reader
moves to them, so a corrupt or truncated file is an :class:`IndexCorrupt`
error (pages fall back to the database) instead of a native panic or a
memory fault. Files damaged under an open reader can still fault it; with
``ISOLATE`` (on outside the tests) all engine work of a web process runs in
a child process (:mod:`search.backends.isolation`), so that fault costs one
request its search, never the worker. ``rebuild`` replaces a damaged index.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import fcntl
import functools
import itertools
import json
import logging
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import tantivy

from search.analysis import WeightedTerms
from search.backends.base import (
    SMALL_FIELD_TERMS,
    BaseSearchBackend,
    Clause,
    Hit,
    SearchEngineError,
    SearchQuery,
    SearchResults,
    clause_matches,
    document_tokens,
    highlight_document,
    parse_filters,
    search_terms,
    text_clauses,
)
from search.backends.isolation import EngineProcess, as_engine_error
from search.documents import FACET_FIELDS, KINDS, Kind, ListingDocument

logger = logging.getLogger(__name__)

TOKEN_FIELDS = ("words", "bigrams", "title_words", "keyword_words")
SCHEMA_VERSION = "2"
FACET_SIZE = 100


# Documents per chunk of the analysing pipeline (one helper task, one progress step).
PIPELINE_CHUNK = 500

# Matching fetches this many times the candidates wanted before filtering them.
PREFILTER_FACTOR = 2


class _GenerationCache:
    """Caches valid for one index generation (one set of committed segments)."""

    __slots__ = ("doc_freqs", "docs", "max_docs")

    def __init__(self, max_docs: int) -> None:
        self.docs: dict[tuple[int, int], ListingDocument] = {}
        self.doc_freqs: dict[str, dict[str, int]] = {}
        self.max_docs = max_docs


class IndexLockTimeout(RuntimeError):
    """Raised when the index write lock cannot be taken in time."""


class IndexCorrupt(SearchEngineError):
    """An index file is unreadable, missing, truncated or fails its checksum."""


# Every segment has these files; deletes add ``<segment>.<opstamp>.del``.
SEGMENT_FILES = (".idx", ".term", ".pos", ".store", ".fast", ".fieldnorm")
FOOTER_MAGIC = 1337


def check_file(path: Path, deep: bool = True) -> None:
    """Raise :class:`IndexCorrupt` unless ``path`` ends in Tantivy's footer with a matching CRC32.

    The footer is ``[JSON {"version", "crc"}][u32 length][u32 magic]``; the crc
    covers everything before it. ``deep=False`` reads the footer only.
    """
    try:
        if not deep:
            with open(path, "rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(size - 8, 0))
                data = fh.read(8)
            if len(data) < 8 or int.from_bytes(data[-4:], "little") != FOOTER_MAGIC:
                raise IndexCorrupt(f"{path.name}: truncated or not an index file (no footer)")
            if int.from_bytes(data[:4], "little") + 8 > size:
                raise IndexCorrupt(f"{path.name}: truncated")
            return
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise IndexCorrupt(f"{path.name}: {exc}") from exc
    if len(data) < 8:
        raise IndexCorrupt(f"{path.name}: truncated ({len(data)} bytes)")
    length = int.from_bytes(data[-8:-4], "little")
    magic = int.from_bytes(data[-4:], "little")
    if magic != FOOTER_MAGIC or length + 8 > len(data):
        raise IndexCorrupt(f"{path.name}: truncated or not an index file (no footer)")
    try:
        crc = json.loads(data[-8 - length : -8])["crc"]
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupt(f"{path.name}: unreadable footer") from exc
    if zlib.crc32(memoryview(data)[: -8 - length]) != crc:
        raise IndexCorrupt(f"{path.name}: checksum mismatch")


def segment_files(meta: Mapping[str, Any]) -> list[str]:
    """Return the names of the files the commit described by ``meta`` (meta.json) needs."""
    names = []
    for segment in meta["segments"]:
        stem = segment["segment_id"].replace("-", "")
        names.extend(stem + ext for ext in SEGMENT_FILES)
        if segment.get("deletes"):
            names.append(f"{stem}.{segment['deletes']['opstamp']}.del")
    return names


def read_meta(directory: Path) -> dict[str, Any] | None:
    """Return the parsed meta.json of an index folder (None: no index yet)."""
    try:
        meta = json.loads((directory / "meta.json").read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"meta.json: {exc}") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("segments"), list):
        raise IndexCorrupt("meta.json: no list of segments")
    return meta


def verify_index(
    directory: Path, verified: dict[str, tuple[int, int]] | None = None, deep: bool = True
) -> None:
    """Raise :class:`IndexCorrupt` unless the newest commit in ``directory`` is whole.

    ``verified`` remembers files already checked (name → size, mtime): segment
    files never change, so each is read once per process. A file removed while
    we check it belongs to a commit that was just replaced: check the new one.
    """
    verified = {} if verified is None else verified
    for _attempt in range(3):
        meta = read_meta(directory)
        if meta is None:
            return
        try:
            names = segment_files(meta)
        except (KeyError, TypeError, AttributeError) as exc:
            raise IndexCorrupt(f"meta.json: malformed segment entry ({exc})") from exc
        try:
            for name in names:
                stat = os.stat(directory / name)
                if verified.get(name) != (stat.st_size, stat.st_mtime_ns):
                    check_file(directory / name, deep)
                    verified[name] = (stat.st_size, stat.st_mtime_ns)
            return
        except FileNotFoundError as exc:
            missing = exc
    raise IndexCorrupt(f"missing index file: {Path(missing.filename).name}")


def _engine_call(method: Callable, isolated: bool = True) -> Callable:
    """Run an engine method in the isolated child when configured; panics become errors.

    Arguments and results cross a pipe when isolated, so they must pickle.
    """
    name = method.__name__

    @functools.wraps(method)
    def call(self: EmbeddedSearchBackend, *args: Any, **kwargs: Any) -> Any:
        if isolated and self.isolate:
            return self._engine_process().call(name, *args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - see as_engine_error
            error = as_engine_error(exc)
            if error is exc:
                raise
            raise error from exc

    return call


#: In this process even when isolated: bulk work of commands, not of web requests.
_in_process = functools.partial(_engine_call, isolated=False)


def build_schema() -> tantivy.Schema:
    """Return the Tantivy schema of one listing index."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    # Numeric ids (every page id) as a fast field: ids-only searches read it
    # column-wise instead of loading and decoding stored documents.
    sb.add_integer_field("pk", fast=True)
    for name in TOKEN_FIELDS:
        sb.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("suggest", tokenizer_name="raw", index_option="basic")
    for name in FACET_FIELDS:
        sb.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("budget", indexed=True, fast=True)
    sb.add_integer_field("deadline", indexed=True, fast=True)
    sb.add_bytes_field("source", stored=True)
    return sb.build()


def _range_value(field: str, value: Any) -> int:
    # Deadlines are stored as proleptic ordinals so both range ends are ints.
    if field == "deadline":
        return value.toordinal()
    return int(value)


def tantivy_fields(doc: ListingDocument, tokens_for=document_tokens) -> dict[str, Any]:
    """Return the field values of ``doc`` for a Tantivy document (picklable)."""
    fields: dict[str, Any] = {"id": doc.id}
    if doc.id.isdigit() and len(doc.id) < 19:
        fields["pk"] = int(doc.id)
    for name, tokens in tokens_for(doc).items():
        if name == "suggest":
            fields[name] = tokens
        elif tokens:
            fields[name] = " ".join(tokens)
    for name in FACET_FIELDS:
        values = doc.facet_values(name)
        if values:
            fields[name] = values
    if doc.budget is not None:
        fields["budget"] = doc.budget
    if doc.deadline is not None:
        fields["deadline"] = doc.deadline.toordinal()
    fields["source"] = json.dumps(doc.to_dict(), ensure_ascii=False).encode()
    return fields


class EmbeddedSearchBackend(BaseSearchBackend):
    """Tantivy indexes in a local folder, safe for several processes."""

    name = "embedded"

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(params)
        path = self.params.get("PATH")
        if not path:
            from search.backends import SearchBackendError

            raise SearchBackendError("the embedded search backend needs a PATH setting")
        self.path = Path(path)
        # A small heap for the frequent one-page updates (the writer is opened
        # per update), a large one for bulk batches: fewer, bigger segments.
        self.heap_size = int(self.params.get("WRITER_HEAP_BYTES", 50_000_000))
        self.bulk_heap_size = int(self.params.get("BULK_WRITER_HEAP_BYTES", 500_000_000))
        self.num_threads = int(self.params.get("WRITER_THREADS", 0))
        self.lock_timeout = float(self.params.get("LOCK_TIMEOUT", 60.0))
        self.batch_size = int(self.params.get("BATCH_SIZE", 250_000))
        # Bulk batches at least this big are analysed in a pool of processes.
        self.parallel_min_docs = int(self.params.get("PARALLEL_MIN_DOCS", 4000))
        self.parallel_workers = int(self.params.get("PARALLEL_WORKERS", os.cpu_count() or 1))
        self.schema = build_schema()
        self._indexes: dict[str, tantivy.Index] = {}
        self._meta_mtimes: dict[str, int] = {}
        # Per index generation (cleared when a commit is seen): decoded stored
        # documents by address and term document frequencies. A searcher and
        # the caches of its generation are always handed out together.
        self._caches: dict[str, _GenerationCache] = {}
        self.cache_docs = int(self.params.get("DOCUMENT_CACHE", 20_000))
        # Engine work in a child process (see isolation.py), with its limits.
        self.isolate = bool(self.params.get("ISOLATE", False))
        self.engine_timeout = float(self.params.get("ENGINE_TIMEOUT", 10.0))
        self.engine_restart_after = float(self.params.get("ENGINE_RESTART_AFTER", 5.0))
        self._engine: EngineProcess | None = None
        self._engine_pid = 0
        # Index files whose checksum this process has checked: name -> (size, mtime).
        self._verified: dict[str, dict[str, tuple[int, int]]] = {}

    def _engine_process(self) -> EngineProcess:
        """Return this process's engine child (a forked process starts its own)."""
        if self._engine is None or self._engine_pid != os.getpid():
            self._engine = EngineProcess(
                type(self),
                self.params,
                timeout=self.engine_timeout,
                restart_after=self.engine_restart_after,
            )
            self._engine_pid = os.getpid()
        return self._engine

    @classmethod
    @contextlib.contextmanager
    def temporary(cls, params: Mapping[str, Any]) -> Iterator[EmbeddedSearchBackend]:
        """Yield a backend on throwaway storage, removed afterwards (for evaluation)."""
        with tempfile.TemporaryDirectory(prefix="jiebang-index-") as path:
            yield cls({**params, "PATH": path, "ISOLATE": False})

    # -- index files and locking -------------------------------------------------

    def _dir(self, kind: Kind) -> Path:
        if kind not in KINDS:
            raise ValueError(f"unknown listing kind {kind!r}")
        return self.path / kind

    @contextlib.contextmanager
    def _lock(self, kind: Kind) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / f"{kind}.lock", "a+") as fh:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise IndexLockTimeout(f"index {kind} is locked by another writer") from exc
                    time.sleep(0.01)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _verify(self, kind: Kind) -> None:
        """Raise :class:`IndexCorrupt` unless the newest commit of ``kind`` is whole."""
        verify_index(self._dir(kind), self._verified.setdefault(kind, {}))

    def _index(self, kind: Kind) -> tantivy.Index:
        index = self._indexes.get(kind)
        if index is None:
            directory = self._dir(kind)
            self._verify(kind)
            if not (directory / "meta.json").exists():
                with self._lock(kind):  # two processes must not both create it
                    directory.mkdir(parents=True, exist_ok=True)
                    index = self._open(directory)
            else:
                index = self._open(directory)
            index.config_reader("manual")
            self._indexes[kind] = index
        return index

    def _open(self, directory: Path) -> tantivy.Index:
        try:
            return tantivy.Index(self.schema, path=str(directory), reuse=True)
        except ValueError as exc:
            if "schema does not match" in str(exc):
                raise
            raise IndexCorrupt(f"{directory.name}: {exc}") from exc

    def _searcher(self, kind: Kind) -> tantivy.Searcher:
        return self._generation(kind)[0]

    def _generation(self, kind: Kind) -> tuple[tantivy.Searcher, _GenerationCache]:
        """Return a searcher on the newest commit and the caches of that generation."""
        index = self._index(kind)
        try:
            mtime = os.stat(self._dir(kind) / "meta.json").st_mtime_ns
        except FileNotFoundError:
            mtime = 0
        if self._meta_mtimes.get(kind) != mtime or kind not in self._caches:
            self._verify(kind)  # the new commit's files, before the reader maps them
            index.reload()
            searcher = index.searcher()
            self._caches[kind] = _GenerationCache(self.cache_docs)
            self._meta_mtimes[kind] = mtime
            return searcher, self._caches[kind]
        cache = self._caches[kind]
        return index.searcher(), cache

    @contextlib.contextmanager
    def _writer(self, kind: Kind, bulk: bool = False) -> Iterator[tantivy.IndexWriter]:
        index = self._index(kind)
        heap = self.bulk_heap_size if bulk else self.heap_size
        with self._lock(kind):
            writer = index.writer(heap_size=heap, num_threads=self.num_threads)
            try:
                yield writer
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                # Releases Tantivy's own directory lock before ours.
                writer.wait_merging_threads()
        self._meta_mtimes.pop(kind, None)

    # -- writing -------------------------------------------------------------------

    def _to_tantivy(self, doc: ListingDocument) -> tantivy.Document:
        return tantivy.Document(**self._fields(doc))

    def _workers(self, count: int) -> int:
        """Return how many analysing processes a batch of ``count`` documents gets (0: serial)."""
        # This process analyses too, while Tantivy's own threads index: so one
        # helper process per core beyond the first.
        workers = min(os.cpu_count() or 1, self.parallel_workers) - 1
        # Workers use the default tokens_for; a swapped collaborator stays serial.
        custom = type(self).tokens_for is not BaseSearchBackend.tokens_for
        if workers < 1 or count < self.parallel_min_docs or custom:
            return 0
        return workers

    def _prepared(
        self, documents: Iterable[ListingDocument], workers: int
    ) -> Iterator[list[tuple[ListingDocument, tantivy.Document]]]:
        """Yield ``documents`` with their Tantivy documents, in order, a chunk at a time.

        With ``workers`` helper processes, chunks go to the helpers while they
        keep up, and this process analyses the next chunk itself whenever they
        are busy, so the work balances by itself: a caller with the documents
        in hand analyses about half of them here, while ``rebuild`` reading
        pages from the database hands nearly all of them to the helpers and
        loads the next pages meanwhile. Tantivy's threads index what the
        caller's writer has been given. (Measured on 2 cores: analysing here
        too beats two helpers, which spend a fifth of the CPU pickling and
        contend with Tantivy.) At most a few chunks wait at any time.
        """

        def here(part: list[ListingDocument]) -> list[tuple[ListingDocument, tantivy.Document]]:
            return [(d, self._to_tantivy(d)) for d in part]

        if not workers:
            yield from map(here, _chunks(documents, PIPELINE_CHUNK))
            return
        import multiprocessing
        from collections import deque
        from concurrent.futures import Future, ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        from search import analysis

        analysis.words("预热")  # load the dictionary once, before forking
        context = multiprocessing.get_context(_start_method())
        broken = False

        def take(part: list[ListingDocument], work: Future | list) -> list[tuple]:
            """Return a queued chunk's documents: analysed here already, or by a helper."""
            nonlocal broken
            if not isinstance(work, Future):
                return work
            try:
                fields = work.result()
            except BrokenProcessPool:
                # A helper that could not start or died (e.g. a spawned one
                # re-running an unguarded script): finish here, serially.
                if not broken:
                    logger.warning("analysing helper failed; indexing serially")
                broken = True
                return here(part)
            return [(d, tantivy.Document(**f)) for d, f in zip(part, fields, strict=True)]

        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque[tuple[list[ListingDocument], Future | list]] = deque()
            for part in _chunks(documents, PIPELINE_CHUNK):
                busy = sum(1 for _p, w in pending if isinstance(w, Future) and not w.done())
                if not broken and busy < workers * 2:
                    pending.append((part, pool.submit(_fields_of_many, part)))
                else:
                    pending.append((part, here(part)))
                # Hand over what is ready at the head; wait only when too much is queued.
                while pending and (
                    len(pending) > workers * 4
                    or not isinstance(pending[0][1], Future)
                    or pending[0][1].done()
                ):
                    yield take(*pending.popleft())
            while pending:
                yield take(*pending.popleft())

    def _fields(self, doc: ListingDocument) -> dict[str, Any]:
        return tantivy_fields(doc, self.tokens_for)

    @_in_process
    def index_documents(self, documents: Iterable[ListingDocument]) -> int:
        """Add or replace documents in bulk and make them visible; return the count."""
        by_kind: dict[str, list[ListingDocument]] = {}
        for doc in documents:
            by_kind.setdefault(doc.kind, []).append(doc)
        for kind, docs in by_kind.items():
            for start in range(0, len(docs), self.batch_size):
                self._apply(kind, docs[start : start + self.batch_size])
        return sum(len(d) for d in by_kind.values())

    def _apply(self, kind: Kind, docs: list[ListingDocument], delete_ids: list[str] = ()) -> None:
        """Remove ``delete_ids`` and add or replace ``docs`` in one commit."""
        workers = self._workers(len(docs))
        # Small batches are analysed before taking the lock (keeps it short);
        # big ones stream from the pipeline into the writer while it indexes.
        parts = self._prepared(docs, workers)
        if not workers:
            parts = list(parts)
        with self._writer(kind, bulk=len(docs) >= self.parallel_min_docs) as writer:
            for doc_id in delete_ids:
                writer.delete_documents_by_term("id", doc_id)
            for part in parts:
                for doc, tdoc in part:
                    writer.delete_documents_by_term("id", doc.id)
                    writer.add_document(tdoc)

    def update_documents(
        self, kind: Kind, documents: Iterable[ListingDocument], delete_ids: Iterable[str] = ()
    ) -> int:
        """Add or replace ``documents`` and remove ``delete_ids`` of ``kind`` in one commit."""
        docs = [d for d in documents if d.kind == kind]
        delete_ids = [str(i) for i in delete_ids]
        if docs or delete_ids:
            self._update(kind, docs, delete_ids)
        return len(docs)

    @_engine_call
    def _update(self, kind: Kind, docs: list[ListingDocument], delete_ids: list[str]) -> None:
        self._apply(kind, docs, delete_ids)

    def delete_documents(self, kind: Kind, ids: Iterable[str]) -> int:
        """Remove the listings of ``kind`` with these ids from the index."""
        ids = [str(i) for i in ids]
        if ids:
            self._update(kind, [], ids)
        return len(ids)

    def refresh(self) -> None:
        """Make every committed change visible to this process's searches."""
        self._refresh()
        if self.isolate:
            self._engine_process().call("_refresh")

    def _refresh(self) -> None:
        for kind in list(self._indexes):
            self._verify(kind)
            self._index(kind).reload()
        self._meta_mtimes.clear()
        self._caches.clear()

    def _discard_if_unusable(self, kind: Kind) -> None:
        """Drop an on-disk index that is damaged or has another schema: a rebuild replaces it."""
        try:
            self._verify(kind)  # the files on disk, even when this process has them open
            self._index(kind)
            return
        except IndexCorrupt as error:
            reason = str(error)
        except ValueError as error:
            if "schema does not match" not in str(error):
                raise
            reason = "the index schema changed"
        logger.warning("search: replacing the %s index (%s)", kind, reason)
        with self._lock(kind):
            shutil.rmtree(self._dir(kind), ignore_errors=True)
        for state in (self._indexes, self._verified, self._meta_mtimes, self._caches):
            state.pop(kind, None)

    @_in_process
    def clear(self, kind: Kind | None = None) -> None:
        """Remove every document of ``kind`` (or of every kind)."""
        for k in [kind] if kind else KINDS:
            with self._writer(k) as writer:
                writer.delete_all_documents()

    @_in_process
    def rebuild(
        self,
        kind: Kind,
        documents: Iterable[ListingDocument],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Replace the whole index of ``kind`` with ``documents`` without downtime."""
        self._discard_if_unusable(kind)
        # A first slice decides whether helpers are worth starting; the rest streams.
        documents = iter(documents)
        first = list(itertools.islice(documents, self.parallel_min_docs))
        workers = self._workers(len(first))
        count = 0
        # One commit: searchers see the old index until the new one is complete.
        with self._writer(kind, bulk=True) as writer:
            writer.delete_all_documents()
            for part in self._prepared(itertools.chain(first, documents), workers):
                for _doc, tdoc in part:
                    writer.add_document(tdoc)
                count += len(part)
                if progress:
                    progress(len(part))
        return count

    # -- reading -------------------------------------------------------------------

    @_engine_call
    def count(self, kind: Kind) -> int:
        """Return the number of indexed documents of ``kind``."""
        return self._searcher(kind).num_docs

    @_engine_call
    def get_document(self, kind: Kind, id: str) -> ListingDocument | None:
        """Return the stored document of ``kind`` with ``id``, or None."""
        searcher = self._searcher(kind)
        query = tantivy.Query.term_query(self.schema, "id", str(id))
        hits = searcher.search(query, 1, count=False).hits
        return self._load(searcher, hits[0][1]) if hits else None

    @staticmethod
    def _load(searcher: tantivy.Searcher, address) -> ListingDocument:
        source = searcher.doc(address).get_first("source")
        return ListingDocument.from_dict(json.loads(source))

    def _load_cached(self, searcher, cache: _GenerationCache, address) -> ListingDocument:
        """Return the stored document at ``address`` (a copy: callers may change it)."""
        key = (address.segment_ord, address.doc)
        doc = cache.docs.get(key)
        if doc is None:
            doc = self._load(searcher, address)
            if len(cache.docs) < cache.max_docs:
                cache.docs[key] = doc
        return copy.copy(doc)

    @staticmethod
    def _ids(searcher: tantivy.Searcher, addresses: list) -> list[str]:
        """Return the listing ids of hits from the ``pk`` fast field (stored ``id`` as fallback)."""
        if not addresses:
            return []
        pks = searcher.fast_field_values("pk", addresses)
        return [
            str(pk) if pk is not None else searcher.doc(address).get_first("id")
            for pk, address in zip(pks, addresses, strict=True)
        ]

    def doc_freqs(self, kind: Kind, field: str, terms: Iterable[str]) -> dict[str, int]:
        """Return the document frequency of each term in a token field."""
        return self._doc_freqs(kind, field, list(terms))

    @_engine_call
    def _doc_freqs(self, kind: Kind, field: str, terms: list[str]) -> dict[str, int]:
        searcher, cache = self._generation(kind)
        known = cache.doc_freqs.setdefault(field, {})
        out = {}
        for term in terms:
            n = known.get(term)
            if n is None:
                n = searcher.doc_freq(field, term)
                if len(known) < 200_000:
                    known[term] = n
            out[term] = n
        return out

    @_engine_call
    def autocomplete(self, kind: Kind, prefix: str, limit: int = 10) -> list[str]:
        """Return up to ``limit`` indexed keywords and title words starting with ``prefix``."""
        prefix = self.analyser.normalise(prefix).strip()
        if not prefix:
            return []
        pairs = self._searcher(kind).terms_with_prefix("suggest", prefix)
        pairs.sort(key=lambda p: (-p[1], len(p[0]), p[0]))
        return [term for term, _n in pairs[:limit]]

    def search(self, query: SearchQuery) -> SearchResults:
        """Return a page of hits for a catalogue query with facets and highlights."""
        # Analysed here: an isolated engine child never loads the dictionary.
        return self._search(query, search_terms(query.text))

    @_engine_call
    def _search(self, query: SearchQuery, terms: WeightedTerms) -> SearchResults:
        searcher, cache = self._generation(query.kind)
        compiled = self._filtered(self._text_query(terms), parse_filters(query.filters))
        # Tantivy panics on a limit of 0: count-only queries fetch one hit and drop it.
        result = searcher.search(compiled, max(query.page_size, 1), count=True, offset=query.offset)
        found = result.hits if query.page_size > 0 else []
        if query.ids_only:
            ids = self._ids(searcher, [address for _score, address in found])
            hits = [Hit(None, score, doc_id=i) for (score, _a), i in zip(found, ids, strict=True)]
        else:
            hits = []
            for score, address in found:
                doc = self._load_cached(searcher, cache, address)
                marks = highlight_document(doc, terms) if query.highlight and terms else {}
                hits.append(Hit(doc, score, marks))
        facets = self._facets(searcher, compiled, query.facets)
        return SearchResults(hits, result.count, facets, query.page, query.page_size)

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
        return self._more_like_this(
            kind,
            terms,
            dict(filters or {}),
            {str(i) for i in exclude_ids},
            limit,
            dict(field_boosts or self.mlt_field_boosts),
        )

    @_engine_call
    def _more_like_this(
        self,
        kind: Kind,
        terms: WeightedTerms,
        filters: dict[str, Any],
        exclude_ids: set[str],
        limit: int,
        field_boosts: dict[str, float],
    ) -> list[Hit]:
        searcher, cache = self._generation(kind)
        mlt = self._mlt_query(terms, field_boosts)
        clauses = parse_filters(filters)
        if clauses or exclude_ids:
            # The bare disjunction of term clauses is what Tantivy's top-k
            # pruning (block-max WAND) handles; filters around it make it score
            # every candidate. So fetch the best few unfiltered and check the
            # filters on the loaded documents: when ``limit`` of them pass, they
            # are exactly the best that pass. Only otherwise run the filtered query.
            fetch = limit * PREFILTER_FACTOR
            hits = searcher.search(mlt, fetch, count=False).hits
            kept = []
            for score, address in hits:
                doc = self._load_cached(searcher, cache, address)
                if doc.id not in exclude_ids and all(clause_matches(doc, c) for c in clauses):
                    kept.append(Hit(doc, score))
                    if len(kept) == limit:
                        return kept
            if len(hits) < fetch:  # every matching listing was seen
                return kept
        query = self._filtered(mlt, clauses)
        excluded = [
            (tantivy.Occur.MustNot, tantivy.Query.term_query(self.schema, "id", i))
            for i in sorted(exclude_ids)
        ]
        if excluded:
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), *excluded])
        hits = searcher.search(query, limit, count=False).hits
        return [Hit(self._load_cached(searcher, cache, address), score) for score, address in hits]

    # -- query compilation ---------------------------------------------------------

    def _term(self, field: str, term: str, boost: float) -> tantivy.Query:
        query = tantivy.Query.term_query(self.schema, field, term, index_option="freq")
        return tantivy.Query.boost_query(query, boost) if boost != 1.0 else query

    def _mlt_query(self, terms: WeightedTerms, boosts: Mapping[str, float]) -> tantivy.Query:
        clauses = []
        for rank, (term, weight) in enumerate(terms.words.items()):
            fields = (
                ("words", "title_words", "keyword_words")
                if rank < SMALL_FIELD_TERMS
                else ("words",)
            )
            for field in fields:
                if boosts.get(field):
                    clauses.append(self._term(field, term, weight * boosts[field]))
        for term, weight in terms.bigrams.items():
            clauses.append(self._term("bigrams", term, weight * boosts.get("bigrams", 1.0)))
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in clauses])

    def _text_query(self, terms: WeightedTerms) -> tantivy.Query:
        # At least one anchor, every clause scored (base.TextClauses; ES: text_query).
        if not terms:
            return tantivy.Query.all_query()
        boosts = self.search_field_boosts
        should = tantivy.Occur.Should
        clauses = text_clauses(terms)

        def word(group: tuple[str, ...]) -> tantivy.Query:
            # One either-or clause per word: a synonym variant and its canonical form.
            per_field = [
                (should, self._term(f, term, boosts[f]))
                for term in group
                for f in ("words", "title_words", "keyword_words")
            ]
            return tantivy.Query.boolean_query(per_field)

        def parts(groups, grams) -> list[tuple[tantivy.Occur, tantivy.Query]]:
            return [(should, word(g)) for g in groups] + [
                (should, self._term("bigrams", t, boosts["bigrams"])) for t in grams
            ]

        anchors = tantivy.Query.boolean_query(parts(clauses.groups, clauses.bigrams))
        extras = parts(clauses.extra_groups, clauses.extra_bigrams)
        if not extras:
            return anchors
        extra = tantivy.Query.boolean_query(extras)
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, anchors), (should, extra)])

    def _clause_query(self, clause: Clause) -> tuple[tantivy.Occur, tantivy.Query]:
        q = tantivy.Query
        if clause.op in ("in", "not_in"):
            query = q.term_set_query(self.schema, clause.field, clause.value)
            occur = tantivy.Occur.Must if clause.op == "in" else tantivy.Occur.MustNot
            return occur, query
        value = _range_value(clause.field, clause.value)
        integer = tantivy.FieldType.Integer
        if clause.op == "gte":
            return tantivy.Occur.Must, q.range_query(self.schema, clause.field, integer, value)
        if clause.op == "lte":
            return tantivy.Occur.Must, q.range_query(
                self.schema, clause.field, integer, upper_bound=value
            )
        # gte_or_missing: exclude only documents whose value is below the bound.
        below = q.range_query(
            self.schema, clause.field, integer, upper_bound=value, include_upper=False
        )
        return tantivy.Occur.MustNot, below

    def _filtered(self, query: tantivy.Query, clauses: list[Clause]) -> tantivy.Query:
        if not clauses:
            return query
        parts = [(tantivy.Occur.Must, query)]
        for clause in clauses:
            occur, sub = self._clause_query(clause)
            if occur is tantivy.Occur.Must:
                sub = tantivy.Query.const_score_query(sub, 0.0)
            parts.append((occur, sub))
        return tantivy.Query.boolean_query(parts)

    def _facets(self, searcher, query, names) -> dict[str, list[tuple[str, int]]]:
        names = [n for n in names if n in FACET_FIELDS]
        if not names:
            return {}
        aggs = {n: {"terms": {"field": n, "size": FACET_SIZE}} for n in names}
        result = searcher.aggregate(query, aggs)
        return {n: [(b["key"], int(b["doc_count"])) for b in result[n]["buckets"]] for n in names}

    # -- reconciliation ---------------------------------------------------------------

    @_engine_call
    def indexed_versions(self, kind: Kind) -> dict[str, str]:
        """Return ``{id: version}`` of every indexed document of ``kind`` ("" when unversioned)."""
        # The version lives in the stored source, not in a fast field: no schema
        # change, and reading 100,000 sources takes ~0.7 s (docs/search.md).
        searcher = self._searcher(kind)
        total = searcher.num_docs
        if not total:  # Tantivy panics on a limit of 0
            return {}
        hits = searcher.search(tantivy.Query.all_query(), total, count=False).hits
        versions = {}
        for _score, address in hits:
            source = json.loads(searcher.doc(address).get_first("source"))
            versions[str(source["id"])] = source.get("version") or ""
        return versions

    def check(self) -> list[str]:
        """Return human-readable problems with this backend's configuration."""
        problems = []
        if self.path.exists() and not self.path.is_dir():
            return [f"search index path {self.path} exists but is not a folder"]
        probe = self.path
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent  # the folder is created on first write
        if not os.access(probe, os.W_OK):
            problems.append(f"search index folder {self.path} is not writable")
        for kind in KINDS:
            problem = self._check_index(kind)
            if problem:
                problems.append(f"the {kind} index in {self._dir(kind)} {problem}")
        return problems

    def _check_index(self, kind: Kind) -> str:
        """Return what is wrong with the index of ``kind`` on disk ("" if nothing).

        Cheap (meta.json and file footers, no checksums, nothing opened), as it
        runs before every management command: a damaged index is a warning that
        never blocks ``migrate`` or ``rebuild_index``.
        """
        directory = self._dir(kind)
        try:
            verify_index(directory, deep=False)
            if (directory / "meta.json").exists() and not tantivy.Index.is_compatible(
                str(directory)
            ):
                return "is incompatible; run manage.py rebuild_index"
        except BaseException as exc:  # noqa: BLE001 - a panic, too, means damage
            if isinstance(as_engine_error(exc), KeyboardInterrupt | SystemExit):
                raise
            return f"is damaged ({exc}); run manage.py rebuild_index"
        return ""


# Above this resident size a helper is started fresh instead of forked (see below).
FORK_MAX_RSS = 1 << 30


def _start_method() -> str:
    """Return how to start analysing helpers: "fork" for a lean process, else "spawn".

    A forked helper inherits the loaded dictionary for free, but shares the parent's
    memory copy-on-write: while it lives, every page the parent writes is copied. For a
    process holding gigabytes (a benchmark, a big import) that costs the parent more CPU
    than a fresh interpreter loading the dictionary once (measured: +16 % at 3.4 GiB).
    """
    try:
        with open("/proc/self/statm") as statm:
            rss = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return "fork"
    return "fork" if rss < FORK_MAX_RSS else "spawn"


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while part := list(itertools.islice(iterator, size)):
        yield part


def _fields_of_many(docs: list[ListingDocument]) -> list[dict]:
    return [tantivy_fields(d) for d in docs]


SearchBackend = EmbeddedSearchBackend
