"""The Elasticsearch backend's mappings and query bodies, compared as dicts."""

import datetime as dt

from search.analysis import WeightedTerms
from search.backends import elasticsearch as es
from search.backends.base import SearchQuery, parse_filters
from search.documents import ListingDocument

BOOSTS = {"words": 1.0, "bigrams": 0.5, "title_words": 0.8, "keyword_words": 0.0}


def test_index_body_has_whitespace_token_fields_and_keyword_facets():
    body = es.build_index("jiebang-demand-1", replicas=0).to_dict()
    assert body["settings"] == {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "analysis": {"analyzer": {"jiebang_tokens": {"type": "custom", "tokenizer": "whitespace"}}},
    }
    props = body["mappings"]["properties"]
    assert props["words"] == {
        "type": "text",
        "analyzer": "jiebang_tokens",
        "index_options": "freqs",
    }
    assert props["bigrams"]["analyzer"] == "jiebang_tokens"
    assert props["industry_chain"] == {"type": "keyword"}
    assert props["cooperation_modes"] == {"type": "keyword"}
    assert props["budget"] == {"type": "long"}
    assert props["deadline"] == {"type": "date", "format": "strict_date"}
    assert props["source"] == {"type": "object", "enabled": False}
    assert body["mappings"]["dynamic"] == "strict"


def test_document_body_carries_the_analysers_tokens():
    doc = ListingDocument(
        kind="demand",
        id="9",
        title="锂电池回收",
        budget=100,
        deadline=dt.date(2030, 1, 1),
        cooperation_modes=["合作开发"],
    )
    from search.backends.base import document_tokens

    body = es.document_body(doc, document_tokens(doc))
    assert body["words"] == "锂电池 锂离子电池 回收"
    assert body["bigrams"] == "锂电 电池 池回 回收"
    assert body["budget_band"] == ["lt100k"]
    assert body["cooperation_modes"] == ["合作开发"]
    assert body["deadline"] == "2030-01-01"
    assert body["source"]["title"] == "锂电池回收"


def test_more_like_this_body():
    terms = WeightedTerms(words={"电池": 2.0}, bigrams={"电池": 1.0})
    clauses = parse_filters(
        {"status__not_in": ["closed"], "deadline__gte_or_missing": dt.date(2030, 1, 1)}
    )
    body = es.compile_mlt(terms, BOOSTS, clauses, ["d1"], 30)
    assert body == {
        "query": {
            "bool": {
                "must": [
                    {
                        "bool": {
                            "should": [
                                {"term": {"words": {"value": "电池", "boost": 2.0}}},
                                {"term": {"title_words": {"value": "电池", "boost": 1.6}}},
                                {"term": {"bigrams": {"value": "电池", "boost": 0.5}}},
                            ],
                            "minimum_should_match": 1,
                        }
                    }
                ],
                "must_not": [
                    {"terms": {"status": ["closed"]}},
                    {"range": {"deadline": {"lt": "2030-01-01"}}},
                    {"terms": {"id": ["d1"]}},
                ],
            }
        },
        "size": 30,
        "track_total_hits": False,
        "_source": ["source"],
    }


def test_search_body_with_filters_facets_and_page():
    query = SearchQuery(
        kind="technology",
        text="回收",
        filters={"district": "历下区", "budget__lte": 10},
        facets=["district", "unknown"],
        page=3,
        page_size=5,
    )
    body = es.compile_search(
        query, {"words": 1, "bigrams": 0.5, "title_words": 2, "keyword_words": 1}
    )
    assert body["from"] == 10 and body["size"] == 5
    assert body["aggs"] == {"district": {"terms": {"field": "district", "size": 100}}}
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"district": ["历下区"]}},
        {"range": {"budget": {"lte": 10}}},
    ]
    # Any one word or bigram qualifies a listing; every one adds to its score.
    text = body["query"]["bool"]["must"][0]["bool"]
    assert text["minimum_should_match"] == 1
    word, gram = text["should"]
    assert word == {
        "bool": {
            "should": [
                {"term": {"words": {"value": "回收", "boost": 1}}},
                {"term": {"title_words": {"value": "回收", "boost": 2}}},
                {"term": {"keyword_words": {"value": "回收", "boost": 1}}},
            ]
        }
    }
    assert gram == {"term": {"bigrams": {"value": "回收", "boost": 0.5}}}


def test_single_characters_only_add_to_the_score_of_a_query_with_longer_terms():
    body = es.compile_search(SearchQuery(kind="technology", text="焊结"), BOOSTS)
    query = body["query"]["bool"]
    anchors = query["must"][0]["bool"]
    assert anchors["should"] == [{"term": {"bigrams": {"value": "焊结", "boost": 0.5}}}]
    assert anchors["minimum_should_match"] == 1
    extras = [t["bool"]["should"][0]["term"]["words"]["value"] for t in query["should"]]
    assert extras == ["焊", "结"]
    alone = es.compile_search(SearchQuery(kind="technology", text="焊"), BOOSTS)["query"]["bool"]
    assert "must" not in alone and alone["minimum_should_match"] == 1


def test_empty_search_matches_all():
    body = es.compile_search(SearchQuery(kind="demand"), BOOSTS | {"keyword_words": 1})
    assert body["query"] == {"match_all": {}}


def test_autocomplete_escapes_lucene_regex():
    assert es.compile_autocomplete("c++", 5) == {
        "size": 0,
        "aggs": {"suggest": {"terms": {"field": "suggest", "include": "c\\+\\+.*", "size": 5}}},
    }


def test_term_statistics_body():
    assert es.compile_term_statistics("words", ["电池", "回收"]) == {
        "doc": {"words": "电池 回收"},
        "fields": ["words"],
        "term_statistics": True,
        "field_statistics": False,
        "positions": False,
        "offsets": False,
        "payloads": False,
    }


def test_client_options_merge_settings_and_drop_unset():
    backend = es.ElasticsearchSearchBackend(
        {
            "URLS": ["https://es:9200"],
            "TIMEOUT": 3,
            "MAX_RETRIES": 2,
            "OPTIONS": {"api_key": None, "basic_auth": ("u", "p"), "request_timeout": 7.0},
        }
    )
    assert backend.client_options() == {
        "request_timeout": 7.0,
        "max_retries": 2,
        "retry_on_timeout": True,
        "basic_auth": ("u", "p"),
    }


def test_check_requires_a_url(monkeypatch):
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    assert es.ElasticsearchSearchBackend({}).check()
    assert es.ElasticsearchSearchBackend({"URLS": ["es:9200"]}).check()
    assert es.ElasticsearchSearchBackend({"URLS": ["https://es:9200"]}).check() == []


def test_a_synonym_variant_and_its_canonical_form_compile_to_one_clause():
    body = es.compile_search(
        SearchQuery(kind="technology", text="锂离子电芯", ids_only=True),
        {"words": 1, "bigrams": 0.5, "title_words": 2, "keyword_words": 1},
    )
    assert body["_source"] is False
    word = body["query"]["bool"]["should"][0]["bool"]  # one word, two spellings
    values = [next(iter(t["term"].values()))["value"] for t in word["should"]]
    assert values == ["锂离子电芯"] * 3 + ["锂离子电池"] * 3


def test_count_only_search_asks_for_no_hits():
    body = es.compile_search(
        SearchQuery(kind="technology", text="电池", page_size=0), BOOSTS | {"keyword_words": 1}
    )
    assert body["size"] == 0
