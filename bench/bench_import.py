"""Benchmark: import a 10,000-row demand workbook into a fresh temporary SQLite database.

    .venv/bin/python bench/bench_import.py [--rows 10000] [--kind demand|technology]

Builds the workbook in memory, migrates a throw-away database in a temporary
JIEBANG_DATA_DIR (test settings: immediate tasks, so every index update runs
inside the timing), imports it with the same service the command uses and
prints one JSON line with the phase timings. Target: under 60 s including indexing.

The workbook's organisations are created verified beforehand (not timed): an
import never verifies organisations, and listings of unverified ones are saved
as drafts, so this is what measures publishing. ``--new-organisations`` leaves
them to the import instead (pending, every listing a draft).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bulk_index(kind: str) -> float:
    from search.backends import get_search_backend
    from search.documents import document_from_page, listing_queryset

    started = time.perf_counter()
    documents = [
        document_from_page(page) for page in listing_queryset(kind).iterator(chunk_size=500)
    ]
    get_search_backend().index_documents(documents)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--kind", choices=("demand", "technology"), default="demand")
    parser.add_argument(
        "--new-organisations",
        action="store_true",
        help="let the import create the organisations (pending): every listing becomes a draft",
    )
    parser.add_argument(
        "--bulk-index",
        action="store_true",
        help="simulate the bulk hook search/ lacks: disconnect its per-page page_published "
        "receiver and index all imported listings with one backend.index_documents call",
    )
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="jiebang-bench-import-")
    os.environ["JIEBANG_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings.test"
    # The benchmark's row count is above the default cap of 5,000 rows per workbook.
    os.environ["JIEBANG_IMPORT_MAX_ROWS"] = str(max(args.rows, 5000))
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started

    from cms.models import DemandPage, TechnologyPage
    from marketplace.curation.services import catalogue_import
    from tests.curation.workbooks import (
        build,
        demand_row,
        technology_row,
        verified_organisations,
    )

    make_row = demand_row if args.kind == "demand" else technology_row
    started = time.perf_counter()
    workbook = build(args.kind, [make_row(n, orgs=200) for n in range(args.rows)])
    build_s = time.perf_counter() - started
    if not args.new_organisations:
        verified_organisations(args.kind, orgs=200)

    if args.bulk_index:
        from wagtail.signals import page_published

        page_published.disconnect(dispatch_uid="jiebang_search_published")
    started, cpu_started = time.perf_counter(), time.process_time()
    report = catalogue_import(source=workbook, kind=args.kind, filename="bench.xlsx")
    index_s = _bulk_index(args.kind) if args.bulk_index else None
    import_s = time.perf_counter() - started
    # CPU seconds of this process: on a shared machine wall time includes waiting for a core.
    import_cpu_s = time.process_time() - cpu_started
    model = DemandPage if args.kind == "demand" else TechnologyPage
    live = model.objects.live().count()
    expected_live = 0 if args.new_organisations else args.rows
    assert report.committed and live == expected_live, (report.errors[:5], live)
    # The import's one transaction queues one batched index task per kind on commit
    # (immediate under test settings), so the index must hold every row by now.
    from search.backends import get_search_backend

    indexed = get_search_backend().count(args.kind)

    print(
        json.dumps(
            {
                "rows": args.rows,
                "kind": args.kind,
                "import_seconds": round(import_s, 2),
                "import_cpu_seconds": round(import_cpu_s, 2),
                "bulk_index_seconds": index_s and round(index_s, 2),
                "rows_per_second": round(args.rows / import_s, 1),
                "workbook_build_seconds": round(build_s, 2),
                "migrate_seconds": round(migrate_s, 2),
                "organisations_created": report.organisations_created,
                "drafts": report.drafts,
                "live_listings": live,
                "indexed": indexed,
                "target_seconds": 60,
                "machine": f"{platform.node()} {platform.machine()} "
                f"{os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}",
                "data_dir": data_dir,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
