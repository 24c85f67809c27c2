"""Benchmark: what an oversized or error-ridden workbook costs now that imports are capped.

    .venv/bin/python bench/bench_import_limits.py [--rows 200000]

Issue 11 measured a 1.5 MB workbook of 200,000 rows at 58 s, 1 GB of memory and a
141 MB result page. Each scenario runs in its own process (so its peak RSS is its
own) against a fresh temporary SQLite database with test settings and the default
limits (JIEBANG_IMPORT_MAX_ROWS, _MAX_BYTES, _MAX_UNZIPPED_BYTES, _MAX_ERRORS_SHOWN):

- ``admin-over-cap``: the 200,000-row workbook uploaded in the admin (dry run);
- ``command-over-cap``: the same file through ``manage.py import_catalogue --dry-run``;
- ``admin-errors``: a workbook at the row cap with an error in every row (result page size);
- ``admin-at-cap``: a valid workbook at the row cap, dry run (the largest accepted check).

Prints one JSON line per scenario: wall seconds, peak RSS (MB), response size, outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCENARIOS = ("admin-over-cap", "command-over-cap", "admin-errors", "admin-at-cap")


def _setup(data_dir: str) -> None:
    os.environ["JIEBANG_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _workbook(scenario: str, rows: int) -> bytes:
    from django.conf import settings

    from tests.curation.workbooks import build, demand_row, verified_organisations

    if scenario.endswith("over-cap"):
        # Small rows, as in the issue: a reference and a title each.
        return build(
            "demand", [{"外部编号": f"X-{n}", "需求名称": "标题"} for n in range(rows)]
        ).getvalue()
    cap = getattr(settings, "JIEBANG_IMPORT_MAX_ROWS", 5000)  # also runs on code without caps
    verified_organisations("demand", orgs=50)
    data = [demand_row(n) for n in range(cap)]
    if scenario == "admin-errors":
        for row in data:
            row["产业链"] = "火星采矿"
    return build("demand", data).getvalue()


def _curator():
    from django.conf import settings
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(email="bench-curator@example.com")
    user.groups.add(Group.objects.get(name=settings.JIEBANG_CURATORS_GROUP))
    return user


def _admin(data: bytes) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client()
    client.force_login(_curator())
    upload = SimpleUploadedFile("bench.xlsx", data)
    started = time.perf_counter()
    response = client.post(
        "/admin/curation/catalogue/", {"kind": "demand", "file": upload, "dry_run": "on"}
    )
    html = response.content.decode()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "status": response.status_code,
        "response_bytes": len(response.content),
        "outcome": "refused (row cap)" if "导入上限" in html else "result page",
    }


def _command(data: bytes, data_dir: str) -> dict:
    from django.core.management import CommandError, call_command

    path = Path(data_dir) / "bench.xlsx"
    path.write_bytes(data)
    started = time.perf_counter()
    try:
        call_command("import_catalogue", str(path), "--kind", "demand", "--dry-run")
        outcome = "accepted"
    except CommandError as exc:
        outcome = f"CommandError: {str(exc)[:60]}"
    return {"seconds": round(time.perf_counter() - started, 2), "outcome": outcome}


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_one(scenario: str, rows: int) -> None:
    data_dir = tempfile.mkdtemp(prefix="jiebang-bench-limits-")
    _setup(data_dir)
    data = _workbook(scenario, rows)
    import gc

    gc.collect()
    # Reset the peak-RSS mark (Linux): building the workbook above is not the import's cost.
    Path("/proc/self/clear_refs").write_text("5")
    before_mb = _status_mb("VmRSS")
    result = _command(data, data_dir) if scenario.startswith("command") else _admin(data)
    peak_mb = _status_mb("VmHWM")
    print(
        json.dumps(
            {
                "scenario": scenario,
                "file_bytes": len(data),
                **result,
                "rss_before_mb": round(before_mb),
                "peak_rss_mb": round(peak_mb),
                "machine": f"{platform.node()} {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}",
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--scenario", choices=SCENARIOS)
    args = parser.parse_args()
    if args.scenario:
        run_one(args.scenario, args.rows)
        return
    for scenario in SCENARIOS:
        subprocess.run(
            [sys.executable, __file__, "--scenario", scenario, "--rows", str(args.rows)],
            check=True,
        )


if __name__ == "__main__":
    main()
