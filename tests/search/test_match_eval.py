import json

from django.core.management import call_command

CORPUS = [
    {
        "id": "r1",
        "title": "锂电池热管理",
        "abstract": "液冷降低电池温升",
        "keywords": ["锂电池"],
        "field": "工学",
    },
    {"id": "r2", "title": "小麦育种", "abstract": "抗旱小麦品种选育", "category": "农学"},
    {"id": "r3", "abstract": "污水处理生物膜反应器"},
]
QUERIES = [
    {"id": "q1", "text": "电池温度过高需要散热", "field": "工学", "type": "opening"},
    {"id": "q2", "text": "小麦抗旱"},
]


def write_jsonl(path, rows):
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def test_match_eval_writes_a_ranked_line_per_query_and_stats(tmp_path, capsys, settings):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path / "live")}
    }
    write_jsonl(tmp_path / "c.jsonl", CORPUS)
    write_jsonl(tmp_path / "q.jsonl", QUERIES)
    out = tmp_path / "run.jsonl"
    call_command(
        "match_eval",
        "--corpus",
        str(tmp_path / "c.jsonl"),
        "--queries",
        str(tmp_path / "q.jsonl"),
        "--out",
        str(out),
        "--k",
        "2",
    )
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["query_id"] for line in lines] == ["q1", "q2"]
    assert lines[0]["ranked_doc_ids"][0] == "r1"
    assert lines[1]["ranked_doc_ids"] == ["r2"]
    stats = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert stats["docs"] == 3 and stats["queries"] == 2
    assert set(stats) == {"docs", "queries", "index_seconds", "query_ms_p50", "query_ms_p95"}
    assert not (tmp_path / "live").exists()  # the live index is never touched


def test_match_eval_technology_to_demand(tmp_path, capsys):
    write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"id": "d1", "text": "需要锂电池热管理方案", "field": "工学"},
            {"id": "d2", "text": "小麦减产"},
        ],
    )
    write_jsonl(
        tmp_path / "t.jsonl",
        [{"id": "t1", "title": "液冷电池热管理", "abstract": "锂电池液冷", "keywords": ["热管理"]}],
    )
    out = tmp_path / "run.jsonl"
    call_command(
        "match_eval",
        "--corpus",
        str(tmp_path / "d.jsonl"),
        "--queries",
        str(tmp_path / "t.jsonl"),
        "--out",
        str(out),
        "--direction",
        "technology-to-demand",
    )
    assert json.loads(out.read_text(encoding="utf-8"))["ranked_doc_ids"] == ["d1"]
