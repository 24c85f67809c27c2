"""Benchmark: how long after "publish" a listing is found by the catalogue search.

    .venv/bin/python bench/bench_publish.py [--size 100000] [--publishes 30] [--interval 0.2]

The production path, end to end: a web process publishes a revision of a demand
(Wagtail's ``revision.publish()``, as the editor's "publish" button does); the
search app's signal handler enqueues one ``sync_listings`` task on commit in the
database task backend; a real ``manage.py db_worker --interval 0.2`` process picks
it up and commits to the embedded index; meanwhile this process searches for a
word only the new revision has, every 10 ms, until the listing is among the hits.
Then the same for unpublishing (until it is gone).

Seeds ``seed_demo --size N`` into a SQLite database under ``JIEBANG_DATA_DIR``
(default /tmp/publish-bench, reused by later runs) and rebuilds its index.
Prints one JSON line: per publish the delay until searchable (p50 / p95 / max),
the time of the publish call itself (the request path), and from the task rows
the queue wait (enqueued → started) and the worker's index time (started →
finished), and how many other tasks were queued when the worker started (a
seeding below 10,000 listings leaves Wagtail's own tasks behind, which the
index updates' priority must overtake). Target: searchable within 1 s. The reference is the worker's polling
interval, the floor of any queued update.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTINGS = '''"""Benchmark settings: dev defaults, but index updates queued for a real db_worker."""
from marketplace.settings.dev import *  # noqa: F403

DEBUG = False
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
'''


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.4999) - 1))]


def _summary(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(_pct(values, 0.95), 1),
        "max": round(max(values), 1),
    }


def _setup(data_dir: Path) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "bench_publish_settings.py").write_text(SETTINGS, encoding="utf-8")
    sys.path.insert(0, str(data_dir))
    os.environ["JIEBANG_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_publish_settings"
    os.environ["JIEBANG_ALLOW_SEED_DEMO"] = "1"  # a throw-away database, not a real site
    import django

    django.setup()
    return {"PYTHONPATH": os.pathsep.join([str(data_dir), str(ROOT)])}


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


def _found(backend, marker: str, pk: int) -> bool:
    from search.backends.base import SearchQuery

    hits = backend.search(SearchQuery(kind="demand", text=marker, page_size=20, ids_only=True))
    return str(pk) in {hit.id for hit in hits.hits}


def _wait(backend, marker: str, pk: int, present: bool, timeout: float = 10.0) -> float | None:
    """Poll the search every 10 ms; return seconds until ``present`` holds, None on timeout."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if _found(backend, marker, pk) is present:
            return time.perf_counter() - started
        time.sleep(0.01)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--publishes", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.2, help="db_worker polling interval")
    parser.add_argument("--data-dir", default="/tmp/publish-bench")
    args = parser.parse_args()

    extra_env = _setup(Path(args.data_dir))  # sets JIEBANG_DATA_DIR for the worker too
    env = {**os.environ, **extra_env}
    timings = _seed(args.size)

    from django.db.models import F
    from django_tasks_db.models import DBTaskResult

    from cms.models import DemandPage
    from search.backends import get_search_backend

    backend = get_search_backend()
    # Tasks the seeding queued (Wagtail's admin search and reference index) and not yet
    # run: index updates have a higher priority and must overtake them.
    backlog = DBTaskResult.objects.ready().count()
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "db_worker"]
        + ["--interval", str(args.interval), "--no-reload", "--no-startup-delay"],
        env={**env, "DJANGO_SETTINGS_MODULE": "bench_publish_settings"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(args.data_dir) / "worker.log", "w"),  # noqa: SIM115
    )
    rng = random.Random(5)
    pool = list(
        DemandPage.objects.live()
        .filter(status="open")
        .order_by("pk")
        .values_list("pk", flat=True)[:2000]
    )
    publish_s, visible_s, gone_s, timeouts = [], [], [], 0
    try:
        # The worker's first task opens the index (once per process): not counted.
        for number in range(args.publishes + 1):
            page = DemandPage.objects.get(pk=rng.choice(pool))
            marker = f"pubbench{os.getpid()}x{number}"
            page.title = f"{page.title} {marker}"
            revision = page.save_revision()
            started = time.perf_counter()
            revision.publish()
            published = time.perf_counter() - started
            waited = _wait(backend, marker, page.pk, present=True)
            if number == 0:
                continue
            publish_s.append(published * 1000)
            if waited is None:
                timeouts += 1
                continue
            visible_s.append((published + waited) * 1000)
            if number % 3 == 0:  # every third: unpublish, until the search no longer finds it
                started = time.perf_counter()
                page.unpublish()
                waited = _wait(backend, marker, page.pk, present=False)
                if waited is None:
                    timeouts += 1
                else:
                    gone_s.append((time.perf_counter() - started) * 1000)
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()

    tasks = list(
        DBTaskResult.objects.filter(status="SUCCESSFUL", started_at__isnull=False)
        .order_by("-enqueued_at")[: len(publish_s) + len(gone_s)]
        .annotate(wait=F("started_at") - F("enqueued_at"), run=F("finished_at") - F("started_at"))
    )
    report = {
        "listings": args.size,
        "demands_indexed": backend.count("demand"),
        "machine": f"{platform.node()} {platform.machine()} cpus={os.cpu_count()}",
        "worker_interval_ms": args.interval * 1000,
        "searchable_after_publish_ms": _summary(visible_s) if visible_s else None,
        "gone_after_unpublish_ms": _summary(gone_s) if gone_s else None,
        "publish_call_ms": _summary(publish_s),
        "task_queue_wait_ms": _summary([t.wait.total_seconds() * 1000 for t in tasks]),
        "task_run_ms": _summary([t.run.total_seconds() * 1000 for t in tasks]),
        "timeouts": timeouts,
        "backlog_at_start": backlog,
        "publishes": len(publish_s),
        "target_ms": 1000,
        **timings,
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
