"""Benchmark: what a reconciliation run costs on a big catalogue.

    .venv/bin/python bench/bench_reconcile.py [--size 100000] [--lost 1000] [--data-dir DIR]

Seeds ``seed_demo --size N`` into a SQLite database under ``--data-dir``
(default /tmp/reconcile-bench, reused by later runs; the same layout as
bench_publish.py) and rebuilds its embedded index. Then, per listing kind:
the database side (``listing_versions``: one values() query and a hash per
row), the index side (``indexed_versions``: every stored source read), and a
whole ``reconcile`` that finds nothing to fix — what the periodic task costs
every 15 minutes. Finally ``--lost`` documents are deleted from the demand
index and as many demands made stale by a queryset update, and the
reconciliation that repairs them is timed. Prints one JSON line. Timings are
wall clock on a shared machine: read them as orders of magnitude.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTINGS = '''"""Benchmark settings: dev defaults on a throw-away database."""
from marketplace.settings.dev import *  # noqa: F403

DEBUG = False
# Tasks the seeding queues wait in the database; no worker runs them here.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
'''


def _setup(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "bench_reconcile_settings.py").write_text(SETTINGS, encoding="utf-8")
    sys.path.insert(0, str(data_dir))
    os.environ["JIEBANG_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_reconcile_settings"
    os.environ["JIEBANG_ALLOW_SEED_DEMO"] = "1"  # a throw-away database, not a real site
    import django

    django.setup()


def _seed(size: int) -> dict:
    from django.core.management import call_command

    from cms.models import DemandPage
    from search.backends import get_search_backend

    timings = {}
    call_command("migrate", verbosity=0)
    if not DemandPage.objects.exists():
        started = time.perf_counter()
        call_command("seed_demo", size=size, bulk=size >= 10_000, verbosity=0)
        timings["seed_demo_s"] = round(time.perf_counter() - started, 1)
    if get_search_backend().count("demand") == 0:
        started = time.perf_counter()
        call_command("rebuild_index", no_progress=True, verbosity=0)
        timings["rebuild_index_s"] = round(time.perf_counter() - started, 1)
    return timings


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, round(time.perf_counter() - started, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--lost", type=int, default=1000)
    parser.add_argument("--data-dir", default="/tmp/reconcile-bench")
    args = parser.parse_args()
    _setup(Path(args.data_dir))
    out: dict = {"machine": platform.node(), "cpus": os.cpu_count(), **_seed(args.size)}

    from cms.models import DemandPage
    from search.backends import get_search_backend
    from search.documents import KINDS, listing_versions
    from search.indexing import reconcile

    backend = get_search_backend()
    for kind in KINDS:
        versions, out[f"{kind}_db_versions_s"] = _timed(listing_versions, kind)
        _indexed, out[f"{kind}_index_versions_s"] = _timed(backend.indexed_versions, kind)
        report, out[f"{kind}_reconcile_noop_s"] = _timed(reconcile, kind)
        out[f"{kind}_listings"] = len(versions)
        out[f"{kind}_noop_differences"] = report.differences

    ids = sorted(int(i) for i in listing_versions("demand"))
    lost, stale = ids[: args.lost], ids[args.lost : 2 * args.lost]
    backend.delete_documents("demand", [str(i) for i in lost])
    # A new title each run, so a reused database has stale listings again.
    DemandPage.objects.filter(pk__in=stale).update(title=f"核对基准标题{time.time_ns()}")
    report, out["demand_reconcile_fix_s"] = _timed(reconcile, "demand")
    out["demand_fix_report"] = report.as_dict()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
