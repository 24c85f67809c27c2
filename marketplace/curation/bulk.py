"""Publishing thousands of new listings without thousands of add_child/save_revision/publish calls.

Wagtail publishes one page with three saves, a revision, a log entry, a reference
index update and a search index task each; 10,000 imported rows took ~20 minutes
that way. Here the page rows, their revisions and publish log entries are
written in bulk (paths computed once from the parent's last child, as treebeard
would), then ``page_published`` is sent for every page exactly as
``Revision.publish`` sends it, so the search index and any other listener see a
normal publication (search/ then updates its index and Wagtail's admin search
for each page). Wagtail's reference index is written in one pass.

Drafts (listings of organisations not yet verified) are inserted the same way,
unpublished: a latest revision but no live one, a ``wagtail.create`` log entry,
no ``page_published``; Wagtail's admin search is updated directly, as a page
``save()`` would, so curators find them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from modelcluster.models import get_all_child_relations
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.signals import page_published

from search.indexing import refresh_admin_index

BATCH = 500


def _assign_paths(parent: Page, pages: list[Page]) -> None:
    last = parent.get_last_child()
    step = Page._str2int(last.path[-Page.steplen :]) if last else 0
    depth = parent.depth + 1
    for offset, page in enumerate(pages, start=1):
        page.depth = depth
        page.path = Page._get_path(parent.path, depth, step + offset)
        page.numchild = 0
        page._cached_parent_obj = parent
        page.set_url_path(parent)


def _insert_pages(model: type[Page], pages: list[Page]) -> None:
    # bulk_create refuses multi-table models: insert the wagtailcore_page rows, then the
    # specific table's rows with the primary keys they were given.
    Page.objects.bulk_create(pages, batch_size=BATCH)
    for page in pages:
        page.page_ptr_id = page.id
    fields = [field for field in model._meta.local_concrete_fields]
    model._base_manager.using(router.db_for_write(model))._batched_insert(pages, fields, BATCH)


def _insert_relations(
    model: type[Page],
    pages: list[Page],
    m2m: dict[int, dict[str, list]],
    children: dict[int, dict[str, list]],
) -> None:
    for index, page in enumerate(pages):
        for objs in children.get(index, {}).values():
            for order, child in enumerate(objs):
                child.page_id = page.id
                child.sort_order = order
    for name in {name for per_page in children.values() for name in per_page}:
        related = model._meta.get_field(name).related_model
        related.objects.bulk_create(
            [child for per_page in children.values() for child in per_page.get(name, [])],
            batch_size=BATCH,
        )
    for name in {name for per_page in m2m.values() for name in per_page}:
        field = model._meta.get_field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        through.objects.bulk_create(
            [
                through(**{f"{source}_id": pages[index].id, f"{target}_id": obj.pk})
                for index, per_page in m2m.items()
                for obj in per_page.get(name, [])
            ],
            batch_size=BATCH,
        )


def _insert_revisions(
    model: type[Page], pages: list[Page], user: Any, now, *, live: bool
) -> list[Revision]:
    content_type = ContentType.objects.get_for_model(model)
    base_type = ContentType.objects.get_for_model(Page)
    revisions = [
        Revision(
            content_type=content_type,
            base_content_type=base_type,
            object_id=str(page.id),
            object_str=page.title,
            content=page.serializable_data(),
            user=user,
            created_at=now,
        )
        for page in pages
    ]
    Revision.objects.bulk_create(revisions, batch_size=BATCH)
    for page, revision in zip(pages, revisions, strict=True):
        page.latest_revision = revision
        page.live_revision = revision if live else None
        page.__dict__.pop("_check_slug_is_unique", None)  # the importer's validation shortcut
    # One UPDATE per batch instead of bulk_update's CASE over every row.
    ids = [page.pk for page in pages]
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        latest = Subquery(
            Revision.objects.filter(
                base_content_type=base_type,
                object_id=Cast(OuterRef("pk"), CharField()),
            )
            .order_by("-pk")
            .values("pk")[:1]
        )
        revision_fields = {"latest_revision": latest}
        if live:
            revision_fields["live_revision"] = latest
        Page.objects.filter(pk__in=batch).update(**revision_fields)
    PageLogEntry.objects.bulk_create(
        [
            PageLogEntry(
                content_type=content_type,
                label=page.title,
                action="wagtail.publish" if live else "wagtail.create",
                timestamp=now,
                user=user,
                page_id=page.id,
                revision=revision,
                content_changed=True,
                data={},
            )
            for page, revision in zip(pages, revisions, strict=True)
        ],
        batch_size=BATCH,
    )
    return revisions


def _reference_index(model: type[Page], pages: list[Page]) -> None:
    # ReferenceIndex.create_or_update_for_object, minus its per-object lookup of existing
    # rows: these pages are brand new, so every reference is new.
    content_type = ContentType.objects.get_for_model(model)
    base_type = ContentType.objects.get_for_model(Page)
    ReferenceIndex.objects.bulk_create(
        [
            ReferenceIndex(
                content_type=content_type,
                base_content_type=base_type,
                object_id=page.pk,
                to_content_type_id=to_type,
                to_object_id=to_id,
                model_path=model_path,
                content_path=content_path,
                content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
            )
            for page in pages
            for to_type, to_id, model_path, content_path in set(
                ReferenceIndex._extract_references_from_object(page)
            )
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


def _empty_child_relations(pages: list[Page]) -> None:
    # Unset child relations (comments, attachments) would each cost a query when the
    # revision is serialised; new pages have none.
    for page in pages:
        for relation in get_all_child_relations(page):
            name = relation.get_accessor_name()
            if name not in page._cluster_related_objects:
                setattr(page, name, [])


def _insert_new_pages(
    parent: Page,
    pages: list[Page],
    m2m: dict[int, dict[str, list]],
    children: dict[int, dict[str, list]],
    user: Any,
    *,
    live: bool,
) -> list[Revision]:
    model = type(pages[0])
    now = timezone.now()
    _assign_paths(parent, pages)
    for page in pages:
        page.live = live
        page.has_unpublished_changes = not live
        page.first_published_at = page.last_published_at = now if live else None
        page.draft_title = page.title
    _insert_pages(model, pages)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
    parent.numchild += len(pages)
    _insert_relations(model, pages, m2m, children)
    _empty_child_relations(pages)
    revisions = _insert_revisions(model, pages, user, now, live=live)
    _reference_index(model, pages)
    return revisions


def publish_new_pages(
    *,
    parent: Page,
    pages: list[Page],
    m2m: dict[int, dict[str, list]],
    children: dict[int, dict[str, list]],
    user: Any = None,
    progress: Callable[..., Iterable] | None = None,
) -> list[Page]:
    """Insert and publish unsaved pages under ``parent``; ``m2m``/``children`` by page index."""
    if not pages:
        return pages
    model = type(pages[0])
    revisions = _insert_new_pages(parent, pages, m2m, children, user, live=True)
    rows = zip(pages, revisions, strict=True)
    for page, revision in progress(rows, total=len(pages), desc="索引") if progress else rows:
        # search/ re-indexes each page (and Wagtail's admin search) from this signal.
        page_published.send(sender=model, instance=page, revision=revision)
    return pages


def create_draft_pages(
    *,
    parent: Page,
    pages: list[Page],
    m2m: dict[int, dict[str, list]],
    children: dict[int, dict[str, list]],
    user: Any = None,
    progress: Callable[..., Iterable] | None = None,
) -> list[Page]:
    """Insert unsaved pages under ``parent`` as unpublished drafts (never indexed for the public)."""
    if not pages:
        return pages
    _insert_new_pages(parent, pages, m2m, children, user, live=False)
    refresh_admin_index(type(pages[0]), pages)
    return pages
