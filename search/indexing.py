"""Keeping the search index in step with the database, in batches.

Every change to a listing (publish, unpublish, delete, a status change by a
``cms.lifecycle`` transition) calls :func:`listing_changed`. The page ids are collected per
thread until the surrounding transaction commits; then ONE
:func:`search.tasks.sync_listings` task per listing kind re-reads all of them
and indexes or removes them with a single index commit. Outside a
transaction the task is enqueued at once (one page, one task), so a listing
published on its own is searchable as soon as the worker runs it.

Public API for code that writes many listings at once::

    from search import indexing

    with indexing.batch():          # one task per kind when the block ends
        for row in rows:            # (after the commit, if inside atomic())
            publish(row)            # page_published -> listing_changed

    indexing.index_pages("technology", ids)   # synchronous, one commit, no task

    indexing.listing_changed("demand", page.pk)  # after a change no signal reports

    indexing.reconcile("demand")    # compare with the database, fix what differs

Tasks carry ids, not documents, and read the pages when they run: a late or
retried task indexes the page as it is then, never an older version. Ids
whose page is gone, not live or not public are removed from the index.

An update that gives up (the index was broken through all its attempts) is
caught up by :func:`reconcile`: it compares every public listing's version
with the version stored in its indexed document and fixes what is missing,
stale or extra.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from search.documents import KINDS, Kind

logger = logging.getLogger(__name__)

#: Pages read from the database per query when (re)indexing a batch.
READ_CHUNK = 500
#: Listings (re)indexed per index commit while reconciling.
RECONCILE_BATCH = 1000

_local = threading.local()
_BATCH = "batch"


def _buffers() -> dict:
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    return buffers


def _depth() -> int:
    return getattr(_local, "depth", 0)


def _transaction_key():
    """Return a key of the current outermost transaction (None in autocommit)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block or not connection.atomic_blocks:
        return None
    return ("tx", id(connection.atomic_blocks[0]))


def listing_changed(kind: Kind, page_id: int | str) -> None:
    """Re-index (or remove) a listing once the current transaction commits.

    Call it after changing a listing without publishing or saving it (status
    changes need no call: search/signal_handlers.py hears the lifecycle). Cheap: ids are collected and sent to the index in one
    task per kind per transaction (or per :func:`batch` block).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown listing kind {kind!r}")
    buffers = _buffers()
    if _depth():
        buffers.setdefault(_BATCH, {}).setdefault(kind, set()).add(int(page_id))
        return
    key = _transaction_key()
    # Buffers of other transactions of this thread are over: committed ones
    # were flushed, rolled-back ones must not be (their callbacks were dropped).
    for stale in [k for k in buffers if k not in (key, _BATCH)]:
        del buffers[stale]
    buffers.setdefault(key, {}).setdefault(kind, set()).add(int(page_id))
    # Registered per call: a callback registered inside a savepoint that rolls
    # back is dropped, so a later one must still flush; callbacks after the
    # first find the buffer empty. Ids of a rolled-back savepoint are re-indexed
    # anyway, which is harmless: the task re-reads the pages.
    transaction.on_commit(partial(flush, key))


def flush(key=None) -> list:
    """Enqueue one ``sync_listings`` task per kind for the ids collected under ``key``."""
    from search.tasks import sync_listings

    pending = _buffers().pop(key, {})
    results = []
    for kind, ids in pending.items():
        if not ids:
            continue
        ids = sorted(ids)
        try:
            results.append(sync_listings.enqueue(kind, ids))
        except Exception:  # the queue is down: the page is saved, the index will lag
            logger.exception("search: could not enqueue the index update of %s %s", kind, ids[:20])
    return results


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Collect every :func:`listing_changed` inside the block into one task per kind.

    The tasks are enqueued when the outermost block ends, after the commit of
    the transaction it ends in (at once in autocommit mode). Use it around
    bulk imports and demo seeding, which otherwise send one task per page when
    they run outside a transaction.
    """
    _local.depth = _depth() + 1
    try:
        yield
    finally:
        _local.depth -= 1
        if _local.depth == 0 and any(_buffers().get(_BATCH, {}).values()):
            transaction.on_commit(partial(flush, _BATCH))


def index_pages(kind: Kind, page_ids: Iterable[int | str], *, backend=None) -> dict[str, int]:
    """Index (or remove) these listing pages now, in this process, with one index commit.

    Pages are read from the database; those gone, not live or not public are
    removed from the index. The pages' ``search_tokens`` (Wagtail admin
    search) are refreshed too. Returns ``{"indexed": n, "removed": m}``.
    """
    from search.backends import get_search_backend
    from search.documents import document_from_page, listing_queryset

    ids = sorted({int(i) for i in page_ids})
    backend = backend or get_search_backend()
    documents, pages = [], []
    for start in range(0, len(ids), READ_CHUNK):
        chunk = ids[start : start + READ_CHUNK]
        for page in listing_queryset(kind).filter(pk__in=chunk):
            if page.is_public:
                pages.append(page)
                documents.append(document_from_page(page))
    found = {d.id for d in documents}
    removed = [str(i) for i in ids if str(i) not in found]
    backend.update_documents(kind, documents, delete_ids=removed)
    fill_admin_search(kind, pages, documents)
    return {"indexed": len(documents), "removed": len(removed)}


def fill_admin_search(kind: Kind, pages: list, documents: list) -> None:
    """Store the analyser's words in ``search_tokens`` and refresh Wagtail's admin index.

    Wagtail's database search backend stores an unspaced Chinese run as one
    token; these space-separated words let the admin find words inside it.
    ``bulk_update`` skips ``save()`` and its signals on purpose.
    """
    if not pages:
        return
    from cms.lifecycle import listing_model
    from search import analysis

    model = listing_model(kind)
    for page, document in zip(pages, documents, strict=True):
        page.search_tokens = " ".join(analysis.words(document.full_text()))
    model.objects.bulk_update(pages, ["search_tokens"], batch_size=READ_CHUNK)
    refresh_admin_index(model, pages)


def refresh_admin_index(model, pages: list) -> None:
    """Add or update ``pages`` in Wagtail's own (admin) search index, as its save() handler does.

    A failure is logged and, like Wagtail's, raised only by backends that don't catch
    indexing errors: the admin search is not worth losing a publish or an import.
    """
    from wagtail.search.backends import get_search_backends
    from wagtail.search.index import get_indexed_instance

    indexed = [i for i in (get_indexed_instance(p) for p in pages) if i is not None]
    for backend in get_search_backends(with_auto_update=True):
        try:
            backend.add_bulk(model, indexed)
        except Exception:
            logger.exception("search: Wagtail admin search index update failed")
            if not backend.catch_indexing_errors:
                raise


# -- reconciliation ------------------------------------------------------------------


@dataclass(slots=True)
class ReconcileReport:
    """What one reconciliation of one listing kind found and fixed."""

    kind: Kind
    checked: int = 0
    missing: int = 0
    stale: int = 0
    extra: int = 0
    fixed: int = 0

    def as_dict(self) -> dict[str, int | str]:
        """Return the counts as a dict (a task's JSON return value)."""
        return asdict(self)

    @property
    def differences(self) -> int:
        """Return how many documents were missing, stale or extra."""
        return self.missing + self.stale + self.extra

    def __str__(self) -> str:
        return (
            f"{self.kind}: checked {self.checked}, missing {self.missing}, "
            f"stale {self.stale}, extra {self.extra}, fixed {self.fixed}"
        )


def reconcile(
    kind: Kind, *, dry_run: bool = False, backend=None, batch_size: int = RECONCILE_BATCH
) -> ReconcileReport:
    """Compare the index of ``kind`` with the database's public listings and fix what differs.

    *Missing*: public in the database, not indexed. *Stale*: indexed with
    another version than the listing's (:func:`search.documents.listing_versions`).
    *Extra*: indexed, but not a public listing (unpublished, withdrawn, gone).
    All of them go through :func:`index_pages`, which re-reads the pages, so
    a listing that changed since the comparison is indexed as it is now, never
    removed by mistake. ``dry_run`` only counts. Open give-ups of ``kind``
    recorded before the run began are marked resolved.
    """
    from search.backends import get_search_backend
    from search.documents import listing_versions
    from search.services import index_failure_resolve_reconciled

    backend = backend or get_search_backend()
    started = timezone.now()
    wanted = listing_versions(kind)
    indexed = backend.indexed_versions(kind)
    missing = [i for i in wanted if i not in indexed]
    stale = [i for i in wanted if i in indexed and indexed[i] != wanted[i]]
    extra = [i for i in indexed if i not in wanted]
    report = ReconcileReport(
        kind, len(wanted.keys() | indexed.keys()), len(missing), len(stale), len(extra)
    )
    if not dry_run:
        report.fixed = _fix(kind, missing + stale + extra, backend, batch_size)
        index_failure_resolve_reconciled(kind=kind, before=started)
    log = logger.warning if report.differences else logger.info
    log("search: reconciled %s%s", report, " (dry run)" if dry_run else "")
    return report


def _fix(kind: Kind, ids: list[str], backend, batch_size: int) -> int:
    """Re-index or remove these documents, a batch per commit; return how many were done."""
    pages = sorted(int(i) for i in ids if i.isascii() and i.isdigit())
    # An id that is no page id was never a listing: remove it without a lookup.
    foreign = [i for i in ids if not (i.isascii() and i.isdigit())]
    fixed = backend.delete_documents(kind, foreign) if foreign else 0
    for start in range(0, len(pages), batch_size):
        result = index_pages(kind, pages[start : start + batch_size], backend=backend)
        fixed += result["indexed"] + result["removed"]
    return fixed
