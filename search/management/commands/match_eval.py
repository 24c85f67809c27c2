"""Evaluate matching on a judged corpus through the code the site uses."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from search import matching
from search.backends import SearchBackendError, backend_class, backend_configs
from search.documents import Kind, ListingDocument

DIRECTIONS: dict[str, tuple[Kind, Kind]] = {
    "demand-to-technology": ("technology", "demand"),
    "technology-to-demand": ("demand", "technology"),
}


def read_jsonl(path: str) -> list[dict[str, Any]]:
    """Return the JSON objects of a JSON-lines file, skipping blank lines."""
    try:
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc


def to_document(row: dict[str, Any], kind: Kind) -> ListingDocument:
    """Return a listing from a matchbench-style line (unknown keys ignored)."""
    summary = row.get("abstract") if kind == "technology" else row.get("text")
    if kind == "technology" and not summary and not row.get("title"):
        summary = row.get("text")
    return ListingDocument(
        kind=kind,
        id=str(row["id"]),
        title=row.get("title") or "",
        keywords=[str(k) for k in row.get("keywords") or []],
        summary=summary or "",
        tech_field=row.get("field") or "",
    )


def percentile(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) of ``values`` by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, round(q * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


class Command(BaseCommand):
    help = (
        "Index a corpus into a temporary index, match every query with the site's "
        "matching code and write one ranked line per query."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--corpus",
            required=True,
            action="append",
            help="JSON lines of listings to index (repeat to add more files)",
        )
        parser.add_argument("--queries", required=True, help="JSON lines of listings to match")
        parser.add_argument("--out", required=True, help="run file to write")
        parser.add_argument("--k", type=int, default=10, help="results per query")
        parser.add_argument("--backend", default="default", help="SEARCH_BACKENDS name")
        parser.add_argument(
            "--direction", choices=sorted(DIRECTIONS), default="demand-to-technology"
        )

    def handle(self, *args, **opts):
        corpus_kind, query_kind = DIRECTIONS[opts["direction"]]
        corpus = [to_document(r, corpus_kind) for path in opts["corpus"] for r in read_jsonl(path)]
        queries = [to_document(r, query_kind) for r in read_jsonl(opts["queries"])]
        configs = backend_configs()
        if opts["backend"] not in configs:
            raise CommandError(f"no search backend named {opts['backend']!r}")
        try:
            engine = backend_class(configs[opts["backend"]])
        except SearchBackendError as exc:
            raise CommandError(str(exc)) from exc
        with engine.temporary(configs[opts["backend"]]) as backend:
            started = time.perf_counter()
            backend.index_documents(corpus)
            index_seconds = time.perf_counter() - started
            latencies = self._run(backend, queries, opts["out"], opts["k"])
        stats = {
            "docs": len(corpus),
            "queries": len(queries),
            "index_seconds": round(index_seconds, 3),
            "query_ms_p50": round(percentile(latencies, 0.5), 3) if latencies else 0.0,
            "query_ms_p95": round(percentile(latencies, 0.95), 3) if latencies else 0.0,
        }
        sys.stderr.write(json.dumps(stats) + "\n")

    def _run(self, backend, queries, out, k) -> list[float]:
        latencies = []
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as fh:
            for query in queries:
                started = time.perf_counter()
                found = matching.match(query, limit=k, backend=backend)
                latencies.append((time.perf_counter() - started) * 1000)
                line = {"query_id": query.id, "ranked_doc_ids": [m.document.id for m in found]}
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return latencies
