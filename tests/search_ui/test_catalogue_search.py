"""/demands/ and /technologies/: engine-backed search, facets, highlighting, help, fallback."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField
from tests.factories import DemandPageFactory, OrganisationFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


def results(response) -> list[str]:
    """Return the result titles (highlight markup removed), in order."""
    html = response.content.decode()
    section = html.split('class="search-results"', 1)[1]
    return [
        re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<h3><a href="[^"]*">(.*?)</a>', section)
    ]


@pytest.fixture
def catalogue(published):
    chain = IndustryChain.objects.order_by("pk")
    welding = published(
        DemandPageFactory,
        title="高温合金薄壁件激光焊接变形控制",
        keywords="激光焊接,变形控制",
        industry_chain=chain[0],
        district="370112",
        budget_kind="range",
        budget_min=500_000,
        budget_max=800_000,
    )
    battery = published(
        DemandPageFactory,
        title="动力锂电池热管理系统优化",
        keywords="锂电池,热管理",
        problem="<p>快充时电芯温升过高，需要液冷热管理方案。</p>",
        industry_chain=chain[1],
        district="370102",
        budget_kind="negotiable",
        budget_min=None,
        budget_max=None,
    )
    cutting = published(
        DemandPageFactory,
        title="激光切割机床精度提升",
        keywords="激光切割,数控机床",
        problem="<p>激光切割的热影响区过大，边缘精度不足。</p>",
        industry_chain=chain[0],
        district="370102",
        status="closed",
        budget_kind="fixed",
        budget_min=None,
        budget_max=3_000_000,
    )
    return {"welding": welding, "battery": battery, "cutting": cutting}


def test_search_ranks_engine_hits_and_highlights_them(client, catalogue):
    response = client.get("/demands/", {"q": "激光焊接"})
    assert response.status_code == 200
    titles = results(response)
    assert titles[0] == "高温合金薄壁件激光焊接变形控制"
    assert "动力锂电池热管理系统优化" not in titles
    html = response.content.decode()
    assert "<mark>激光</mark><mark>焊接</mark>变形控制" in html  # the title, marked
    section = html.split('class="search-results"', 1)[1].split("</section>", 1)[0]
    assert "<mark>" in section and "<script" not in section


def test_full_width_query_finds_the_same_as_half_width(client, published):
    published(DemandPageFactory, title="RV减速器齿轮磨削工艺", keywords="RV减速器,齿轮")
    published(DemandPageFactory, title="锅炉烟气脱硝催化剂", keywords="脱硝")
    half = results(client.get("/demands/", {"q": "RV减速器"}))
    full = results(client.get("/demands/", {"q": "ＲＶ减速器"}))
    lower = results(client.get("/demands/", {"q": "rv减速器"}))
    assert half == full == lower == ["RV减速器齿轮磨削工艺"]


def test_mixed_chinese_english_query(client, published):
    published(
        TechnologyPageFactory,
        title="基于AI的工业视觉缺陷检测",
        keywords="机器视觉,AI,缺陷检测",
        summary="卷积神经网络实时检测金属零件表面缺陷。",
    )
    published(
        TechnologyPageFactory,
        title="小麦抗旱新品种选育",
        keywords="小麦,育种",
        summary="分子标记辅助育种。",
    )
    assert results(client.get("/technologies/", {"q": "ＡＩ 缺陷检测"})) == [
        "基于AI的工业视觉缺陷检测"
    ]


def test_a_freshly_published_listing_is_found_and_an_unpublished_one_is_not(
    client, published, committed
):
    page = published(DemandPageFactory, title="碳纤维复合材料热压成型", keywords="碳纤维")
    assert results(client.get("/demands/", {"q": "碳纤维"})) == [page.title]
    with committed():
        page.unpublish()
    response = client.get("/demands/", {"q": "碳纤维"})
    assert page.title not in response.content.decode()


def test_a_withdrawn_listing_is_not_shown_even_if_the_index_is_stale(client, published):
    page = published(TechnologyPageFactory, title="石墨烯导热膜制备", keywords="石墨烯")
    # Withdrawn behind the index's back: no signal, the index still holds it.
    type(page).objects.filter(pk=page.pk).update(status="withdrawn")
    response = client.get("/technologies/", {"q": "石墨烯"})
    assert response.status_code == 200
    assert "石墨烯导热膜制备" not in response.content.decode()


def test_a_draft_is_never_indexed_or_shown(client, published):
    published(
        DemandPageFactory,
        title="氢燃料电池双极板涂层",
        keywords="双极板",
        live=False,
        status="draft",
    )
    assert "氢燃料电池双极板涂层" not in client.get("/demands/", {"q": "双极板"}).content.decode()


def facet(response, param) -> dict[str, int]:
    facets = {f.param: f for f in response.context["search"].facets}
    return {c.value: c.count for c in facets[param].choices} if param in facets else {}


def test_facet_counts_and_narrowing_keep_the_other_parameters(client, catalogue):
    response = client.get("/demands/", {"q": "激光", "closed": "1"})
    assert sorted(results(response)) == ["激光切割机床精度提升", "高温合金薄壁件激光焊接变形控制"]
    assert facet(response, "district") == {"370112": 1, "370102": 1}
    assert facet(response, "status") == {"open": 1, "closed": 1}
    assert facet(response, "budget_band") == {"500k-1m": 1, "1m-5m": 1}
    html = response.content.decode()
    assert 'href="?q=%E6%BF%80%E5%85%89&amp;closed=1&amp;district=370102"' in html

    narrowed = client.get("/demands/", {"q": "激光", "closed": "1", "district": "370102"})
    assert results(narrowed) == ["激光切割机床精度提升"]
    assert facet(narrowed, "status") == {"closed": 1}
    # The selected value links back to the wider listing, keeping q.
    chosen = next(f for f in narrowed.context["search"].facets if f.param == "district").selected
    assert chosen.url == "?q=%E6%BF%80%E5%85%89&closed=1"
    assert results(
        client.get("/demands/", {"q": "激光", "budget_band": "1m-5m", "closed": "1"})
    ) == ["激光切割机床精度提升"]


def test_browsing_without_query_uses_the_database_with_facets(client, catalogue):
    response = client.get("/demands/", {"district": "370102", "closed": "1"})
    assert response.status_code == 200
    assert sorted(results(response)) == ["动力锂电池热管理系统优化", "激光切割机床精度提升"]
    assert facet(response, "budget_band") == {"negotiable": 1, "1m-5m": 1}
    assert facet(response, "status") == {"open": 1, "closed": 1}
    assert results(client.get("/demands/", {"budget_band": "negotiable"})) == [
        "动力锂电池热管理系统优化"
    ]


def test_technology_facets_include_maturity_and_cooperation_mode(client, published):
    mode = CooperationMode.objects.order_by("pk").first()
    field = TechnologyField.objects.order_by("pk").last()
    published(
        TechnologyPageFactory,
        title="锂电池正极材料",
        keywords="锂电池",
        stage="pilot",
        cooperation_modes=[mode],
        technology_field=field,
        price_kind="fixed",
        asking_price=300_000,
    )
    published(TechnologyPageFactory, title="锂电池回收工艺", keywords="锂电池,回收", stage="mature")
    response = client.get("/technologies/", {"q": "锂电池"})
    assert facet(response, "stage") == {"pilot": 1, "mature": 1}
    assert facet(response, "cooperation_mode") == {mode.slug: 1}
    assert facet(response, "technology_field")[field.slug] == 1
    assert facet(response, "budget_band") == {"100k-500k": 1, "negotiable": 1}
    assert results(client.get("/technologies/", {"q": "锂电池", "stage": "mature"})) == [
        "锂电池回收工艺"
    ]
    assert results(client.get("/technologies/", {"stage": "pilot"})) == ["锂电池正极材料"]


def test_pagination_keeps_the_query_and_filters(client, published):
    org = OrganisationFactory()
    for n in range(23):
        published(
            DemandPageFactory, title=f"陶瓷基板烧结工艺{n}", keywords="陶瓷基板", organisation=org
        )
    first = client.get("/demands/", {"q": "陶瓷基板", "district": "370112"})
    assert len(results(first)) == 20 and first.context["search"].total == 23
    html = first.content.decode()
    assert "page=2" in html and "district=370112" in html.split('class="pagination"', 1)[1]
    second = client.get("/demands/", {"q": "陶瓷基板", "district": "370112", "page": 2})
    assert len(results(second)) == 3
    assert not set(results(first)) & set(results(second))
    beyond = client.get("/demands/", {"q": "陶瓷基板", "page": 99})
    assert results(beyond) == results(second)


def test_empty_result_page_suggests_dropping_filters_and_popular_keywords(client, catalogue):
    response = client.get("/demands/", {"q": "锂电池", "district": "370112"})
    assert response.status_code == 200 and results(response) == []
    help = response.context["search"].help
    assert (
        help.without_filters.count == 1
        and help.without_filters.url == "?q=%E9%94%82%E7%94%B5%E6%B1%A0"
    )
    html = response.content.decode()
    assert "去掉全部筛选条件" in html and "（可找到 1 项）" in html and "热门关键词" in html
    assert "激光焊接" in [h.label for h in help.popular]


def test_a_synonym_variant_finds_the_canonical_forms_listing(client, catalogue):
    # 锂离子电芯 and 锂电池 both map to 锂离子电池: one either-or clause.
    search = client.get("/demands/", {"q": "锂离子电芯"}).context["search"]
    assert [item.page for item in search.items] == [catalogue["battery"]]
    assert "<mark>锂电池</mark>" in search.items[0].title_html


def test_a_word_found_through_its_synonym_is_enough_when_the_others_are_missing(client, catalogue):
    # Every word ranks, none is demanded: 锂离子电芯 (the battery demand says 锂电池,
    # one synonym group) finds it although nothing says 小麦育种.
    search = client.get("/demands/", {"q": "锂离子电芯 小麦育种"}).context["search"]
    assert [item.page.title for item in search.items] == ["动力锂电池热管理系统优化"]


def test_empty_result_page_hints_close_spellings(client, catalogue):
    search = client.get("/demands/", {"q": "焊结"}).context["search"]
    assert search.total == 0
    assert "焊接" in [h.label for h in search.help.terms]  # 焊结 is a typo of 焊接


def test_stale_titles_are_never_offered_as_hints(client, published):
    page = published(TechnologyPageFactory, title="石墨烯导热膜制备", keywords="石墨烯")
    type(page).objects.filter(pk=page.pk).update(status="withdrawn")  # index left stale
    response = client.get("/technologies/", {"q": "石墨烯导热"})
    assert response.status_code == 200
    assert "石墨烯导热膜制备" not in response.content.decode()


def test_invalid_filter_values_are_reported(client, catalogue):
    response = client.get("/demands/", {"q": "激光", "budget_band": "lots"})
    assert response.status_code == 200
    assert "预算/报价区间的取值无效" in response.content.decode()
    assert results(response) == []


def test_engine_failure_shows_a_notice_and_serves_the_database_listing(
    client, catalogue, settings, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(blocker / "index")}
    }
    response = client.get("/demands/", {"q": "激光焊接"})
    assert response.status_code == 200
    assert "搜索引擎暂时不可用" in response.content.decode()
    assert results(response) == ["高温合金薄壁件激光焊接变形控制"]  # title substring fallback
    browse = client.get("/demands/", {"closed": "1"})
    assert browse.status_code == 200 and len(results(browse)) == 3
    assert len(results(client.get("/demands/"))) == 2  # open ones by default, here too


def test_a_misconfigured_backend_also_degrades(client, catalogue, settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.no_such_engine"}}
    response = client.get("/technologies/", {"q": "锂电池"})
    assert response.status_code == 200
    assert "搜索引擎暂时不可用" in response.content.decode()


def test_index_pages_load_the_autocomplete_script(client, catalogue):
    html = client.get("/technologies/").content.decode()
    assert "/static/js/search.js" in html
    assert 'data-autocomplete-url="/search/autocomplete/?kind=technology"' in html


def test_dropping_filters_is_not_suggested_when_it_would_find_nothing_either(client, catalogue):
    search = client.get("/demands/", {"q": "钙钛矿", "district": "370112"}).context["search"]
    assert search.total == 0 and search.help.without_filters is None
    assert search.help.popular


# -- issue 12: open listings by default, sort, English and partial queries ---------------


def test_listings_that_take_no_bids_are_hidden_by_default_with_a_switch(
    client, catalogue, published
):
    # Open in status but past its deadline: cms.lifecycle says it takes no bids.
    late = published(DemandPageFactory, title="激光清洗除锈工艺", keywords="激光清洗")
    type(late).objects.filter(pk=late.pk).update(
        bid_deadline=timezone.now() - dt.timedelta(hours=1)
    )
    response = client.get("/demands/", {"q": "激光"})
    assert results(response) == ["高温合金薄壁件激光焊接变形控制"]
    html = response.content.decode()
    assert 'href="?q=%E6%BF%80%E5%85%89&amp;closed=1"' in html and 'aria-checked="false"' in html
    assert "包括已截止、已结束的项目" in html
    everything = client.get("/demands/", {"q": "激光", "closed": "1"})
    assert sorted(results(everything)) == [
        "激光切割机床精度提升",
        "激光清洗除锈工艺",
        "高温合金薄壁件激光焊接变形控制",
    ]
    assert 'aria-checked="true"' in everything.content.decode()
    # Choosing a status shows that status, closed or not.
    assert results(client.get("/demands/", {"q": "激光", "status": "closed"})) == [
        "激光切割机床精度提升"
    ]
    # Browsing (no query) follows the same rule.
    assert "激光清洗除锈工艺" not in results(client.get("/demands/"))


def test_a_search_that_only_finds_closed_listings_offers_to_include_them(client, catalogue):
    search = client.get("/demands/", {"q": "数控机床"}).context["search"]
    assert search.total == 0
    assert search.help.with_closed.count == 1
    assert search.help.with_closed.url.endswith("closed=1")


@pytest.fixture
def sortable(published):
    now = timezone.now()
    rows = [
        ("焊缝跟踪传感器", now + dt.timedelta(days=40), 500_000, 1),
        ("焊缝缺陷检测", now + dt.timedelta(days=5), 200_000, 2),
        ("焊缝打磨机器人", now + dt.timedelta(days=20), 900_000, 3),
    ]
    for title, deadline, budget, age in rows:
        page = published(
            DemandPageFactory,
            title=title,
            keywords="焊缝",
            bid_deadline=deadline,
            budget_kind="range",
            budget_min=None,
            budget_max=budget,
        )
        type(page).objects.filter(pk=page.pk).update(
            first_published_at=now - dt.timedelta(days=age)
        )


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("newest", ["焊缝跟踪传感器", "焊缝缺陷检测", "焊缝打磨机器人"]),
        ("deadline", ["焊缝缺陷检测", "焊缝打磨机器人", "焊缝跟踪传感器"]),
        ("budget", ["焊缝打磨机器人", "焊缝跟踪传感器", "焊缝缺陷检测"]),
    ],
)
def test_results_can_be_sorted(client, sortable, sort, expected):
    assert results(client.get("/demands/", {"q": "焊缝", "sort": sort})) == expected
    assert results(client.get("/demands/", {"sort": sort})) == expected  # browsing too


def test_sort_links_keep_the_query_and_mark_the_current_order(client, sortable):
    response = client.get("/demands/", {"q": "焊缝", "sort": "budget"})
    search = response.context["search"]
    assert [(c.value, c.selected) for c in search.sorts] == [
        ("relevance", False),
        ("newest", False),
        ("deadline", False),
        ("budget", True),
    ]
    assert search.sorts[1].url == "?q=%E7%84%8A%E7%BC%9D&sort=newest"
    assert '<strong aria-current="true">金额最高</strong>' in response.content.decode()
    # Browsing offers no relevance; technologies no deadline.
    browse = client.get("/demands/").context["search"]
    assert [c.value for c in browse.sorts] == ["newest", "deadline", "budget"]
    techs = client.get("/technologies/").context["search"]
    assert [c.value for c in techs.sorts] == ["newest", "budget"]


def test_an_unknown_sort_is_reported_and_the_default_order_kept(client, sortable):
    response = client.get("/demands/", {"q": "焊缝", "sort": "cheapest"})
    assert "排序方式无效" in response.content.decode()
    assert response.context["search"].sort == "relevance"
    assert len(results(response)) == 3


def test_english_and_mixed_queries_find_chinese_listings_in_either_language(client, catalogue):
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        assert results(client.get("/demands/", {"q": "laser welding"}))[0] == (
            "高温合金薄壁件激光焊接变形控制"
        )
        mixed = results(client.get("/demands/", {"q": "battery 热管理"}))
        assert mixed == ["动力锂电池热管理系统优化"]


def test_words_are_ranked_not_demanded_and_parts_of_words_match(client, catalogue):
    # 变形 is in the welding demand only, 液冷 in the battery demand only.
    found = results(client.get("/demands/", {"q": "变形 液冷"}))
    assert sorted(found) == ["动力锂电池热管理系统优化", "高温合金薄壁件激光焊接变形控制"]
    assert results(client.get("/demands/", {"q": "薄壁"}))[0] == "高温合金薄壁件激光焊接变形控制"
