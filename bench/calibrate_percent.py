"""Calibrate the absolute match percentage on matchbench (dev set only).

For every query, the engine's top 10 with their demand-side coverage
(``search.matching.Match.coverage``) and percentage, split by the judged grade: how well the default threshold (JIEBANG_MATCH_MIN_SCORE = 60)
separates relevant candidates from unjudged ones, text only (no ``field``).
Reads the shared data at run time; copies nothing into the repo.

    python bench/calibrate_percent.py fwd dis rev
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MATCHBENCH, setup_django  # noqa: E402

setup_django()

from tune_matchbench import SETTINGS  # noqa: E402

from search import matching  # noqa: E402
from search.backends.embedded import EmbeddedSearchBackend  # noqa: E402
from search.management.commands.match_eval import read_jsonl, to_document  # noqa: E402

THRESHOLD = 60


def quantiles(values: list[float]) -> str:
    if len(values) < 2:
        return str(values)
    q = statistics.quantiles(values, n=10)
    return f"p10 {q[0]:.3f}  median {statistics.median(values):.3f}  p90 {q[-1]:.3f}"


def main() -> None:
    for name in sys.argv[1:] or list(SETTINGS):
        corpus_files, qfile, qrels_file, ckind, qkind = SETTINGS[name]
        corpus = [to_document(r, ckind) for f in corpus_files for r in read_jsonl(MATCHBENCH / f)]
        queries = [to_document(r, qkind) for r in read_jsonl(MATCHBENCH / qfile)]
        grades = defaultdict(dict)
        for row in read_jsonl(MATCHBENCH / qrels_file):
            grades[row["query_id"]][row["doc_id"]] = row["grade"]
        relevance, percent = defaultdict(list), defaultdict(list)
        best = defaultdict(list)
        with EmbeddedSearchBackend.temporary({}) as backend:
            backend.index_documents(corpus)
            for q in queries:
                q.tech_field = ""
                found = matching.match(q, limit=10, backend=backend)
                for rank, m in enumerate(found):
                    grade = grades[q.id].get(m.document.id, 0)
                    relevance[grade].append(m.coverage)
                    percent[grade].append(m.percent)
                    if rank == 0:
                        best[grade].append(m.percent)
        print(f"== {name}: {len(queries)} queries, top 10 each")
        for grade in sorted(relevance):
            above = sum(p >= THRESHOLD for p in percent[grade]) / len(percent[grade])
            print(
                f"grade {grade}: {len(relevance[grade])} candidates; coverage "
                f"{quantiles(relevance[grade])}; ≥ {THRESHOLD}%: {above:.1%}; "
                f"best-ranked percent {quantiles(best[grade])}"
            )


if __name__ == "__main__":
    main()
