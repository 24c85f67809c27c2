"""Keep the index current: publish, unpublish and delete enqueue index tasks."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from wagtail.signals import page_published, page_unpublished

from search.documents import page_kind


def _enqueue(task_obj, page, kind) -> None:
    if kind is None:
        return
    page_id = page.pk
    # After commit: the task must read the committed page, and a rolled-back
    # publish must not touch the index.
    transaction.on_commit(lambda: task_obj.enqueue(kind, page_id))


def on_page_changed(sender, instance, **kwargs) -> None:
    """Re-index (or remove) a listing that was published or unpublished."""
    from search.tasks import sync_listing

    _enqueue(sync_listing, instance, page_kind(instance))


def on_page_deleted(sender, instance, **kwargs) -> None:
    """Remove a deleted listing from the index."""
    from wagtail.models import Page

    from search.tasks import remove_listing

    # Multi-table deletion also reports the parent Page row; the specific row
    # alone is enough, and non-page models are none of our business.
    if not isinstance(instance, Page) or type(instance) is Page:
        return
    _enqueue(remove_listing, instance, page_kind(instance))


def register_signal_handlers() -> None:
    """Connect the handlers (called once from ``SearchConfig.ready``)."""
    page_published.connect(on_page_changed, dispatch_uid="jiebang_search_published")
    page_unpublished.connect(on_page_changed, dispatch_uid="jiebang_search_unpublished")
    post_delete.connect(on_page_deleted, dispatch_uid="jiebang_search_deleted")
