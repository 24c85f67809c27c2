"""Background tasks that keep the search index in step with published pages.

Tasks take ids, not documents, and read the page when they run: whichever
task runs last indexes the page as it is then, so a slow or retried task can
never put an older version back.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from search.backends import get_search_backend
from search.documents import Kind

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 10


def _retry(task_obj, kind: Kind, page_id: int, attempt: int, exc: Exception) -> None:
    """Enqueue another attempt with exponential back-off, or log and give up."""
    if attempt >= MAX_ATTEMPTS:
        logger.error("search: giving up on %s %s after %s attempts", kind, page_id, attempt)
        return
    logger.warning("search: %s %s failed (attempt %s): %s", kind, page_id, attempt, exc)
    backend = task_obj.get_backend()
    if backend.supports_defer:
        delay = dt.timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))
        task_obj = task_obj.using(run_after=timezone.now() + delay)
    task_obj.enqueue(kind, page_id, attempt=attempt + 1)


def _sync(kind: Kind, page_id: int) -> str:
    from cms.models import DemandPage, TechnologyPage
    from search import analysis
    from search.documents import document_from_page, is_indexable

    model = DemandPage if kind == "demand" else TechnologyPage
    backend = get_search_backend()
    page = model.objects.filter(pk=page_id).first()
    if page is None or not is_indexable(page):
        backend.delete_documents(kind, [str(page_id)])
        return "removed"
    document = document_from_page(page)
    backend.index_documents([document])
    # Wagtail's admin search (database backend) sees these tokens, so it finds
    # Chinese words inside unspaced runs. update() skips save() side effects.
    tokens = " ".join(analysis.words(document.full_text()))
    model.objects.filter(pk=page_id).update(search_tokens=tokens)
    page.search_tokens = tokens
    from wagtail.search.index import insert_or_update_object

    insert_or_update_object(page)
    return "indexed"


@task()
def sync_listing(kind: Kind, page_id: int, attempt: int = 1) -> str:
    """(Re)index a listing page if it is live and public, else remove it."""
    try:
        return _sync(kind, page_id)
    except Exception as exc:
        _retry(sync_listing, kind, page_id, attempt, exc)
        raise


@task()
def remove_listing(kind: Kind, page_id: int, attempt: int = 1) -> str:
    """Remove a listing from the index (after deletion)."""
    try:
        get_search_backend().delete_documents(kind, [str(page_id)])
    except Exception as exc:
        _retry(remove_listing, kind, page_id, attempt, exc)
        raise
    return "removed"
