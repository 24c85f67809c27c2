"""Matches people can trust (issue 12, point 10): real shared terms, one spread score that
orders every list, reasons in words."""

from __future__ import annotations

import pytest
from django.utils import translation

from search import analysis, matching
from tests.search.conftest import demand, technology

# The junk the issue found among a match's shared keywords.
ISSUE_JUNK = ["min", "3m", "car", "实现", "方案", "技术"]


@pytest.mark.parametrize(
    "word",
    [*ISSUE_JUNK, "系统", "提高", "研究", "应用", "mm", "kg", "30%", "0.5mm", "2024", "200℃", "ab"],
)
def test_generic_words_units_numbers_and_fragments_are_not_key_terms(word):
    assert not analysis.is_key_term(word)


@pytest.mark.parametrize("word", ["激光焊接", "焊缝", "跟踪", "热管理", "plc", "agv", "cnc", "5g"])
def test_domain_terms_and_known_short_terms_are_key_terms(word):
    assert analysis.is_key_term(word)


def test_the_issues_junk_never_shows_as_a_shared_keyword(embedded):
    # Both texts say min, 3m, car, 实现, 方案, 技术 — and one real topic.
    filler = "实现 方案 技术 系统 提高 研究 应用。节拍 3 min，行程 3m，car 平台。"
    embedded.index_documents(
        [
            technology(
                "t1",
                "焊缝跟踪激光焊接技术",
                f"激光焊接焊缝跟踪方案，视觉传感器实时纠偏。{filler}",
                keywords=["焊缝跟踪", "激光焊接"],
            ),
            technology("t2", "污水处理生物膜", f"工业废水处理生物膜反应器。{filler}"),
        ]
    )
    need = demand("d1", "薄板激光焊接焊缝跟踪", f"薄板激光焊接时焊缝偏移，需要焊缝跟踪。{filler}")
    best = matching.match(need, backend=embedded, limit=1)[0]
    assert best.document.id == "t1"
    assert {"焊缝", "激光"} <= set(best.shared_terms) or {"焊缝", "焊接"} <= set(best.shared_terms)
    junk = {analysis.normalise(w) for w in ISSUE_JUNK}
    assert not junk & set(best.shared_terms)
    assert all(analysis.is_key_term(w) for w in best.shared_terms)


def test_units_and_generic_words_do_not_make_unrelated_listings_cover_each_other():
    # Coverage (and so the score) counts key terms only: shared units and filler are not a match.
    filler = "实现 方案 技术 系统。3 min 3m 5kg 10mm car。"
    need = demand("d", "齿轮渗碳淬火畸变", f"风电齿轮渗碳淬火后畸变超差。{filler}")
    other = technology("t", "污水处理生物膜", f"工业废水生物膜反应器。{filler}")
    assert matching.demand_coverage(need, other) == 0.0


def test_scores_spread_and_the_order_of_every_list_is_the_order_of_the_scores(
    embedded, technologies
):
    embedded.index_documents(technologies)
    needs = [
        demand("d1", "电池热管理", "锂电池快充温升过高，需要液冷热管理系统降低电芯温差。"),
        demand(
            "d2", "工业视觉缺陷检测", "金属零件表面缺陷人工检测漏检率高，寻求深度学习视觉检测。"
        ),
        demand("d3", "齿轮渗碳淬火畸变", "风电齿轮箱齿轮渗碳淬火后畸变超差，电池温度无关。"),
    ]
    scores = []
    for need in needs:
        found = matching.match(need, backend=embedded, limit=5)
        percents = [m.percent for m in found]
        # The number shown is the number sorted by: never rising down the list.
        assert percents == sorted(percents, reverse=True)
        assert all(0 <= p < 100 for p in percents)
        scores += percents
    # Spread, not everything at 100: a good pair high, an unrelated best candidate low.
    best = {n.id: matching.match(n, backend=embedded, limit=1)[0].percent for n in needs}
    assert best["d1"] >= 70 and best["d2"] >= 60 and best["d3"] < 50
    assert len(set(scores)) >= 5


def test_a_lower_ranked_candidate_never_shows_more_than_the_one_above():
    good = _fixed(0.6)
    weak = _fixed(0.1)
    better_below = _fixed(0.7)
    ranked = matching.cap_scores([good, weak, better_below])
    assert [x.percent for x in ranked] == sorted((x.percent for x in ranked), reverse=True)
    assert ranked[0].percent == round(100 * matching.pair_quality(0.6, 0.0))
    assert ranked[2].percent == ranked[1].percent  # capped by the weaker one above it


class _Fixed(matching.Match):
    __slots__ = ("fixed",)

    @property
    def coverage(self) -> float:
        return self.fixed


def _fixed(coverage: float) -> matching.Match:
    from search.documents import ListingDocument

    found = _Fixed(ListingDocument(kind="technology", id=str(coverage)), 1.0, 1.0, 0.0)
    found.fixed = coverage
    return found


def test_reasons_are_sentences_with_the_values_compared(embedded, technologies):
    embedded.index_documents(technologies)
    need = demand(
        "d1",
        "电池热管理",
        "锂电池快充温升过高，需要液冷热管理系统",
        industry_chain="新能源汽车",
        district="370112",
        maturity="small_pilot",
    )
    technologies[0].district = "370112"
    embedded.index_documents(technologies)
    best = matching.match(need, backend=embedded, limit=1)[0]
    best.names = {"industry_chain": {"新能源汽车": "新能源汽车（链）"}}
    with translation.override("zh-hans"):
        reasons = best.reasons
    assert reasons[0].startswith("共同关键词：") and "热管理" in reasons[0]
    assert "同属 新能源汽车（链） 产业链" in reasons
    assert "成熟度 中试 满足需求的 小试以上" in reasons
    assert any(r.startswith("同在 ") and "历城" in r for r in reasons)
    assert str(best.explanation) == "；".join(reasons)
