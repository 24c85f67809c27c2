"""Background tasks that keep the search index in step with published pages.

Tasks take ids, not documents, and read the pages when they run: whichever
task runs last indexes a page as it is then, so a slow or retried task can
never put an older version back. :func:`sync_listings` handles a whole
transaction's worth of pages of one kind with one index commit; it is what
:mod:`search.indexing` enqueues.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from search.documents import Kind

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 10
# Index updates run before other queued work (Wagtail's reference-index and
# admin-search tasks, mail): a page published behind an import's backlog is
# still searchable within a second. django-tasks' range is -100..100, default 0.
INDEX_PRIORITY = 50


def _retry(task_obj, kind: Kind, ids, attempt: int, exc: Exception) -> None:
    """Enqueue another attempt with exponential back-off, or log and give up."""
    shown = ids if not isinstance(ids, list) or len(ids) <= 20 else f"{ids[:20]}… ({len(ids)})"
    if attempt >= MAX_ATTEMPTS:
        logger.error("search: giving up on %s %s after %s attempts", kind, shown, attempt)
        return
    logger.warning("search: %s %s failed (attempt %s): %s", kind, shown, attempt, exc)
    backend = task_obj.get_backend()
    if backend.supports_defer:
        delay = dt.timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))
        task_obj = task_obj.using(run_after=timezone.now() + delay)
    task_obj.enqueue(kind, ids, attempt=attempt + 1)


def _sync_many(kind: Kind, page_ids: list[int]) -> dict[str, int]:
    from search.indexing import index_pages

    return index_pages(kind, page_ids)


@task(priority=INDEX_PRIORITY)
def sync_listings(kind: Kind, page_ids: list[int], attempt: int = 1) -> dict[str, int]:
    """(Re)index the listing pages that are live and public, remove the others; one commit."""
    try:
        return _sync_many(kind, list(page_ids))
    except Exception as exc:
        _retry(sync_listings, kind, list(page_ids), attempt, exc)
        raise


def _sync(kind: Kind, page_id: int) -> str:
    result = _sync_many(kind, [page_id])
    return "indexed" if result["indexed"] else "removed"


@task(priority=INDEX_PRIORITY)
def sync_listing(kind: Kind, page_id: int, attempt: int = 1) -> str:
    """(Re)index one listing page (kept for tasks already queued; new code batches)."""
    try:
        return _sync(kind, page_id)
    except Exception as exc:
        _retry(sync_listing, kind, page_id, attempt, exc)
        raise


@task(priority=INDEX_PRIORITY)
def remove_listing(kind: Kind, page_id: int, attempt: int = 1) -> str:
    """Remove a listing from the index (kept for tasks already queued)."""
    from search.backends import get_search_backend

    try:
        get_search_backend().delete_documents(kind, [str(page_id)])
    except Exception as exc:
        _retry(remove_listing, kind, page_id, attempt, exc)
        raise
    return "removed"
