"""Background tasks that keep the search index in step with published pages.

Tasks take ids, not documents, and read the pages when they run: whichever
task runs last indexes a page as it is then, so a slow or retried task can
never put an older version back. :func:`sync_listings` handles a whole
transaction's worth of pages of one kind with one index commit; it is what
:mod:`search.indexing` enqueues.

An update that fails every attempt is recorded as a
:class:`search.models.IndexFailure` (curators see it in the admin) and pulls
the next :func:`reconcile_index` run forward. That task compares the whole
index with the database and keeps one instance of itself scheduled
(``JIEBANG_SEARCH_RECONCILE_INTERVAL`` seconds, 900 by default; 0 turns the
schedule off) on backends that can defer a task (the database backend).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from search.documents import KINDS, Kind

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 10
# Index updates run before other queued work (Wagtail's reference-index and
# admin-search tasks, mail): a page published behind an import's backlog is
# still searchable within a second. django-tasks' range is -100..100, default 0.
INDEX_PRIORITY = 50
# Reconciliation reads every listing: below index updates, so publishing
# stays quick while it runs, and at the default level of other work.
RECONCILE_PRIORITY = 0
RECONCILE_INTERVAL_SECONDS = 900
# After a give-up, the next reconciliation comes this soon: the index was
# broken through all the retries (~2.5 minutes), so give an operator a moment.
RECONCILE_AFTER_GIVE_UP = dt.timedelta(minutes=5)
# Never caught as a failed attempt: the process is being stopped.
_STOPPING = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _retry(task_obj, kind: Kind, ids, attempt: int, exc: BaseException) -> None:
    """Enqueue another attempt with exponential back-off, or record the give-up."""
    shown = ids if not isinstance(ids, list) or len(ids) <= 20 else f"{ids[:20]}… ({len(ids)})"
    if attempt >= MAX_ATTEMPTS:
        logger.error("search: giving up on %s %s after %s attempts", kind, shown, attempt)
        _gave_up(task_obj, kind, ids if isinstance(ids, list) else [ids], attempt, exc)
        return
    logger.warning("search: %s %s failed (attempt %s): %s", kind, shown, attempt, exc)
    backend = task_obj.get_backend()
    if backend.supports_defer:
        delay = dt.timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))
        task_obj = task_obj.using(run_after=timezone.now() + delay)
    task_obj.enqueue(kind, ids, attempt=attempt + 1)


def _gave_up(task_obj, kind: Kind, ids: list, attempts: int, exc: BaseException) -> None:
    """Record the give-up for curators and bring the next reconciliation forward."""
    from search.services import index_failure_record

    # Neither may hide the task's own error: the queue or database may be down too.
    try:
        index_failure_record(
            kind=kind,
            page_ids=ids,
            attempts=attempts,
            task_name=task_obj.name,
            error=f"{type(exc).__name__}: {exc}",
        )
    except Exception:
        logger.exception("search: could not record the give-up of %s %s", kind, ids[:20])
    try:
        schedule_reconcile(delay=RECONCILE_AFTER_GIVE_UP)
    except Exception:
        logger.exception("search: could not schedule a reconciliation")


def _sync_many(kind: Kind, page_ids: list[int]) -> dict[str, int]:
    from search.indexing import index_pages

    return index_pages(kind, page_ids)


def _synced(kind: Kind, page_ids: list[int]) -> None:
    from search.services import index_failure_resolve_synced

    try:
        index_failure_resolve_synced(kind=kind, page_ids=page_ids)
    except Exception:  # bookkeeping only: the pages are indexed
        logger.exception("search: could not resolve earlier give-ups of %s", kind)


@task(priority=INDEX_PRIORITY)
def sync_listings(kind: Kind, page_ids: list[int], attempt: int = 1) -> dict[str, int]:
    """(Re)index the listing pages that are live and public, remove the others; one commit."""
    try:
        result = _sync_many(kind, list(page_ids))
    except _STOPPING:
        raise
    except BaseException as exc:  # a native panic of the engine is no Exception
        _retry(sync_listings, kind, list(page_ids), attempt, exc)
        raise
    _synced(kind, list(page_ids))
    return result


def _sync(kind: Kind, page_id: int) -> str:
    result = _sync_many(kind, [page_id])
    return "indexed" if result["indexed"] else "removed"


@task(priority=INDEX_PRIORITY)
def sync_listing(kind: Kind, page_id: int, attempt: int = 1) -> str:
    """(Re)index one listing page (kept for tasks already queued; new code batches)."""
    try:
        result = _sync(kind, page_id)
    except _STOPPING:
        raise
    except BaseException as exc:
        _retry(sync_listing, kind, page_id, attempt, exc)
        raise
    _synced(kind, [page_id])
    return result


@task(priority=INDEX_PRIORITY)
def remove_listing(kind: Kind, page_id: int, attempt: int = 1) -> str:
    """Remove a listing from the index (kept for tasks already queued)."""
    from search.backends import get_search_backend

    try:
        get_search_backend().delete_documents(kind, [str(page_id)])
    except _STOPPING:
        raise
    except BaseException as exc:
        _retry(remove_listing, kind, page_id, attempt, exc)
        raise
    return "removed"


# -- reconciliation ------------------------------------------------------------------


def reconcile_interval() -> dt.timedelta | None:
    """Return the time between scheduled reconciliations (None: not scheduled)."""
    seconds = getattr(settings, "JIEBANG_SEARCH_RECONCILE_INTERVAL", RECONCILE_INTERVAL_SECONDS)
    return dt.timedelta(seconds=float(seconds)) if seconds else None


@task(priority=RECONCILE_PRIORITY)
def reconcile_index() -> dict[str, dict]:
    """Fix what the index misses, holds stale or holds extra; then schedule the next run."""
    from search.indexing import reconcile

    try:
        return {kind: reconcile(kind).as_dict() for kind in KINDS}
    finally:
        # Also after a failure (the index still broken): the next run retries.
        try:
            schedule_reconcile()
        except Exception:
            logger.exception("search: could not schedule the next reconciliation")


def _pending_reconciles(backend):
    """Return the queued, not yet started reconciliations (None: the backend cannot tell)."""
    try:
        from django_tasks_db import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return None
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=reconcile_index.module_path,
        backend_name=backend.alias,
    )


def schedule_reconcile(*, delay: dt.timedelta | None = None) -> bool:
    """Make sure one reconciliation is queued to run within ``delay`` (default: the interval).

    Keeps a single pending instance: a queued one due later is brought
    forward instead of queueing a second. Does nothing on a backend that
    cannot defer a task (the immediate one of tests and development, which
    would run it at once, and again, forever). Returns whether one was
    queued or moved.
    """
    if delay is None:
        delay = reconcile_interval()
        if delay is None:
            return False
    backend = reconcile_index.get_backend()
    if not backend.supports_defer:
        return False
    due = timezone.now() + delay
    pending = _pending_reconciles(backend)
    if pending is not None:
        from django.db.models import Q
        from django_tasks_db.models import get_date_max

        # A task queued without run_after carries the largest date and runs at once.
        if pending.filter(Q(run_after__lte=due) | Q(run_after=get_date_max())).exists():
            return False
        if pending.update(run_after=due):
            return True
    reconcile_index.using(run_after=due).enqueue()
    return True


def start_reconciling(**kwargs) -> None:
    """Queue the periodic reconciliation after ``migrate`` (every deploy) unless one is queued."""
    from django.db import DatabaseError

    try:
        schedule_reconcile()
    except DatabaseError:  # the task tables are not migrated (yet)
        logger.warning("search: reconciliation not scheduled", exc_info=True)
