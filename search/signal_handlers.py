"""Keep the index current: every listing change goes through ``search.indexing``.

Publish, unpublish, delete, a listing saved with ``save()`` and every lifecycle
transition (``cms.lifecycle.listing_status_changed``: submit, close, award …) call
:func:`search.indexing.listing_changed`, which batches the ids per transaction into
one index task per kind.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from cms.lifecycle import listing_status_changed
from search import indexing
from search.documents import page_kind

# Saves touching only these fields cannot change what the index holds.
_BOOKKEEPING_FIELDS = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "has_unpublished_changes",
        "draft_title",
        "locked",
        "locked_at",
        "locked_by",
        "search_tokens",
        "url_path",
        "numchild",
    }
)


def _changed(page) -> None:
    kind = page_kind(page)
    if kind is not None and page.pk is not None:
        indexing.listing_changed(kind, page.pk)


def on_page_changed(sender, instance, **kwargs) -> None:
    """Re-index (or remove) a listing that was published or unpublished."""
    _changed(instance)


def on_listing_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """Re-index a listing saved directly (e.g. a status or deadline change)."""
    from cms.models import DemandPage, TechnologyPage

    if not isinstance(instance, DemandPage | TechnologyPage):
        return
    if update_fields is not None and set(update_fields) <= _BOOKKEEPING_FIELDS:
        return
    _changed(instance)


def on_page_deleted(sender, instance, **kwargs) -> None:
    """Remove a deleted listing from the index (the task finds the page gone)."""
    from wagtail.models import Page

    # Multi-table deletion also reports the parent Page row; the specific row
    # alone is enough, and non-page models are none of our business.
    if not isinstance(instance, Page) or type(instance) is Page:
        return
    _changed(instance)


def on_status_changed(sender, page, kind, **kwargs) -> None:
    """Re-index (or remove) a listing whose lifecycle status a transition changed."""
    indexing.listing_changed(kind, page.pk)


def register_signal_handlers() -> None:
    """Connect the handlers (called once from ``SearchConfig.ready``)."""
    page_published.connect(on_page_changed, dispatch_uid="jiebang_search_published")
    page_unpublished.connect(on_page_changed, dispatch_uid="jiebang_search_unpublished")
    post_delete.connect(on_page_deleted, dispatch_uid="jiebang_search_deleted")
    for label in ("cms.DemandPage", "cms.TechnologyPage"):
        post_save.connect(
            on_listing_saved, sender=label, dispatch_uid=f"jiebang_search_saved_{label}"
        )
    listing_status_changed.connect(on_status_changed, dispatch_uid="jiebang_search_status")
