"""One contract, every backend: embedded always, Elasticsearch with ELASTICSEARCH_URL."""

import datetime as dt

import pytest

from search.backends.base import SearchQuery
from tests.search.conftest import technology


def ids(hits):
    return [h.document.id for h in hits]


def test_index_count_and_get_document_round_trip(backend, technologies):
    assert backend.index_documents(technologies) == 5
    assert backend.count("technology") == 5
    assert backend.count("demand") == 0
    assert backend.get_document("technology", "t3") == technologies[2]
    assert backend.get_document("technology", "missing") is None


def test_reindexing_replaces_instead_of_duplicating(backend, technologies):
    backend.index_documents(technologies)
    changed = technology("t1", "新标题：固态电池", "全新内容")
    backend.index_documents([changed])
    assert backend.count("technology") == 5
    assert backend.get_document("technology", "t1").title == "新标题：固态电池"


def test_delete_removes_only_the_given_listing(backend, technologies):
    backend.index_documents(technologies)
    backend.delete_documents("technology", ["t2"])
    assert backend.count("technology") == 4
    assert backend.get_document("technology", "t2") is None


def test_search_finds_chinese_text_with_full_width_query(backend, technologies):
    backend.index_documents(technologies)
    results = backend.search(SearchQuery(kind="technology", text="锂电池　热管理"))
    assert ids(results.hits)[0] == "t1"
    upper = backend.search(SearchQuery(kind="technology", text="ＡＩ缺陷检测"))
    assert ids(upper.hits)[0] == "t3"


def test_search_through_a_synonym(backend, technologies):
    backend.index_documents(technologies)
    results = backend.search(SearchQuery(kind="technology", text="废水处理"))
    assert "t4" in ids(results.hits)


def test_a_synonym_variant_and_its_canonical_form_are_one_clause(backend, technologies):
    # 锂离子电芯 and 锂电池 both map to 锂离子电池: t1 says 锂电池, t2 锂离子电池.
    backend.index_documents(technologies)
    results = backend.search(SearchQuery(kind="technology", text="锂离子电芯"))
    assert {"t1", "t2"} <= set(ids(results.hits))
    marked = backend.search(SearchQuery(kind="technology", text="锂离子电芯", highlight=True))
    t1 = next(h for h in marked.hits if h.id == "t1")
    assert "<mark>锂电池</mark>" in t1.highlights["summary"]


def test_page_size_zero_counts_and_facets_only(backend, technologies):
    backend.index_documents(technologies)
    results = backend.search(
        SearchQuery(kind="technology", text="电池", page_size=0, facets=["industry_chain"])
    )
    assert results.hits == [] and results.total == 2
    assert dict(results.facets["industry_chain"]) == {"新能源汽车": 2}


def test_ids_only_search_returns_ranked_ids_without_documents(backend, technologies):
    backend.index_documents([*technologies, technology("42", "锂电池梯次利用", "退役锂电池储能")])
    full = backend.search(SearchQuery(kind="technology", text="锂电池"))
    bare = backend.search(SearchQuery(kind="technology", text="锂电池", ids_only=True))
    assert [h.id for h in bare.hits] == [h.id for h in full.hits]
    assert "42" in [h.id for h in bare.hits]
    assert all(h.document is None and h.highlights == {} for h in bare.hits)
    assert [h.score for h in bare.hits] == pytest.approx([h.score for h in full.hits])
    assert bare.total == full.total


def test_search_does_not_return_unrelated_listings(backend, technologies):
    backend.index_documents(technologies)
    results = backend.search(SearchQuery(kind="technology", text="小麦育种"))
    assert ids(results.hits) == ["t5"]
    assert results.total == 1


def test_empty_text_lists_everything(backend, technologies):
    backend.index_documents(technologies)
    assert backend.search(SearchQuery(kind="technology")).total == 5


def test_facets_count_matching_documents(backend, technologies):
    backend.index_documents(technologies)
    results = backend.search(
        SearchQuery(
            kind="technology", facets=["industry_chain", "cooperation_modes", "budget_band"]
        )
    )
    assert dict(results.facets["industry_chain"])["新能源汽车"] == 2
    assert dict(results.facets["cooperation_modes"])["技术转让"] == 3
    assert dict(results.facets["budget_band"])["negotiable"] == 1


def test_filters_restrict_hits_and_facets(backend, technologies):
    backend.index_documents(technologies)
    query = SearchQuery(
        kind="technology", filters={"industry_chain": "新能源汽车"}, facets=["maturity"]
    )
    results = backend.search(query)
    assert sorted(ids(results.hits)) == ["t1", "t2"]
    assert sorted(results.facets["maturity"]) == [("mature", 1), ("pilot", 1)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"cooperation_modes": ["技术许可", "合作开发"]}, ["t1", "t2", "t3"]),
        ({"district__not_in": ["历城区"]}, ["t2", "t3", "t5"]),
        ({"budget__lte": 500_000}, ["t3", "t5"]),
        ({"budget__gte": 500_000}, ["t1", "t2"]),
        (
            {"deadline__gte_or_missing": dt.date.today() + dt.timedelta(days=90)},
            ["t2", "t3", "t4", "t5"],
        ),
    ],
)
def test_filter_lookups(backend, technologies, filters, expected):
    backend.index_documents(technologies)
    results = backend.search(SearchQuery(kind="technology", filters=filters))
    assert sorted(ids(results.hits)) == expected


def test_pagination(backend, technologies):
    backend.index_documents(technologies)
    first = backend.search(SearchQuery(kind="technology", page=1, page_size=2))
    third = backend.search(SearchQuery(kind="technology", page=3, page_size=2))
    assert first.total == third.total == 5
    assert len(first.hits) == 2 and len(third.hits) == 1
    assert not set(ids(first.hits)) & set(ids(third.hits))


def test_highlights_mark_query_words(backend, technologies):
    backend.index_documents(technologies)
    hit = backend.search(SearchQuery(kind="technology", text="缺陷检测")).hits[0]
    assert (
        "<mark>缺陷</mark>" in hit.highlights["title"]
        or "<mark>检测</mark>" in hit.highlights["title"]
    )
    assert "<mark>" in hit.highlights["summary"]


def test_autocomplete_by_prefix(backend, technologies):
    backend.index_documents(technologies)
    suggestions = backend.autocomplete("technology", "污水")
    assert "污水处理" in suggestions
    assert all(s.startswith("污水") for s in suggestions)
    assert backend.autocomplete("technology", "  ") == []


def test_more_like_this_ranks_the_similar_listing_first(backend, technologies):
    backend.index_documents(technologies)
    terms = backend.weighted_terms("technology", "电动汽车快充时电池温度过高，需要液冷散热方案")
    hits = backend.more_like_this("technology", terms, limit=3)
    assert ids(hits)[0] == "t1"
    excluded = backend.more_like_this("technology", terms, exclude_ids=["t1"], limit=3)
    assert "t1" not in ids(excluded)


def test_more_like_this_applies_filters(backend, technologies):
    backend.index_documents(technologies)
    terms = backend.weighted_terms("technology", "锂电池")
    hits = backend.more_like_this("technology", terms, filters={"maturity": "mature"})
    assert ids(hits) == ["t2"]


def test_doc_freqs(backend, technologies):
    backend.index_documents(technologies)
    freqs = backend.doc_freqs("technology", "words", ["锂离子电池", "小麦", "不存在的词"])
    assert freqs == {"锂离子电池": 2, "小麦": 1, "不存在的词": 0}


def test_rebuild_replaces_the_whole_index(backend, technologies):
    backend.index_documents(technologies)
    seen = []
    count = backend.rebuild("technology", technologies[:2], progress=seen.append)
    assert count == 2 == sum(seen)
    assert backend.count("technology") == 2
    assert backend.get_document("technology", "t5") is None


def test_clear_one_kind(backend, technologies):
    backend.index_documents(technologies)
    backend.clear("technology")
    assert backend.count("technology") == 0


# -- typed queries: every word ranks, none is demanded; English; partial words; typos --

WELDING = [
    technology("both", "焊缝自动跟踪系统", "基于激光视觉的焊缝跟踪，用于机器人焊接。"),
    technology("seam", "焊缝质量检测", "超声检测焊缝内部缺陷。"),
    technology("track", "目标跟踪算法", "多目标跟踪与轨迹预测。"),
    technology("rope", "管道支架", "管道焊后打一个结固定线缆。"),
    technology("wheat", "小麦育种", "抗旱小麦新品种选育。"),
]


def test_every_word_ranks_but_none_is_demanded(backend):
    backend.index_documents(WELDING)
    found = ids(backend.search(SearchQuery(kind="technology", text="焊缝 跟踪")).hits)
    assert found[0] == "both"
    assert set(found) == {"both", "seam", "track"}


def test_english_words_find_chinese_listings(backend):
    backend.index_documents(WELDING)
    english = ids(backend.search(SearchQuery(kind="technology", text="seam tracking")).hits)
    assert english[0] == "both" and "wheat" not in english
    # Inflected forms and a mixed query (中文 + English).
    assert ids(backend.search(SearchQuery(kind="technology", text="welded")).hits) == ["both"]
    mixed = ids(backend.search(SearchQuery(kind="technology", text="焊缝 tracking")).hits)
    assert mixed[0] == "both" and set(mixed) == {"both", "seam", "track"}
    assert ids(backend.search(SearchQuery(kind="technology", text="wheat breeding")).hits) == [
        "wheat"
    ]


def test_english_words_are_highlighted_through_their_chinese_terms(backend):
    backend.index_documents(WELDING)
    hit = backend.search(SearchQuery(kind="technology", text="tracking", highlight=True)).hits[0]
    assert "<mark>跟踪</mark>" in hit.highlights["title"]


def test_part_of_a_word_finds_the_listing(backend):
    backend.index_documents(WELDING)
    found = ids(backend.search(SearchQuery(kind="technology", text="焊缝跟")).hits)
    assert found[0] == "both"
    # Half a word beside an English one.
    found = ids(backend.search(SearchQuery(kind="technology", text="焊缝跟 track")).hits)
    assert found[0] == "both" and "wheat" not in found


def test_a_typo_finds_nothing_instead_of_single_character_noise(backend):
    # 焊结 (for 焊接) is the words 焊 + 结: "rope" holds both as words, but single
    # characters only add to the score of a listing found by a longer term.
    backend.index_documents(WELDING)
    assert backend.search(SearchQuery(kind="technology", text="焊结")).total == 0
    # A query of one character still finds what holds it.
    assert "rope" in ids(backend.search(SearchQuery(kind="technology", text="焊")).hits)
