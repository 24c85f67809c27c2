from search import analysis


def test_normalise_folds_full_width_and_case():
    assert analysis.normalise("ＡＩ芯片　５Ｇ") == "ai芯片 5g"


def test_full_width_and_half_width_text_analyse_alike():
    assert analysis.analyse("ＡＩ视觉检测，５Ｇ通信") == analysis.analyse("AI视觉检测,5G通信")


def test_mixed_chinese_and_english_words():
    words = analysis.words("基于Python和PyTorch的机器学习平台")
    assert "python" in words
    assert "pytorch" in words
    assert "机器学习" in words


def test_punctuation_and_stop_words_are_dropped():
    words = analysis.words("电池的回收，与利用。")
    assert "的" not in words and "与" not in words
    assert "，" not in words and "。" not in words
    assert "回收" in words


def test_synonym_is_followed_by_its_canonical_term():
    words = analysis.words("电动汽车电池")
    assert "电动汽车" in words
    assert "新能源汽车" in words


def test_english_abbreviation_maps_to_chinese_synonym():
    assert "人工智能" in analysis.words("AI 质检")


def test_domain_dictionary_keeps_industry_terms_whole():
    assert "专精特新" in analysis.words("申报专精特新企业")
    assert "热管理" in analysis.words("电池热管理方案")


def test_bigrams_cover_cjk_runs_and_keep_ascii_words():
    assert analysis.bigrams("锂电池ABC") == ["锂电", "电池", "abc"]
    assert analysis.bigrams("水") == ["水"]


def test_weigh_terms_uses_sqrt_tf_and_drops_unindexed_terms():
    weights = analysis.weigh_terms(
        ["电池", "电池", "电池", "电池", "回收", "无"],
        doc_freq={"电池": 10, "回收": 2, "无": 0},
        num_docs=100,
    )
    assert weights == {"电池": 2.0, "回收": 1.0}


def test_weigh_terms_keeps_the_best_by_tf_idf():
    weights = analysis.weigh_terms(
        ["常见", "罕见"], max_terms=1, doc_freq={"常见": 90, "罕见": 1}, num_docs=100
    )
    assert list(weights) == ["罕见"]


def test_query_terms_without_statistics_weigh_by_tf():
    terms = analysis.query_terms("电池 电池 回收")
    assert terms.words["电池"] > terms.words["回收"]
    assert "电池" in terms.bigrams


def test_highlight_marks_query_words_in_normalised_text():
    html = analysis.highlight("锂电池<回收>技术", ["回收"])
    assert html == "锂电池&lt;<mark>回收</mark>&gt;技术"


def test_highlight_is_case_insensitive_and_prefers_longer_terms():
    html = analysis.highlight("ＡＩ芯片与锂离子电池", ["ai", "电池", "锂离子电池"])
    assert html == "<mark>AI</mark>芯片与<mark>锂离子电池</mark>"


def test_weigh_terms_drops_terms_in_too_many_documents_of_a_big_index():
    from search.analysis import weigh_terms

    freqs = {"技术": 5000, "焊接": 40, "变形": 900}
    kept = weigh_terms(["技术", "焊接", "变形"], doc_freq=freqs, num_docs=10_000, max_df_ratio=0.1)
    assert set(kept) == {"焊接", "变形"}
    small = weigh_terms(
        ["技术", "焊接"], doc_freq={"技术": 30, "焊接": 2}, num_docs=40, max_df_ratio=0.1
    )
    assert set(small) == {"技术", "焊接"}  # a small index keeps every term
