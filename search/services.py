"""Writes of the search app: recording and resolving index updates that gave up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from search.documents import Kind
from search.models import IndexFailure

#: Characters of the last error kept (a traceback's last line is what matters).
ERROR_CHARS = 2000


def index_failure_record(
    *, kind: Kind, page_ids: Iterable[int | str], attempts: int, task_name: str, error: str
) -> IndexFailure:
    """Record that an index update of these pages gave up, for curators to see."""
    failure = IndexFailure(
        kind=kind,
        page_ids=sorted({int(i) for i in page_ids}),
        attempts=attempts,
        task_name=task_name[:64],
        error=error[-ERROR_CHARS:],
    )
    failure.full_clean()
    failure.save()
    return failure


def index_failure_resolve_synced(*, kind: Kind, page_ids: Iterable[int | str]) -> int:
    """Mark open failures of ``kind`` resolved when all their pages were just synced."""
    synced = {int(i) for i in page_ids}
    open_failures = IndexFailure.objects.filter(kind=kind, resolved_at__isnull=True)
    done = [pk for pk, ids in open_failures.values_list("pk", "page_ids") if set(ids) <= synced]
    return _resolve(IndexFailure.objects.filter(pk__in=done), IndexFailure.Resolution.SYNCED)


def index_failure_resolve_reconciled(*, kind: Kind, before: dt.datetime) -> int:
    """Mark open failures of ``kind`` recorded before a completed reconciliation began resolved."""
    open_failures = IndexFailure.objects.filter(
        kind=kind, resolved_at__isnull=True, created_at__lt=before
    )
    return _resolve(open_failures, IndexFailure.Resolution.RECONCILED)


def _resolve(failures, resolution: str) -> int:
    # A queryset update: a failure resolved twice (sync and reconcile racing)
    # keeps its first resolution.
    return failures.filter(resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=resolution
    )
