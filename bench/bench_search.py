"""Benchmark the search engine against the plain BM25 reference, side by side.

For each corpus size it builds synthetic technology listings by recombining
sentences of the matchbench corpus (read at run time, never copied), then
measures on the very same documents and queries:

* indexing throughput (listings/s), analysis included;
* demand → top-10 technology matching latency (p50 / p95), using real
  matchbench demand texts through ``search.matching.match``;
* catalogue search latency with a facet filter and five facet counts (p95).

The reference is matchbench's ``baselines/bm25_baseline.py`` (bm25s, Lucene
BM25 over character bigrams), extended with numpy facet counting for the
search case. Results are reported as ratios ours / reference.

    python bench/bench_search.py --sizes 10000 100000 --queries 300
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MATCHBENCH, setup_django  # noqa: E402

setup_django()

import numpy as np  # noqa: E402

from search import analysis, matching  # noqa: E402
from search.backends.base import SearchQuery  # noqa: E402
from search.backends.embedded import EmbeddedSearchBackend  # noqa: E402
from search.documents import ListingDocument  # noqa: E402

CHAINS = ["新能源汽车", "高端装备", "新材料", "生物医药", "新一代信息技术", "节能环保", "现代农业"]
FIELDS = ["人工智能", "新能源", "先进制造", "新材料", "生物技术", "环境保护", "电子信息", "农业技术"]
DISTRICTS = ["历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区", "济阳区", "莱芜区"]
MATURITY = ["concept", "lab", "prototype", "pilot", "industrial"]
MODES = ["技术转让", "技术许可", "合作开发", "委托开发", "作价入股"]
FACETS = ["industry_chain", "tech_field", "district", "maturity", "cooperation_modes"]
SENTENCE = re.compile(r"[^。；;！？]+[。；;！？]?")


def load_reference():
    path = MATCHBENCH / "baselines" / "bm25_baseline.py"
    spec = importlib.util.spec_from_file_location("bm25_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def synthetic_listings(n: int, seed: int = 7) -> list[ListingDocument]:
    """Return ``n`` technologies recombined from matchbench sentences and random facets."""
    rng = random.Random(seed)
    rows = read_jsonl(MATCHBENCH / "corpus.jsonl") + read_jsonl(MATCHBENCH / "corpus_distractors.jsonl")
    sentences = [s for r in rows for s in SENTENCE.findall(r.get("abstract", "")) if len(s) > 8]
    titled = [r for r in rows if r.get("title")]
    docs = []
    for i in range(n):
        base = rows[i % len(rows)] if i < len(rows) else rng.choice(rows)
        own = SENTENCE.findall(base.get("abstract", ""))
        mixed = own[: max(1, len(own) - 1)] + rng.sample(sentences, 2)
        rng.shuffle(mixed)
        title = base.get("title") or rng.choice(titled)["title"]
        docs.append(ListingDocument(
            kind="technology", id=f"s{i}", title=title if i < len(rows) else f"{title}（{i}）",
            keywords=list(base.get("keywords", [])), summary="".join(mixed),
            industry_chain=rng.choice(CHAINS), tech_field=rng.choice(FIELDS),
            district=rng.choice(DISTRICTS), maturity=rng.choice(MATURITY),
            cooperation_modes=rng.sample(MODES, rng.randint(1, 3)),
            budget=rng.choice([None, rng.randrange(50_000, 8_000_000, 10_000)]),
        ))
    return docs


def search_queries(docs: list[ListingDocument], count: int, seed: int = 11) -> list[tuple[str, dict]]:
    """Return short typed queries (two or three title words) with one facet filter each."""
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        words = [w for w in analysis.words(rng.choice(docs).title) if len(w) > 1]
        if len(words) >= 2:
            facet = rng.choice(["industry_chain", "district", "tech_field"])
            value = rng.choice({"industry_chain": CHAINS, "district": DISTRICTS, "tech_field": FIELDS}[facet])
            out.append((" ".join(rng.sample(words, min(len(words), rng.randint(2, 3)))), {facet: value}))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.4999) - 1))]


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


class Reference:
    """matchbench's BM25 baseline (bm25s over bigrams) plus numpy facet counting."""

    def __init__(self, ref_module, docs: list[ListingDocument]) -> None:
        import bm25s

        self.tok = ref_module.tok_bigram
        self.ids = [d.id for d in docs]
        start = time.perf_counter()
        tokens = [self.tok(ref_module.doc_text({"title": d.title, "keywords": d.keywords,
                                                "abstract": d.summary})) for d in docs]
        self.bm25 = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
        self.bm25.index(tokens, show_progress=False)
        self.index_seconds = time.perf_counter() - start
        self.vocab = self.bm25.vocab_dict
        self.facets = {}
        for name in FACETS:
            values = sorted({v for d in docs for v in d.facet_values(name)})
            code = {v: i for i, v in enumerate(values)}
            matrix = np.zeros((len(docs), len(values)), dtype=bool)
            for row, d in enumerate(docs):
                for v in d.facet_values(name):
                    matrix[row, code[v]] = True
            self.facets[name] = (values, code, matrix)

    def match(self, text: str) -> list[str]:
        terms = [t for t in self.tok(text) if t in self.vocab]
        if not terms:
            return []
        res, _scores = self.bm25.retrieve([terms], k=10, show_progress=False, n_threads=1)
        return [self.ids[i] for i in res[0]]

    def search(self, query: tuple[str, dict]) -> tuple[list[str], dict]:
        text, filters = query
        terms = [t for t in self.tok(text) if t in self.vocab]
        scores = self.bm25.get_scores(terms)
        mask = scores > 0
        for name, value in filters.items():
            _values, code, matrix = self.facets[name]
            mask &= matrix[:, code[value]]
        counts = {n: dict(zip(v, m[mask].sum(axis=0).tolist(), strict=True))
                  for n, (v, _c, m) in self.facets.items()}
        hits = np.flatnonzero(mask)
        top = hits[np.argsort(-scores[hits])[:20]]
        return [self.ids[i] for i in top], counts


def run_size(n: int, n_queries: int, ref_module) -> dict:
    docs = synthetic_listings(n)
    demands = [ListingDocument(kind="demand", id=q["id"], summary=q["text"])
               for q in read_jsonl(MATCHBENCH / "queries_dev.jsonl")[:n_queries]]
    typed = search_queries(docs, n_queries)
    analysis.words("预热")  # dictionary load is a one-off cost, outside the timings

    ref = Reference(ref_module, docs)
    ref.match(demands[0].summary)
    ref_match = timed(lambda d: ref.match(d.summary), demands)
    ref_search = timed(ref.search, typed)

    with EmbeddedSearchBackend.temporary({}) as backend:
        start = time.perf_counter()
        backend.index_documents(docs)
        ours_index = time.perf_counter() - start
        matching.match(demands[0], backend=backend)
        ours_match = timed(lambda d: matching.match(d, backend=backend, limit=10), demands)
        ours_search = timed(
            lambda q: backend.search(SearchQuery(kind="technology", text=q[0], filters=q[1],
                                                 facets=FACETS, page_size=20)),
            typed,
        )
    rows = {
        "index_docs_per_s": (n / ours_index, n / ref.index_seconds),
        "match_ms_p50": (statistics.median(ours_match), statistics.median(ref_match)),
        "match_ms_p95": (pct(ours_match, 0.95), pct(ref_match, 0.95)),
        "search_facets_ms_p50": (statistics.median(ours_search), statistics.median(ref_search)),
        "search_facets_ms_p95": (pct(ours_search, 0.95), pct(ref_search, 0.95)),
    }
    return {k: {"ours": round(a, 3), "reference": round(b, 3), "ratio": round(a / b, 2)}
            for k, (a, b) in rows.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()
    ref_module = load_reference()
    machine = f"{platform.node()} {platform.machine()} {platform.processor() or ''} cpus={__import__('os').cpu_count()}"
    results = {"machine": machine.strip(), "sizes": {}}
    for n in args.sizes:
        results["sizes"][n] = run_size(n, args.queries, ref_module)
        print(f"\n{n} listings ({machine})")
        print(f"{'metric':<22}{'ours':>12}{'reference':>12}{'ours/ref':>10}")
        for metric, row in results["sizes"][n].items():
            print(f"{metric:<22}{row['ours']:>12.3f}{row['reference']:>12.3f}{row['ratio']:>10.2f}")
        sys.stdout.flush()
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
