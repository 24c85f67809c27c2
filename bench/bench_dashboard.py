"""Benchmark: server time of every curation dashboard page on a ``seed_demo --size 100000`` DB.

    .venv/bin/python bench/bench_dashboard.py [--size 100000] [--runs 5] [--seed-only]

Seeds a temporary SQLite database once (``JIEBANG_DATA_DIR``, default /tmp/dash-bench;
``seed_demo`` takes its bulk path at this size) and adds bids and deals with
``bulk_create`` — ``seed_demo`` writes none, and a dashboard over an empty bidding table
would measure nothing. A second run reuses the database. Each page is fetched through
Django's test client as a logged-in curator: one warm-up request, then ``--runs`` timed
requests; the median and the worst are printed as one JSON line. Target: < 500 ms each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = [
    "/admin/curation/dashboard/",
    "/admin/curation/dashboard/bids/",
    "/admin/curation/dashboard/gap/",
    "/admin/curation/dashboard/overdue/",
    "/admin/organisations/",
    "/admin/organisations/expiring/",
]
FILTERED = "?date_from=2024-01-01&date_to=2025-12-31&district=370112"
EXPORTS = [
    "/admin/curation/dashboard/export/by_chain.xlsx",
    "/admin/curation/dashboard/export/bids_per_demand.xlsx",
    "/admin/curation/dashboard/export/gap_chain.xlsx",
]


def _setup(data_dir: str) -> None:
    os.environ["JIEBANG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()


def _seed(size: int) -> dict:
    from django.core.management import call_command

    from cms.models import DemandPage

    timings = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = round(time.perf_counter() - started, 1)
    if not DemandPage.objects.exists():
        started = time.perf_counter()
        call_command("seed_demo", size=size, bulk=True, verbosity=0)
        timings["seed_demo_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        timings.update(_seed_bids())
        timings["seed_bids_s"] = round(time.perf_counter() - started, 1)
    timings.update(_seed_coverage())
    return timings


def _seed_coverage() -> dict:
    """What a nightly ``propose_matches`` leaves for the gap map: one coverage row per listing.

    Written directly (random best scores, a fifth below the threshold or without any
    counterpart, a twentieth not scanned): the dashboard only reads these rows, and the
    engine run itself over 100,000 listings is a nightly batch, not what is measured here.
    """
    from django.utils import timezone

    from cms.lifecycle import PUBLIC_DEMAND_STATES, PUBLIC_TECHNOLOGY_STATES
    from cms.models import DemandPage, TechnologyPage
    from marketplace.matches.models import ListingCoverage

    if ListingCoverage.objects.exists():
        return {}
    rng, now, rows = random.Random(7), timezone.now(), []
    for model, kind, states in (
        (DemandPage, "demand", PUBLIC_DEMAND_STATES),
        (TechnologyPage, "technology", PUBLIC_TECHNOLOGY_STATES),
    ):
        for pk in model.objects.filter(status__in=states).values_list("pk", flat=True):
            draw = rng.random()
            if draw < 0.05:
                continue
            score = (
                None if draw < 0.1 else rng.uniform(20, 59) if draw < 0.25 else rng.uniform(60, 95)
            )
            rows.append(ListingCoverage(page_id=pk, kind=kind, best_score=score, scanned_at=now))
    ListingCoverage.objects.bulk_create(rows, batch_size=2000)
    return {"coverage_rows": len(rows)}


def _seed_bids() -> dict:
    """Bids on ~60% of published demands and ~10% of technologies; deals for the awarded."""
    from django.db import transaction

    from cms.models import DemandPage, TechnologyPage
    from marketplace.bidding.models import Bid, Deal
    from marketplace.organisations.models import Organisation

    rng = random.Random(2025)
    research = list(
        Organisation.objects.filter(kind__in=["university", "institute"]).values_list(
            "pk", flat=True
        )
    )
    enterprises = list(Organisation.objects.filter(kind="enterprise").values_list("pk", flat=True))
    demands = DemandPage.objects.filter(first_published_at__isnull=False).values_list(
        "pk", "first_published_at", "status"
    )
    technologies = TechnologyPage.objects.filter(first_published_at__isnull=False).values_list(
        "pk", "first_published_at"
    )
    bids = []
    for pk, published, status in demands:
        if rng.random() > 0.6:
            continue
        awarded = status in {"awarded", "in_progress", "completed"}
        for n, org in enumerate(rng.sample(research, k=min(len(research), rng.randint(1, 6)))):
            submitted = published + dt.timedelta(hours=rng.randint(2, 24 * 40))
            state = (
                "awarded"
                if awarded and n == 0
                else rng.choice(["submitted", "submitted", "shortlisted", "declined", "withdrawn"])
            )
            bids.append(_bid("demand", org, state, submitted, demand_id=pk))
    for pk, published in technologies:
        if rng.random() > 0.1:
            continue
        submitted = published + dt.timedelta(hours=rng.randint(2, 24 * 60))
        state = rng.choice(["submitted", "awarded", "declined"])
        bids.append(_bid("technology", rng.choice(enterprises), state, submitted, technology_id=pk))
    with transaction.atomic():
        Bid.objects.bulk_create(bids, batch_size=2000)
        awarded = Bid.objects.filter(status="awarded").values_list("pk", "decided_at")
        deals = [
            Deal(
                bid_id=pk,
                amount=rng.randint(5, 500) * 10_000,
                awarded_on=decided.date(),
                status=rng.choice(["recorded", "signed", "signed", "cancelled"]),
            )
            for pk, decided in awarded
        ]
        Deal.objects.bulk_create(deals, batch_size=2000)
    return {"bids": len(bids), "deals": len(deals)}


def _bid(kind, org, state, submitted, **target):
    from marketplace.bidding.models import Bid

    decided = submitted + dt.timedelta(days=10) if state in {"awarded", "declined"} else None
    return Bid(
        kind=kind,
        organisation_id=org,
        status=state,
        submitted_at=submitted,
        decided_at=decided,
        decline_reason="other" if state == "declined" else "",
        price=300_000,
        **target,
    )


def _time(client, url: str, runs: int) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    # CPU time of this process (SQLite runs in it): on a shared machine the wall time also
    # counts the time spent waiting for a core.
    return {
        "median_ms": round(statistics.median(samples), 1),
        "max_ms": round(max(samples), 1),
        "median_cpu_ms": round(statistics.median(cpu), 1),
    }


def _measure(runs: int) -> dict:
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client

    from marketplace.accounts.models import User

    curator = User.objects.filter(groups__name=settings.JIEBANG_CURATORS_GROUP).first()
    curator = curator or User.objects.create(email="bench-curator@example.com", username="bench")
    curator.groups.add(Group.objects.get(name=settings.JIEBANG_CURATORS_GROUP))
    client = Client()
    client.force_login(curator)
    results = {}
    for url in PAGES:
        results[url] = _time(client, url, runs)
        if "curation" in url:
            results[url + FILTERED] = _time(client, url + FILTERED, runs)
    for url in EXPORTS:
        results[url] = _time(client, url, max(1, runs // 2))
    return results


def _counts() -> dict:
    from cms.models import DemandPage, TechnologyPage
    from marketplace.bidding.models import Bid, Deal
    from marketplace.organisations.models import Organisation

    return {
        "demands": DemandPage.objects.count(),
        "technologies": TechnologyPage.objects.count(),
        "organisations": Organisation.objects.count(),
        "bids": Bid.objects.count(),
        "deals": Deal.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", default=os.environ.get("JIEBANG_DATA_DIR", "/tmp/dash-bench"))
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args()
    _setup(args.data_dir)
    seeding = _seed(args.size)
    report = {"seeding": seeding, "data": _counts()}
    if not args.seed_only:
        report["pages"] = _measure(args.runs)
        pages = [r for u, r in report["pages"].items() if "export" not in u]
        report["worst_median_ms"] = max(r["median_ms"] for r in pages)
        report["worst_median_cpu_ms"] = max(r["median_cpu_ms"] for r in pages)
        report["target_ms"] = 500
    report["machine"] = (  # load average: other sessions share the two cores
        f"{platform.node()} {platform.machine()} {os.cpu_count()} CPU, "
        f"load {os.getloadavg()[0]:.1f}, python {platform.python_version()}"
    )
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
