"""Embedded backend specifics: several processes writing one index."""

import multiprocessing
import os

import pytest

from search.backends.base import SearchQuery
from search.backends.embedded import EmbeddedSearchBackend, IndexLockTimeout
from search.documents import ListingDocument
from tests.search.conftest import technology


def _write(path, worker, batches):
    backend = EmbeddedSearchBackend({"PATH": path, "WRITER_HEAP_BYTES": 15_000_000})
    for b in range(batches):
        docs = [
            ListingDocument(
                kind="demand", id=f"{worker}-{b}-{i}", title=f"需求{worker}", summary="电池回收"
            )
            for i in range(3)
        ]
        backend.index_documents(docs)
        # every writer also rewrites one shared listing: the last write must win whole
        backend.index_documents(
            [ListingDocument(kind="demand", id="shared", title=f"{worker}-{b}")]
        )


def test_concurrent_writers_from_several_processes_lose_nothing(tmp_path):
    path = str(tmp_path / "index")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write, args=(path, w, 4)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    reader = EmbeddedSearchBackend({"PATH": path})
    assert reader.count("demand") == 3 * 4 * 3 + 1
    assert reader.get_document("demand", "shared").title.endswith("-3")


def test_reader_sees_another_process_commit(tmp_path):
    path = str(tmp_path / "index")
    reader = EmbeddedSearchBackend({"PATH": path})
    assert reader.count("demand") == 0
    writer = EmbeddedSearchBackend({"PATH": path})
    writer.index_documents([ListingDocument(kind="demand", id="1", title="新需求")])
    assert reader.count("demand") == 1


def test_writer_waits_for_the_lock_then_times_out(tmp_path):
    holder = EmbeddedSearchBackend({"PATH": str(tmp_path / "index")})
    waiter = EmbeddedSearchBackend({"PATH": str(tmp_path / "index"), "LOCK_TIMEOUT": 0.2})
    with holder._lock("demand"):
        with pytest.raises(IndexLockTimeout):
            waiter.delete_documents("demand", ["1"])
    assert waiter.delete_documents("demand", ["1"]) == 1


def test_a_batch_that_fails_writes_nothing(tmp_path, monkeypatch):
    backend = EmbeddedSearchBackend({"PATH": str(tmp_path / "index")})
    backend.index_documents([ListingDocument(kind="demand", id="keep", title="保留")])
    good = ListingDocument(kind="demand", id="new", title="新")
    bad = ListingDocument(kind="demand", id="bad", title="坏")
    original = backend._to_tantivy

    def explode(doc):
        if doc.id == "bad":
            raise RuntimeError("boom")
        return original(doc)

    monkeypatch.setattr(backend, "_to_tantivy", explode)
    with pytest.raises(RuntimeError):
        backend.index_documents([good, bad])
    assert backend.count("demand") == 1


def test_check_reports_a_path_that_is_not_a_folder(tmp_path):
    blocker = tmp_path / "index"
    blocker.write_text("not a folder")
    problems = EmbeddedSearchBackend({"PATH": str(blocker)}).check()
    assert any("not a folder" in p for p in problems)
    assert EmbeddedSearchBackend({"PATH": str(tmp_path / "fresh")}).check() == []


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_big_batches_analysed_in_a_process_pool_index_the_same(
    tmp_path, technologies, start, monkeypatch
):
    from search.backends import embedded

    # A lean process forks its helper; a big one (here: any) starts a fresh interpreter.
    assert embedded._start_method() == "fork"
    if start == "spawn":
        monkeypatch.setattr(embedded, "FORK_MAX_RSS", 0)
        assert embedded._start_method() == "spawn"
    # Chunks of two: the helper's and this process's chunks interleave and must come back in order.
    monkeypatch.setattr(embedded, "PIPELINE_CHUNK", 2)
    serial = EmbeddedSearchBackend({"PATH": str(tmp_path / "serial")})
    pooled = EmbeddedSearchBackend(
        {"PATH": str(tmp_path / "pooled"), "PARALLEL_MIN_DOCS": 2, "PARALLEL_WORKERS": 2}
    )
    many = [
        technology(f"{d.id}-{i}", d.title, d.summary, keywords=d.keywords)
        for i in range(3)
        for d in technologies
    ]
    if (os.cpu_count() or 1) > 1:  # one helper process beside this one
        assert pooled._workers(len(many)) == 1
    serial.index_documents(many)
    pooled.index_documents(many)
    assert pooled.count("technology") == serial.count("technology") == 15
    for text in ("锂电池", "缺陷检测", "污水"):
        query = SearchQuery(kind="technology", text=text, ids_only=True)

        def found(backend, query=query):  # copies tie: compare (score, id) sets
            return sorted((round(h.score, 4), h.id) for h in backend.search(query).hits)

        assert found(pooled) == found(serial) and found(serial)
    # The same listing twice in one batch: the later version wins, whichever process analysed it.
    newer = technology(many[0].id, "激光熔覆再制造", "激光熔覆修复磨损轴类零件。")
    pooled.index_documents([*many, newer])
    assert pooled.count("technology") == 15
    assert pooled.get_document("technology", many[0].id).title == "激光熔覆再制造"
    pooled.rebuild("technology", many[:4])
    assert pooled.count("technology") == 4


def test_matching_filters_checked_after_an_unfiltered_fetch_stay_exact(tmp_path, monkeypatch):
    from search.backends import embedded

    backend = EmbeddedSearchBackend({"PATH": str(tmp_path / "index")})
    # The best text matches are closed: the unfiltered fetch finds too few open
    # ones and the filtered query must take over.
    docs = [
        ListingDocument(
            kind="demand",
            id=f"c{i}",
            title="锂电池回收",
            summary="锂电池回收" * (5 - i % 3),
            status="closed",
        )
        for i in range(6)
    ]
    docs += [
        ListingDocument(
            kind="demand",
            id=f"o{i}",
            title="电池",
            summary="废旧电池回收利用" + "说明" * i,
            status="open",
        )
        for i in range(4)
    ]
    backend.index_documents(docs)
    terms = backend.weighted_terms("demand", "锂电池回收")
    for factor in (2, 100):  # 100: everything fetched, filters checked in Python only
        monkeypatch.setattr(embedded, "PREFILTER_FACTOR", factor)
        hits = backend.more_like_this(
            "demand", terms, filters={"status__not_in": ["closed"]}, exclude_ids=["o0"], limit=2
        )
        assert [h.id for h in hits] == ["o1", "o2"]
        assert all(h.document.status == "open" for h in hits)


def test_rebuild_replaces_an_index_written_with_an_older_schema(tmp_path, technologies):
    import tantivy

    old = tantivy.SchemaBuilder()
    old.add_text_field("title", stored=True)
    stale = tmp_path / "index" / "technology"
    stale.mkdir(parents=True)
    tantivy.Index(old.build(), path=str(stale))
    backend = EmbeddedSearchBackend({"PATH": str(tmp_path / "index")})
    with pytest.raises(ValueError, match="schema does not match"):
        backend.count("technology")
    assert backend.rebuild("technology", technologies) == len(technologies)
    assert backend.count("technology") == len(technologies)


def test_check_accepts_a_path_whose_parents_are_created_on_first_write(tmp_path):
    backend = EmbeddedSearchBackend({"PATH": str(tmp_path / "data" / "not-yet" / "search-index")})
    assert backend.check() == []


def _die(docs):
    os._exit(3)  # a helper that dies (or cannot start) mid-batch


def test_a_broken_analysing_helper_falls_back_to_indexing_serially(
    tmp_path, technologies, monkeypatch, caplog
):
    from search.backends import embedded

    pooled = EmbeddedSearchBackend(
        {"PATH": str(tmp_path / "pooled"), "PARALLEL_MIN_DOCS": 2, "PARALLEL_WORKERS": 2}
    )
    if pooled._workers(10) == 0:
        pytest.skip("one core: no helper process to break")
    monkeypatch.setattr(embedded, "_fields_of_many", _die)  # the forked helper inherits it
    many = [
        technology(f"{d.id}-{i}", d.title, d.summary, keywords=d.keywords)
        for i in range(2)
        for d in technologies
    ]
    assert pooled.index_documents(many) == len(many)
    assert pooled.count("technology") == len(many)
    assert "indexing serially" in caplog.text
