"""Benchmark: what one e-mail + password login costs, against one password check.

    .venv/bin/python bench/bench_login.py [--runs 10] [--data-dir /tmp/login-bench]

Issue 12 reported 1.2–2.7 s per login. This script migrates a temporary SQLite database
once (``JIEBANG_DATA_DIR``), creates a verified user with the *configured* password
hashers (the project's settings; the test settings' MD5 hasher is replaced by Django's
default list, which is what base/production use) and then, per run:

* logs in through allauth's form with Django's test client (POST /accounts/login/),
  counting SQL queries and how many times a password hash is computed;
* as the reference, times one ``check_password`` of the same password with the same hasher
  (the irreducible cost of a login: one hash).

It prints one JSON line: medians of wall and CPU time, the ratio login / reference (≈ 1
means the hash is the whole cost; ≈ 2 would mean the password is hashed twice), queries
and hashes per login, the hasher and its iterations, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--data-dir", default="/tmp/login-bench")
    parser.add_argument("--show-queries", action="store_true", help="print the last login's SQL")
    parser.add_argument(
        "--hashers",
        choices=["base", "django"],
        default="base",
        help="the project's PASSWORD_HASHERS (Argon2id) or Django's default list (PBKDF2), "
        "the reference: run both and compare login_cpu_ms",
    )
    args = parser.parse_args()
    os.environ["JIEBANG_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)

    import django
    from django.conf import global_settings, settings

    django.setup()
    from marketplace.settings import base

    # The test settings' MD5 hasher is replaced by what base/production use, or by Django's
    # default list (PBKDF2, the reference).
    settings.PASSWORD_HASHERS = (
        base.PASSWORD_HASHERS if args.hashers == "base" else global_settings.PASSWORD_HASHERS
    )
    settings.ALLOWED_HOSTS = ["*"]

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model, hashers
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    email, password = "bench-login@example.com", "a-long-bench-passphrase-2026"
    user_model = get_user_model()
    user = user_model.objects.filter(email=email).first() or user_model(email=email)
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    encoded = user_model.objects.get(pk=user.pk).password
    hasher = hashers.identify_hasher(encoded)

    hashes = {"n": 0}
    original = type(hasher).encode

    def counting_encode(self, *a, **kw):
        hashes["n"] += 1
        return original(self, *a, **kw)

    def timed(fn):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    reference = [timed(lambda: hashers.check_password(password, encoded)) for _ in range(args.runs)]

    logins, queries, per_login_hashes = [], [], []
    type(hasher).encode = counting_encode
    try:
        for _ in range(args.runs):
            client = Client()
            client.get("/accounts/login/")  # the form and its CSRF cookie, not timed
            hashes["n"] = 0
            result = {}

            def login(client=client, result=result):
                result["response"] = client.post(
                    "/accounts/login/", {"login": email, "password": password}
                )

            with CaptureQueriesContext(connection) as captured:
                logins.append(timed(login))
            response = result["response"]
            assert response.status_code == 302, response.status_code
            queries.append(len(captured))
            per_login_hashes.append(hashes["n"])
    finally:
        type(hasher).encode = original

    if args.show_queries:
        for query in captured.captured_queries:
            print(query["sql"][:160], file=sys.stderr)

    def median(rows, index):
        return round(statistics.median(r[index] for r in rows) * 1000, 1)

    print(
        json.dumps(
            {
                "hasher": hasher.algorithm,
                "iterations": getattr(hasher, "iterations", None),
                "argon2_time_memory_parallelism": [
                    getattr(hasher, "time_cost", None),
                    getattr(hasher, "memory_cost", None),
                    getattr(hasher, "parallelism", None),
                ],
                "runs": args.runs,
                "login_wall_ms": median(logins, 0),
                "login_cpu_ms": median(logins, 1),
                "reference_check_password_wall_ms": median(reference, 0),
                "reference_check_password_cpu_ms": median(reference, 1),
                "ratio_login_to_reference_cpu": round(
                    median(logins, 1) / max(median(reference, 1), 0.001), 2
                ),
                "hashes_per_login": statistics.median(per_login_hashes),
                "queries_per_login": statistics.median(queries),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
