"""Write many listing pages at once, bypassing ``add_child``/``save`` (benchmark sizes only).

Wagtail pages are treebeard ``MP_Node`` rows (materialised path, 4 characters per level,
alphabet 0-9A-Z) in ``wagtailcore_page`` plus one row per page in the specific model's
table (multi-table inheritance). Django refuses ``bulk_create`` on an MTI child, so:

1. the ``wagtailcore_page`` rows are bulk-created as plain ``Page`` objects (Page is not
   itself an MTI child, so this is the public API and returns primary keys on SQLite ≥
   3.35 and PostgreSQL);
2. the child rows are inserted with ``Manager._insert`` over the child model's *local*
   concrete fields — the very call ``Model.save_base`` makes for the child table of an
   MTI model, here with many objects per statement;
3. paths are computed here (``Page._get_path``) after the parent's last child, and the
   parent's ``numchild`` is increased once per chunk.

What is skipped, on purpose: revisions (bulk pages have no revision history: Wagtail
shows the page's own fields, and the first edit creates the first revision), log
entries, Wagtail's search index and reference index (``manage.py update_index``), and
our search index (``manage.py rebuild_index``): no signals are sent.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import F
from wagtail.models import Page

from cms.lifecycle import PUBLIC_DEMAND_STATES, PUBLIC_TECHNOLOGY_STATES
from cms.models import DemandIndicator, DemandPage, TechnologyIP

CHUNK = 1000
PAGE_FIELDS = [f for f in Page._meta.concrete_fields if not f.primary_key]
LIVE = PUBLIC_DEMAND_STATES | PUBLIC_TECHNOLOGY_STATES


class BulkWriter:
    """Appends listing pages under their index page, a chunk at a time."""

    def __init__(self, *, locale_id: int) -> None:
        self.locale_id = locale_id

    def write(self, specs: list[dict]) -> None:
        """Insert one chunk of listings (all under the same index page) and their children."""
        by_index: dict[int, list[dict]] = {}
        for spec in specs:
            by_index.setdefault(spec["index"].pk, []).append(spec)
        for group in by_index.values():
            self._write_group(group)

    def _write_group(self, specs: list[dict]) -> None:
        model = specs[0]["model"]
        parent = Page.objects.get(pk=specs[0]["index"].pk)
        last = parent.get_last_child()
        step = Page._str2int(last.path[-Page.steplen :]) + 1 if last else 1
        pages = [self._page(spec, parent, step + n) for n, spec in enumerate(specs)]
        base_rows = Page.objects.bulk_create(
            [Page(**{f.attname: getattr(p, f.attname) for f in PAGE_FIELDS}) for p in pages]
        )
        for page, row in zip(pages, base_rows, strict=True):
            page.pk = page.page_ptr_id = row.pk
            page._state.adding = False
        self._insert_children(model, pages)
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
        self._related(model, specs, pages)

    def _page(self, spec: dict, parent: Page, step: int):
        values = spec["values"]
        status = values["status"]
        live = status in LIVE
        published = spec["published"] if (live or status == "withdrawn") else None
        page = spec["model"](**values)
        page.draft_title = page.title
        page.path = Page._get_path(parent.path, parent.depth + 1, step)
        page.depth = parent.depth + 1
        page.numchild = 0
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.live = live
        page.has_unpublished_changes = not live
        page.first_published_at = page.last_published_at = published
        page.latest_revision_created_at = published
        page.owner_id = spec["owner"].pk
        page.locale_id = self.locale_id
        page.translation_key = spec["translation_key"]
        return page

    def _insert_children(self, model, pages) -> None:
        fields = model._meta.local_concrete_fields
        using = router.db_for_write(model)
        ops = connections[using].ops
        batch = max(1, ops.bulk_batch_size(fields, pages))
        for start in range(0, len(pages), batch):
            model._base_manager._insert(pages[start : start + batch], fields=fields, using=using)

    def _related(self, model, specs: list[dict], pages) -> None:
        through = model._meta.get_field("cooperation_modes").remote_field.through
        owner_column = f"{model._meta.model_name}_id"
        links, rows = [], []
        for spec, page in zip(specs, pages, strict=True):
            links += [
                through(**{owner_column: page.pk, "cooperationmode_id": mode.pk})
                for mode in spec["modes"]
            ]
            if model is DemandPage:
                rows += [
                    DemandIndicator(page_id=page.pk, sort_order=n, **row)
                    for n, row in enumerate(spec["indicators"])
                ]
            else:
                rows += [
                    TechnologyIP(page_id=page.pk, sort_order=n, **row)
                    for n, row in enumerate(spec["ip_items"])
                ]
        through.objects.bulk_create(links)
        if rows:
            type(rows[0]).objects.bulk_create(rows)
