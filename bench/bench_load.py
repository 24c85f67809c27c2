"""Benchmark: the production stack under concurrent load, and a publication seen by every worker.

    .venv/bin/python bench/bench_load.py [--size 2000] [--workers 3] [--clients 6]
        [--requests 2000] [--duration 180] [--database jiebang_load] [--keep]

What it runs, all on 127.0.0.1 and all started and stopped by this script:
- a PostgreSQL database of its own (``--database``, dropped and created afresh, dropped
  again at the end unless ``--keep``) and a temporary ``JIEBANG_DATA_DIR`` (search index,
  static files, media, logs);
- ``migrate``, ``createcachetable``, ``collectstatic`` and ``rebuild_index`` under
  ``marketplace.settings.production``; ``seed_demo --size N --bulk`` under the dev settings
  on the same database (seed_demo refuses production settings by design);
- gunicorn with ``--workers`` sync workers, exactly as README's Production section says,
  except that the application is bench/load_wsgi.py (the site's WSGI application plus
  an ``X-Bench-Worker: <pid>`` response header) and the control socket is off (two
  gunicorns on one machine would share its default path);
- one ``manage.py db_worker --interval 0.2``.

The production settings stay as they are: the client speaks plain HTTP but sends
``X-Forwarded-Proto: https``, which the settings trust (``SECURE_PROXY_SSL_HEADER``), as a
TLS-terminating proxy would; so the SSL redirect stays on and the secure session and CSRF
cookies are sent back by hand (they are marked Secure). Mail goes to Django's locmem
backend (``DJANGO_EMAIL_BACKEND``): the bench has no SMTP server.

The load: ``--clients`` threads (http.client, one connection per request) share a fixed,
seeded plan of ``--requests`` requests over the catalogue pages, catalogue search with
Chinese queries, listing pages, the API lists and searches, the matches pages and API (as
the demo enterprise and research members, logged in through allauth's form) and one
static file; the run stops when the plan is done or after ``--duration`` seconds.

A quarter of the way in, a separate process publishes a new revision of an open demand
through Wagtail (``save_revision().publish()``, as bench_publish.py does) whose title
carries a random marker word. Pollers then query ``/api/v1/demands/?q=<marker>`` while
the load goes on; every answer carries the worker's pid, so the check ends when each
gunicorn worker (the master's children, read from /proc) has answered with the listing
(and ``search_unavailable`` false), then the same for the HTML catalogue search. Any
worker that answered without the listing after it had once shown it counts as stale.

Prints a table and one JSON line: per endpoint count, errors (anything but 200, or no
answer), p50 / p95 / max in ms as the client saw them (queueing included) and requests/s;
the time inside the worker and the worker's CPU time per request (p50 / p95, from the
``X-Bench-Server-Ms`` / ``X-Bench-Cpu-Ms`` headers: CPU time holds still when other
work shares the machine, latency does not); requests per worker; the workers' CPU seconds
and RSS; the publication's delay until searchable per worker and its index task's queue
wait and run time. The reference floor is the static file (gunicorn + Django's middleware
+ WhiteNoise, no view).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "jiebang-demo"  # seed_demo's demo logins
LOGINS = {"enterprise": "enterprise@example.com", "research": "research@example.com"}
QUERIES = [
    "激光焊接",
    "工业互联网 边缘计算",
    "细胞治疗",
    "高强钢",
    "机器视觉缺陷检测",
    "中药配方颗粒",
    "3D打印金属粉末",
    "隐私计算",
]
# Share of the plan per endpoint (a visitor-heavy mix; members' matches are the costly part).
WEIGHTS = {
    "catalogue": 14,
    "search_page": 18,
    "listing_page": 16,
    "api_list": 10,
    "api_search": 14,
    "matches_page": 10,
    "matches_api": 10,
    "match_list": 4,
    "static": 4,
}
HEADER = "x-bench-worker"
UNAVAILABLE = "搜索引擎暂时不可用"


# ---------------------------------------------------------------------------
# HTTP


@dataclass
class Answer:
    status: int
    ms: float
    pid: str
    body: bytes = b""
    cookies: dict[str, str] = field(default_factory=dict)
    location: str = ""
    finished: float = 0.0
    server_ms: float = 0.0  # inside the worker (X-Bench-Server-Ms), queueing excluded
    cpu_ms: float = 0.0  # the worker's CPU time for this request (X-Bench-Cpu-Ms)


def fetch(port: int, path: str, *, cookies=None, method="GET", form=None, timeout=60.0) -> Answer:
    """One request on a fresh connection, as a TLS-terminating proxy would forward it."""
    origin = f"https://127.0.0.1:{port}"
    headers = {"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form).encode()
        headers.update(
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            }
        )
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    except (OSError, http.client.HTTPException):
        return Answer(0, (time.perf_counter() - started) * 1000, "", finished=time.time())
    finally:
        conn.close()
    jar = {}
    for raw in resp.headers.get_all("Set-Cookie") or []:
        name, _, value = raw.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()
    return Answer(
        resp.status,
        (time.perf_counter() - started) * 1000,
        resp.headers.get(HEADER, ""),
        data,
        jar,
        resp.headers.get("Location", ""),
        time.time(),
        float(resp.headers.get("X-Bench-Server-Ms") or 0),
        float(resp.headers.get("X-Bench-Cpu-Ms") or 0),
    )


def login(port: int, email: str) -> dict[str, str]:
    """Sign in through allauth's form; return the session and CSRF cookies."""
    page = fetch(port, "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if page.status != 200 or token is None:
        raise SystemExit(f"login page: HTTP {page.status}")
    jar = dict(page.cookies)
    form = {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()}
    done = fetch(port, "/accounts/login/", method="POST", form=form, cookies=jar)
    jar.update(done.cookies)
    if done.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"login of {email} failed: HTTP {done.status} {done.body[:300]!r}")
    if fetch(port, "/workspace/", cookies=jar).status != 200:
        raise SystemExit(f"{email} is not signed in after login")
    return jar


# ---------------------------------------------------------------------------
# the stack


def production_env(tmp: Path, database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{database}",
        "JIEBANG_DATA_DIR": str(tmp),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }


def recreate_database(name: str, *, drop_only: bool = False) -> None:
    import psycopg

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"--database must be a plain lower-case name, not {name!r}")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {name}")


def manage(env: dict, tmp: Path, *args: str) -> float:
    """Run one manage.py command; its output goes to a log file, shown if it fails."""
    log = tmp / "logs" / f"{args[0]}.log"
    started = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.call(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if code:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{log.read_text()[-3000:]}")
    return round(time.perf_counter() - started, 1)


def prepare(env: dict, tmp: Path, size: int) -> dict[str, float]:
    seed_env = {**env, "DJANGO_SETTINGS_MODULE": "marketplace.settings.dev"}
    seed_env.pop("DJANGO_SECRET_KEY")
    return {
        # The cache table first: migrate's post-migrate site set-up clears Wagtail's cache.
        "createcachetable_s": manage(env, tmp, "createcachetable"),
        "migrate_s": manage(env, tmp, "migrate", "--noinput"),
        "seed_demo_s": manage(seed_env, tmp, "seed_demo", "--size", str(size), "--bulk"),
        "rebuild_index_s": manage(env, tmp, "rebuild_index", "--no-progress"),
        "collectstatic_s": manage(env, tmp, "collectstatic", "--noinput"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(workers: int, port: int, tmp: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "load_wsgi:application",
        "--pythonpath",
        f"{ROOT / 'bench'},{ROOT}",
        "--chdir",
        str(ROOT),
        "--workers",
        str(workers),
        "--timeout",
        "120",
        "--graceful-timeout",
        "30",
        "--bind",
        f"127.0.0.1:{port}",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--no-control-socket",
        "--access-logfile",
        str(tmp / "logs" / "access.log"),
        "--error-logfile",
        str(tmp / "logs" / "gunicorn.log"),
    ]


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),  # noqa: SIM115 - closed with the process
        start_new_session=True,
    )


def stop(proc: subprocess.Popen | None, sig=signal.SIGTERM, wait: float = 35) -> None:
    """Stop a process this script started (and, for gunicorn, its workers with it)."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what it started
        proc.wait(5)


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def cpu_rss(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) and resident MB of one process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    rss = re.search(r"VmRSS:\s+(\d+)", status)
    return (int(stat[11]) + int(stat[12])) / ticks, int(rss.group(1)) / 1024 if rss else 0.0


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    started = time.time()
    while time.time() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited during start-up (see logs/gunicorn.log)")
        if fetch(port, "/demands/", timeout=30).status == 200:
            return
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /demands/ with 200 in time")


# ---------------------------------------------------------------------------
# what to request


def targets(env: dict) -> dict:
    """Listing URLs and ids, read from the database in this process."""
    os.environ.update(env)
    import django

    django.setup()
    from cms.selectors import demand_list, technology_list
    from marketplace.organisations.models import Membership

    def org_of(email):
        return Membership.objects.get(user__email=email).organisation_id

    demands = list(demand_list().order_by("pk"))
    technologies = list(technology_list().order_by("pk"))
    rng = random.Random(11)
    own_demands = [d.pk for d in demands if d.organisation_id == org_of(LOGINS["enterprise"])]
    own_techs = [t.pk for t in technologies if t.organisation_id == org_of(LOGINS["research"])]
    open_demands = [d.pk for d in demands if d.status == "open"]
    return {
        "demand_urls": [d.url for d in rng.sample(demands, min(60, len(demands)))],
        "technology_urls": [t.url for t in rng.sample(technologies, min(60, len(technologies)))],
        "own_demands": own_demands[:20],
        "own_technologies": own_techs[:20],
        "publish_pk": rng.choice(open_demands),
        "demands": len(demands),
        "technologies": len(technologies),
    }


def plan(t: dict, static_path: str, total: int, seed: int = 5) -> list[tuple[str, str, str]]:
    """(endpoint, path, who) per request, in a fixed order for a given seed."""
    rng = random.Random(seed)
    q = lambda: quote(rng.choice(QUERIES))  # noqa: E731
    makers = {
        "catalogue": lambda: (
            rng.choice(
                ["/demands/", "/technologies/", "/demands/?page=3", "/technologies/?page=2"]
            ),
            "anonymous",
        ),
        "search_page": lambda: (
            f"/{rng.choice(['demands', 'technologies'])}/?q={q()}",
            "anonymous",
        ),
        "listing_page": lambda: (rng.choice(t["demand_urls"] + t["technology_urls"]), "anonymous"),
        "api_list": lambda: (
            rng.choice(["/api/v1/demands/", "/api/v1/technologies/", "/api/v1/demands/?page=2"]),
            "anonymous",
        ),
        "api_search": lambda: (
            f"/api/v1/{rng.choice(['demands', 'technologies'])}/?q={q()}",
            "anonymous",
        ),
        "matches_page": lambda: rng.choice(
            [
                (f"/workspace/demand/{rng.choice(t['own_demands'])}/matches/", "enterprise"),
                (f"/workspace/technology/{rng.choice(t['own_technologies'])}/matches/", "research"),
            ]
        ),
        "matches_api": lambda: rng.choice(
            [
                (f"/api/v1/demands/{rng.choice(t['own_demands'])}/matches/", "enterprise"),
                (f"/api/v1/technologies/{rng.choice(t['own_technologies'])}/matches/", "research"),
            ]
        ),
        "match_list": lambda: ("/matches/", rng.choice(["enterprise", "research"])),
        "static": lambda: (static_path, "anonymous"),
    }
    names = list(WEIGHTS)
    chosen = rng.choices(names, weights=[WEIGHTS[n] for n in names], k=total)
    return [(name, *makers[name]()) for name in chosen]


# ---------------------------------------------------------------------------
# the publication and its visibility


def publish_child(pk: int, marker: str) -> None:
    """Run in a separate process: publish a new revision of demand ``pk`` through Wagtail."""
    import django

    django.setup()
    from cms.models import DemandPage

    page = DemandPage.objects.get(pk=pk)
    page.title = f"{page.title} {marker}"
    revision = page.save_revision()
    started = time.perf_counter()
    revision.publish()
    print(
        json.dumps(
            {
                "pk": pk,
                "url": page.url,
                "published_at": time.time(),
                "publish_ms": round((time.perf_counter() - started) * 1000, 1),
            }
        )
    )


@dataclass
class Visibility:
    first_seen_s: dict[str, float] = field(default_factory=dict)
    answers: Counter = field(default_factory=Counter)
    stale: Counter = field(default_factory=Counter)
    html_seen: set = field(default_factory=set)
    workers: list[int] = field(default_factory=list)
    task: dict = field(default_factory=dict)
    timed_out: bool = False


class Watch:
    """Pollers that ask every worker for the marker, from before the publication on."""

    def __init__(self, port: int, master: int, pk: int, marker: str, pollers: int = 3):
        self.port, self.master, self.pk, self.marker = port, master, pk, marker
        self.seen = Visibility()
        self.hits: dict[str, float] = {}  # worker pid -> wall time of its first hit
        self.lock = threading.Lock()
        self.deadline = time.time() + 600  # narrowed once the publication is done
        self.threads = [threading.Thread(target=self._api) for _ in range(pollers)]
        for th in self.threads:
            th.start()

    def _all_seen(self, pids) -> bool:
        workers = set(map(str, children(self.master)))
        self.seen.workers = sorted(int(p) for p in workers)
        return bool(workers) and workers <= set(pids)

    def _api(self) -> None:
        while time.time() < self.deadline and not self._all_seen(self.hits):
            a = fetch(self.port, f"/api/v1/demands/?q={self.marker}")
            found = False
            if a.status == 200:
                data = json.loads(a.body)
                ids = {r["id"] for r in data["results"]}
                found = not data["search_unavailable"] and self.pk in ids
            with self.lock:
                self.seen.answers[a.pid] += 1
                if found:
                    self.hits.setdefault(a.pid, a.finished)
                elif a.pid in self.hits:
                    self.seen.stale[a.pid] += 1
            time.sleep(0.02)

    def _html(self, url_path: str) -> None:
        while time.time() < self.deadline and not self._all_seen(self.seen.html_seen):
            a = fetch(self.port, f"/demands/?q={self.marker}")
            text = a.body.decode("utf-8", "replace")
            if a.status == 200 and url_path in text and UNAVAILABLE not in text:
                with self.lock:
                    self.seen.html_seen.add(a.pid)
            time.sleep(0.02)

    def finish(self, published: dict, timeout: float) -> Visibility:
        """Wait for every worker to show the listing through the API, then the HTML page."""
        self.deadline = published["published_at"] + timeout
        for th in self.threads:
            th.join()
        html = [threading.Thread(target=self._html, args=(published["url"],)) for _ in range(3)]
        for th in html:
            th.start()
        for th in html:
            th.join()
        at = published["published_at"]
        self.seen.first_seen_s = {p: round(t - at, 3) for p, t in sorted(self.hits.items())}
        done = self._all_seen(self.hits) and self._all_seen(self.seen.html_seen)
        self.seen.timed_out = not done
        return self.seen


def index_task(since: float) -> dict:
    """Queue wait and run time of the index update the publication enqueued."""
    import datetime

    from django_tasks_db.models import DBTaskResult

    row = (
        DBTaskResult.objects.filter(
            task_path__endswith=".sync_listings",
            enqueued_at__gte=datetime.datetime.fromtimestamp(since - 5, datetime.UTC),
        )
        .order_by("enqueued_at")
        .first()
    )
    if row is None or row.started_at is None or row.finished_at is None:
        return {}
    return {
        "queue_wait_ms": round((row.started_at - row.enqueued_at).total_seconds() * 1000),
        "run_ms": round((row.finished_at - row.started_at).total_seconds() * 1000),
        "status": row.status,
    }


def publish_and_watch(port, master, env, pk, timeout, out: dict) -> None:
    marker = f"loadbench{secrets.token_hex(4)}"
    watch = Watch(port, master, pk, marker)
    started = time.time()
    child = subprocess.run(
        [sys.executable, __file__, "--publish-child", str(pk), marker],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if child.returncode:
        watch.deadline = 0
        watch.finish({"published_at": time.time(), "url": "-"}, 0)
        out["error"] = child.stderr[-2000:]
        return
    published = json.loads(child.stdout.strip().splitlines()[-1])
    out.update(published=published, marker=marker)
    out["visibility"] = watch.finish(published, timeout)
    out["visibility"].task = index_task(started)


# ---------------------------------------------------------------------------
# the load


@dataclass
class Load:
    records: list = field(default_factory=list)  # (endpoint, status, ms, pid, server, cpu)
    wall_s: float = 0.0
    not_sent: int = 0
    client_cpu_s: float = 0.0  # this process: the clients share the machine's cores


def run_load(port, requests, sessions, clients, duration, on_quarter) -> Load:
    load = Load()
    lock = threading.Lock()
    cursor = iter(range(len(requests)))
    started = time.perf_counter()
    quarter = len(requests) // 4

    def client() -> None:
        while True:
            with lock:
                i = next(cursor, None)
            if i is None or time.perf_counter() - started > duration:
                return
            endpoint, path, who = requests[i]
            a = fetch(port, path, cookies=sessions.get(who))
            with lock:
                load.records.append((endpoint, a.status, a.ms, a.pid, a.server_ms, a.cpu_ms))
                if len(load.records) == quarter:
                    on_quarter()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    load.wall_s = time.perf_counter() - started
    load.not_sent = len(requests) - len(load.records)
    return load


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.4999) - 1))]


def summarise(load: Load) -> dict:
    by = defaultdict(list)
    for endpoint, status, ms, _pid, server, cpu in load.records:
        by[endpoint].append((status, ms, server, cpu))
    rows = {}
    for endpoint in WEIGHTS:
        items = by.get(endpoint, [])
        if not items:
            continue
        ms = [i[1] for i in items]
        rows[endpoint] = {
            "n": len(items),
            "errors": sum(1 for i in items if i[0] != 200),
            "statuses": dict(Counter(i[0] for i in items)),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(pct(ms, 0.95), 1),
            "max_ms": round(max(ms), 1),
            "rps": round(len(items) / load.wall_s, 2),
            "server_p50_ms": round(statistics.median(i[2] for i in items), 1),
            "cpu_p50_ms": round(statistics.median(i[3] for i in items), 1),
            "cpu_p95_ms": round(pct([i[3] for i in items], 0.95), 1),
        }
    return rows


def print_table(rows: dict, load: Load) -> None:
    print(
        f"{'endpoint':<14}{'n':>6}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}"
        f"{'srv p50':>9}{'cpu p50':>9}{'cpu p95':>9}"
    )
    for name, r in rows.items():
        print(
            f"{name:<14}{r['n']:>6}{r['errors']:>5}{r['p50_ms']:>9}{r['p95_ms']:>9}"
            f"{r['max_ms']:>9}{r['rps']:>8}{r['server_p50_ms']:>9}{r['cpu_p50_ms']:>9}"
            f"{r['cpu_p95_ms']:>9}"
        )
    total = len(load.records)
    print(
        f"{'all':<14}{total:>6}{sum(r['errors'] for r in rows.values()):>5}"
        f"{'':>27}{total / load.wall_s:>8.2f}"
    )


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="seed_demo listings")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=6, help="concurrent client threads")
    parser.add_argument("--requests", type=int, default=2000, help="requests in the plan")
    parser.add_argument("--duration", type=float, default=180, help="time cap of the load, s")
    parser.add_argument("--visibility-timeout", type=float, default=30)
    parser.add_argument("--database", default="jiebang_load")
    parser.add_argument("--keep", action="store_true", help="keep the database and data folder")
    parser.add_argument(
        "--publish-child", nargs=2, metavar=("PK", "MARKER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.publish_child:
        publish_child(int(args.publish_child[0]), args.publish_child[1])
        return

    tmp = Path(tempfile.mkdtemp(prefix="jiebang-load-"))
    (tmp / "logs").mkdir()
    env = production_env(tmp, args.database)
    gunicorn = worker = None
    try:
        recreate_database(args.database)
        timings = prepare(env, tmp, args.size)
        t = targets(env)
        port = free_port()
        command = gunicorn_command(args.workers, port, tmp)
        gunicorn = start(command, env, tmp / "logs" / "gunicorn.stderr")
        worker = start(
            [sys.executable, str(ROOT / "manage.py"), "db_worker", "--interval", "0.2"]
            + ["--no-reload", "--no-startup-delay"],
            env,
            tmp / "logs" / "db_worker.log",
        )
        wait_ready(port, gunicorn)
        sessions = {role: login(port, email) for role, email in LOGINS.items()}
        css = re.search(rb'href="(/static/css/jiebang\.[0-9a-f]+\.css)"', fetch(port, "/").body)
        if css is None:
            raise SystemExit("no hashed stylesheet on the home page: collectstatic did not run?")
        static_path = css.group(1).decode()
        # Warm-up, not counted: every worker opens the index and loads its caches once.
        run_load(
            port,
            plan(t, static_path, 8 * args.workers, seed=99),
            sessions,
            args.clients,
            120,
            lambda: None,
        )
        requests = plan(t, static_path, args.requests)
        published: dict = {}
        watcher = threading.Thread(
            target=publish_and_watch,
            args=(port, gunicorn.pid, env, t["publish_pk"], args.visibility_timeout, published),
        )
        client_cpu = time.process_time()
        load = run_load(port, requests, sessions, args.clients, args.duration, watcher.start)
        load.client_cpu_s = time.process_time() - client_cpu
        if watcher.ident is not None:  # started a quarter of the way in
            watcher.join()
        workers = children(gunicorn.pid)
        usage = {str(p): cpu_rss(p) for p in workers}
        worker_usage = cpu_rss(worker.pid)
        report(args, t, timings, load, published, workers, usage, worker_usage, command)
    finally:
        stop(gunicorn)
        stop(worker, signal.SIGINT, 10)
        if not args.keep:
            recreate_database(args.database, drop_only=True)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept: database {args.database}, data folder {tmp}")


def report(args, t, timings, load, published, workers, usage, worker_usage, command) -> None:
    rows = summarise(load)
    print_table(rows, load)
    per_worker = Counter(r[3] for r in load.records)
    vis: Visibility | None = published.get("visibility")
    if vis is not None:
        print(
            f"publication of demand {published['published']['pk']} "
            f"(publish call {published['published']['publish_ms']} ms): searchable in workers "
            + ", ".join(f"{p}: {s:.2f} s" for p, s in sorted(vis.first_seen_s.items()))
            + f"; HTML search shows it in {len(vis.html_seen)} of {len(vis.workers)} workers; "
            f"stale answers after first hit: {sum(vis.stale.values())}; index task {vis.task}"
            + ("; TIMED OUT" if vis.timed_out else "")
        )
    else:
        print(f"publication failed or did not start: {published.get('error', 'load too short')}")
    summary = {
        "machine": f"{platform.node()} {platform.machine()} cpus={os.cpu_count()}",
        "loadavg_after": os.getloadavg(),
        "listings": {
            "size": args.size,
            "public_demands": t["demands"],
            "public_technologies": t["technologies"],
        },
        "workers": args.workers,
        "clients": args.clients,
        "requests_planned": args.requests,
        "requests_done": len(load.records),
        "not_sent_time_cap": load.not_sent,
        "wall_s": round(load.wall_s, 1),
        "client_cpu_s": round(load.client_cpu_s, 1),
        "requests_per_s": round(len(load.records) / load.wall_s, 2),
        "errors": sum(r["errors"] for r in rows.values()),
        "endpoints": rows,
        "requests_per_worker": dict(per_worker),
        "worker_cpu_s_rss_mb": {p: [round(c, 1), round(m)] for p, (c, m) in usage.items()},
        "db_worker_cpu_s_rss_mb": [round(worker_usage[0], 1), round(worker_usage[1])],
        "publication": None
        if vis is None
        else {
            "pk": published["published"]["pk"],
            "publish_call_ms": published["published"]["publish_ms"],
            "searchable_after_s_per_worker": vis.first_seen_s,
            "all_workers_s": max(vis.first_seen_s.values()) if vis.first_seen_s else None,
            "html_seen_by_workers": len(vis.html_seen),
            "workers_alive": vis.workers,
            "poll_answers_per_worker": dict(vis.answers),
            "stale_after_first_hit": sum(vis.stale.values()),
            "index_task": vis.task,
            "timed_out": vis.timed_out,
        },
        "setup": timings,
        "gunicorn": " ".join(command[2:]),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
