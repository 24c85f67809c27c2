"""Grid-search query-time matching parameters on matchbench (dev set only).

Indexes each corpus once into temporary indexes and scores several
``MLT_FIELD_BOOSTS`` / ``MAX_QUERY_TERMS`` settings with matchbench's own
scorer. Reads the shared data at run time; copies nothing into the repo.

    GRID='{"bigrams": [0.4, 0.6], "max_terms": [70, 100]}' python bench/tune_matchbench.py fwd rev
    GRID='{"max_df": [null, 0.2, 0.1, 0.05]}' python bench/tune_matchbench.py fwd dis rev
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MATCHBENCH, setup_django  # noqa: E402

setup_django()

from search import matching  # noqa: E402
from search.backends.embedded import EmbeddedSearchBackend  # noqa: E402
from search.management.commands.match_eval import read_jsonl, to_document  # noqa: E402

M = MATCHBENCH
spec = importlib.util.spec_from_file_location("score", M / "score.py")
score_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score_mod)

SETTINGS = {
    "fwd": (["corpus.jsonl"], "queries_dev.jsonl", "qrels_dev.jsonl", "technology", "demand"),
    "dis": (
        ["corpus.jsonl", "corpus_distractors.jsonl"],
        "queries_dev.jsonl",
        "qrels_dev.jsonl",
        "technology",
        "demand",
    ),
    "rev": (
        ["reverse/demands_dev.jsonl"],
        "reverse/queries_dev.jsonl",
        "reverse/qrels_dev.jsonl",
        "demand",
        "technology",
    ),
}


DEFAULT_BOOSTS = {k: dict(v) for k, v in matching.FIELD_BOOSTS.items()}
DEFAULT_MAX_TERMS = matching.MAX_QUERY_TERMS
DEFAULT_TITLE_BOOST = matching.SOURCE_TITLE_BOOST
DEFAULT_MAX_DF = matching.MAX_DF_RATIO


def evaluate(backend, queries, qrels, text_only: bool = True) -> float:
    rows = []
    for q in queries:
        if text_only:
            q.tech_field = ""
        found = matching.match(q, limit=10, backend=backend)
        rows.append({"query_id": q.id, "ranked_doc_ids": [m.document.id for m in found]})
    per_q, _extra = score_mod.score(qrels, rows, 10)
    return score_mod.summarize(per_q)["ndcg"]


def main() -> None:
    which = sys.argv[1:] or list(SETTINGS)
    grid = json.loads(os.environ.get("GRID", "{}"))
    for name in which:
        corpus_files, qfile, qrels_file, ckind, qkind = SETTINGS[name]
        corpus = [to_document(r, ckind) for f in corpus_files for r in read_jsonl(M / f)]
        queries = [to_document(r, qkind) for r in read_jsonl(M / qfile)]
        qrels = read_jsonl(M / qrels_file)
        with EmbeddedSearchBackend.temporary({}) as backend:
            backend.index_documents(corpus)
            keys = list(grid)
            for values in itertools.product(*(grid[k] for k in keys)) if keys else [()]:
                params = dict(zip(keys, values, strict=True))
                boosts = dict(DEFAULT_BOOSTS[ckind])
                for k, v in params.items():
                    if k in boosts:
                        boosts[k] = v
                matching.FIELD_BOOSTS[ckind] = boosts
                matching.MAX_QUERY_TERMS = params.get("max_terms", DEFAULT_MAX_TERMS)
                matching.SOURCE_TITLE_BOOST = params.get("title_boost", DEFAULT_TITLE_BOOST)
                matching.MAX_DF_RATIO = params.get("max_df", DEFAULT_MAX_DF)
                ndcg = evaluate(backend, queries, qrels, text_only=True)
                print(name, json.dumps(params), f"nDCG@10={ndcg:.4f}", flush=True)


if __name__ == "__main__":
    main()
