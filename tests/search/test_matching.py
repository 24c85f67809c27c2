import datetime as dt

from django.utils import translation

from search import matching
from tests.search.conftest import demand, technology


def test_demand_finds_the_technology_that_answers_it(embedded, technologies):
    embedded.index_documents(technologies)
    need = demand("d1", "电动车电池过热", "我们的新能源汽车电池包快充时温度过高，寻求热管理方案。")
    found = matching.match(need, backend=embedded, limit=3)
    assert found[0].document.id == "t1"
    assert 0 < found[-1].score <= found[0].score


def test_explanation_lists_shared_terms_and_criteria_in_chinese(embedded, technologies):
    embedded.index_documents(technologies)
    need = demand(
        "d1",
        "电池热管理",
        "锂电池快充温升过高，需要液冷热管理系统",
        tech_field="新能源",
        maturity="small_pilot",
        cooperation_modes=["合作开发"],
        budget=1_000_000,
        deadline=dt.date.today() + dt.timedelta(days=10),
    )
    best = matching.match(need, backend=embedded, limit=1)[0]
    assert "热管理" in best.shared_terms
    codes = {c.code for c in best.criteria}
    assert {"tech_field", "maturity", "cooperation_mode", "budget", "deadline"} <= codes
    assert "district" not in codes
    with translation.override("zh-hans"):
        text = str(best.explanation)
    assert text.startswith("共同关键词：")
    # Reasons in words, with the values compared (issue 12.10).
    assert "同属 新能源 技术领域" in text and "预算 100 万元覆盖报价 80 万元" in text
    assert "成熟度 中试 满足需求的 小试以上" in text


def test_compatibility_lifts_an_otherwise_equal_candidate(embedded):
    from tests.search.conftest import technology

    twins = [
        technology("a", "污水处理装置", "工业污水处理装置", tech_field="环境保护"),
        technology("b", "污水处理装置", "工业污水处理装置", tech_field="其他"),
    ]
    embedded.index_documents(twins)
    need = demand("d", "", "工业污水处理", tech_field="环境保护")
    found = matching.match(need, backend=embedded)
    assert [m.document.id for m in found] == ["a", "b"]
    assert found[0].compatibility > found[1].compatibility == 0


def test_closed_or_expired_demands_are_never_proposed(embedded):
    past = dt.date.today() - dt.timedelta(days=1)
    embedded.index_documents(
        [
            demand("open", "污水处理", "工业污水处理需求"),
            demand("expired", "污水处理", "工业污水处理需求", deadline=past),
            demand("closed", "污水处理", "工业污水处理需求", status="closed"),
        ]
    )
    from tests.search.conftest import technology

    tech = technology("t", "污水处理", "工业污水处理技术")
    assert [m.document.id for m in matching.match(tech, backend=embedded)] == ["open"]


def test_text_only_match_and_empty_text(embedded, technologies):
    embedded.index_documents(technologies)
    assert (
        matching.match_text("小麦抗旱育种", "technology", backend=embedded)[0].document.id == "t5"
    )
    assert matching.match_text("", "technology", backend=embedded) == []
    lone = matching.match_text("锂电池", "technology", backend=embedded)[0]
    assert lone.criteria == []


def test_explanation_without_shared_terms_or_criteria():
    from search.documents import ListingDocument

    plain = matching.Match(ListingDocument(kind="demand", id="x"), 1.0, 1.0, 0.0)
    with translation.override("zh-hans"):
        assert str(plain.explanation) == "文本内容相近"


def test_match_percentage_is_absolute_not_relative_to_the_best_candidate(embedded, technologies):
    """The ranking score makes the best candidate 1; the percentage says how well it fits."""
    embedded.index_documents(technologies)
    related = demand("d1", "电池热管理", "锂电池快充温升过高，需要液冷热管理系统降低电芯温差。")
    found = matching.match(related, backend=embedded, limit=3)
    good = found[0]
    assert good.document.id == "t1" and good.percent >= 75
    # Percentages fall with the rank: the criteria lift them as they lift the ranking.
    assert [m.percent for m in found] == sorted((m.percent for m in found), reverse=True)
    # A demand that shares one generic word still has a best candidate (score 1) ...
    unrelated = demand(
        "d2", "大模数齿轮渗碳淬火畸变", "风电齿轮箱齿轮渗碳淬火后畸变超差，电池温度无关。"
    )
    weak = matching.match(unrelated, backend=embedded, limit=1)
    # ... (it shares 电池) whose percentage stays below the curators' default threshold of 60:
    # the words no technology contains (齿轮, 渗碳, 淬火 …) weigh most in the demand.
    assert weak and weak[0].text_score == 1.0 and weak[0].percent < 60
    assert weak[0].coverage < good.coverage


def test_a_popular_topic_is_still_covered_by_a_technology_on_it():
    """Many demands or technologies on one topic do not change how well a pair covers."""
    from search.backends.embedded import EmbeddedSearchBackend

    tech = technology(
        "t1",
        "薄壁件激光焊接变形控制与在线监测技术",
        "面向高温合金薄壁件，通过焊接路径规划、随形夹具和熔池在线监测控制激光焊接变形。",
        keywords=["激光焊接", "变形控制", "高温合金", "在线监测"],
    )

    def need(i):
        return demand(
            f"d{i}",
            f"高温合金薄壁件激光焊接变形控制技术需求{i}",
            f"薄壁件激光焊接后变形超差（编号{i}）。需要工艺优化与在线监测方案。",
            keywords=["激光焊接", "变形控制", "高温合金"],
        )

    def supply(i):
        return technology(f"t{i + 2}", f"{tech.title}{i}", tech.summary, keywords=tech.keywords)

    percents = []
    for demands, technologies in ((1, 0), (40, 0), (1, 40)):
        with EmbeddedSearchBackend.temporary({}) as backend:
            backend.index_documents(
                [tech, *map(need, range(demands)), *map(supply, range(technologies))]
            )
            best = matching.match(need(0), backend=backend, limit=1)[0]
            percents.append(best.percent)
    assert percents[0] >= 60 and percents[0] == percents[1] == percents[2]


def test_specificity_comes_from_general_chinese_not_the_catalogues():
    from search import analysis

    assert analysis.specificity("公司") == analysis.specificity("技术") == 0.0
    assert 0 < analysis.specificity("激光") < analysis.specificity("焊接")
    assert analysis.specificity("热管理") == max(
        analysis.specificity(w) for w in ("热管理", "焊接", "淬火", "锂离子电池")
    )


def test_maturity_counts_when_the_technology_reaches_the_stage_the_demand_asks_for(embedded):
    # One vocabulary (cms.stages.Stage) on both sides; before, demands never set it and
    # the criterion (1.0 of the 4.25 weight) could not be met, capping every percentage.
    techs = [
        technology("ready", "污水处理装置", "工业污水处理装置", maturity="mature"),
        technology("early", "污水处理装置", "工业污水处理装置", maturity="lab"),
    ]
    embedded.index_documents(techs)
    need = demand("d", "", "工业污水处理装置，出水需达到回用标准，兼顾膜污染控制", maturity="pilot")
    found = {m.document.id: m for m in matching.match(need, backend=embedded)}
    assert [c.code for c in found["ready"].criteria] == ["maturity"]
    assert found["early"].criteria == []
    weight = matching.CRITERION_WEIGHTS["maturity"] / sum(matching.CRITERION_WEIGHTS.values())
    assert found["ready"].compatibility == weight
    assert found["ready"].score > found["early"].score
    assert 0 < found["early"].percent < found["ready"].percent < 100


def test_the_maturity_vocabulary_is_the_stage_vocabulary():
    from cms.models import Stage
    from search.documents import MATURITY_LEVELS, MATURITY_RANK

    assert [code for code, _label in MATURITY_LEVELS] == list(Stage.values)
    assert MATURITY_RANK["lab"] < MATURITY_RANK["small_pilot"] < MATURITY_RANK["pilot"]
    assert MATURITY_RANK["pilot"] < MATURITY_RANK["mature"]
    assert str(matching.maturity_label("pilot")) == str(Stage.PILOT.label)
