"""Rebuild the search index from the live public listings."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from search.backends import get_search_backend
from search.documents import KINDS, document_from_page, listing_queryset


class Command(BaseCommand):
    help = "Rebuild the search index of demands and technologies (zero downtime)."

    def add_arguments(self, parser):
        parser.add_argument("--backend", default="default", help="SEARCH_BACKENDS name")
        parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        backend = get_search_backend(opts["backend"])
        for kind in opts["kind"] or KINDS:
            queryset = listing_queryset(kind)
            total = queryset.count()
            started = time.perf_counter()
            with tqdm(
                total=total,
                desc=kind,
                unit="doc",
                disable=opts["no_progress"],
                file=self.stderr._out,
            ) as bar:
                documents = (document_from_page(page) for page in queryset.iterator(chunk_size=500))
                count = backend.rebuild(kind, documents, progress=bar.update)
            elapsed = time.perf_counter() - started
            rate = count / elapsed if elapsed > 0 else 0.0
            self.stdout.write(f"{kind}: {count} documents in {elapsed:.1f} s ({rate:.0f} docs/s)")
