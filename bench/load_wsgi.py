"""The project's WSGI application with the serving worker's pid in a response header.

Used only by bench/bench_load.py (``gunicorn load_wsgi:application``): the header tells the
load test which gunicorn worker answered, so it can check that a listing published during
the load becomes searchable in every worker. The site's own WSGI entry point
(marketplace/wsgi.py) and settings are untouched.
"""

from __future__ import annotations

import os

from marketplace.wsgi import application as django_application

HEADER = "X-Bench-Worker"


def application(environ, start_response):
    def with_pid(status, headers, exc_info=None):
        # Read at request time: gunicorn forks workers after importing nothing (no --preload).
        headers.append((HEADER, str(os.getpid())))
        return start_response(status, headers, exc_info)

    return django_application(environ, with_pid)
