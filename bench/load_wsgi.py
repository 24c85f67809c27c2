"""The project's WSGI application with the serving worker's pid and times in response headers.

Used only by bench/bench_load.py (``gunicorn load_wsgi:application``): the header tells the
load test which gunicorn worker answered, so it can check that a listing published during
the load becomes searchable in every worker. The site's own WSGI entry point
(marketplace/wsgi.py) and settings are untouched.
"""

from __future__ import annotations

import os
import time

from marketplace.wsgi import application as django_application

HEADER = "X-Bench-Worker"


def application(environ, start_response):
    # A sync worker serves one request at a time, so the process's CPU time between here
    # and start_response is this request's (Django renders the body before calling it).
    wall, cpu = time.perf_counter(), time.process_time()

    def with_pid(status, headers, exc_info=None):
        # Read at request time: gunicorn forks workers after importing nothing (no --preload).
        headers.append((HEADER, str(os.getpid())))
        headers.append(("X-Bench-Server-Ms", f"{(time.perf_counter() - wall) * 1000:.1f}"))
        headers.append(("X-Bench-Cpu-Ms", f"{(time.process_time() - cpu) * 1000:.1f}"))
        return start_response(status, headers, exc_info)

    return django_application(environ, with_pid)
