"""The curators' match queue (issue 12, points 10 and 13): filters that combine and keep
pagination, one threshold with an explicit "show lower", reasons in words."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from cms.models import DemandPage, TechnologyPage
from cms.taxonomy import IndustryChain
from marketplace.matches import admin_views
from marketplace.matches.models import Match
from tests.factories import MatchFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db

LICHENG, LIXIA, ZHANGQIU = "370112", "370102", "370114"


@pytest.fixture
def chains(db):
    return list(IndustryChain.objects.order_by("pk")[:2])


@pytest.fixture
def techs(published, university):
    return [
        published(TechnologyPageFactory, organisation=university, title=f"队列成果{i}")
        for i in range(4)
    ]


def _queue(client, **params):
    response = client.get(reverse("matches_admin:queue"), params)
    return response, response.content.decode()


def _shown(body, techs):
    return [t.title for t in techs if t.title in body]


def test_filters_by_industry_chain_district_score_and_age_and_they_combine(
    client, curator, demand, techs, chains
):
    first, second = chains
    DemandPage.objects.filter(pk=demand.pk).update(industry_chain=first, district=LICHENG)
    TechnologyPage.objects.filter(pk=techs[0].pk).update(industry_chain=first, district=LIXIA)
    TechnologyPage.objects.filter(pk=techs[1].pk).update(industry_chain=second, district=ZHANGQIU)
    TechnologyPage.objects.filter(pk=techs[2].pk).update(industry_chain=second, district=ZHANGQIU)
    TechnologyPage.objects.filter(pk=techs[3].pk).update(industry_chain=second, district=ZHANGQIU)
    old = MatchFactory(demand=demand, technology=techs[0], score=90)
    MatchFactory(demand=demand, technology=techs[1], score=75)
    MatchFactory(demand=demand, technology=techs[2], score=65)
    MatchFactory(demand=demand, technology=techs[3], score=95)
    Match.objects.filter(pk=old.pk).update(created_at=old.created_at - datetime.timedelta(days=10))
    client.force_login(curator)
    # Either side in the chain / district.
    assert len(_shown(_queue(client, chain=first.slug)[1], techs)) == 4  # the demand is in it
    _r, body = _queue(client, district=ZHANGQIU)
    assert _shown(body, techs) == [t.title for t in techs[1:]]
    _r, body = _queue(client, min_score=70, max_score=92)
    assert _shown(body, techs) == [techs[0].title, techs[1].title]
    _r, body = _queue(client, age="older7")
    assert _shown(body, techs) == [techs[0].title]
    _r, body = _queue(client, age="7")
    assert _shown(body, techs) == [t.title for t in techs[1:]]
    # Combined: district, score range and age at once.
    _r, body = _queue(client, district=ZHANGQIU, min_score=70, age="7")
    assert _shown(body, techs) == [techs[1].title, techs[3].title]
    # The chain filter reads either side: a chain only technologies 1–3 are in.
    DemandPage.objects.filter(pk=demand.pk).update(industry_chain=None)
    _r, body = _queue(client, chain=second.slug)
    assert _shown(body, techs) == [t.title for t in techs[1:]]


def test_one_number_orders_the_queue_and_the_threshold_hides_lower_unless_asked(
    client, curator, demand, techs, settings
):
    settings.JIEBANG_MATCH_MIN_SCORE = 60
    low = MatchFactory(demand=demand, technology=techs[0], score=45)
    mid = MatchFactory(demand=demand, technology=techs[1], score=70)
    top = MatchFactory(demand=demand, technology=techs[2], score=88)
    client.force_login(curator)
    _r, body = _queue(client)
    assert low.technology.title not in body
    assert body.index(top.technology.title) < body.index(mid.technology.title)
    scores = [int(s) for s in re.findall(r'class="match-score"><strong>(\d+)</strong>', body)]
    assert scores == sorted(scores, reverse=True) == [88, 70]
    assert "显示低于阈值的匹配" in body and "JIEBANG_MATCH_MIN_SCORE" not in body
    # "Show lower" is explicit and says members do not see these.
    _r, body = _queue(client, min_score=0)
    assert low.technology.title in body and "会员看不到这些匹配" in body
    assert "清除筛选" in body
    assert body.index(mid.technology.title) < body.index(low.technology.title)


def test_reasons_are_shown_in_words_not_codes(client, curator, demand, techs):
    MatchFactory(
        demand=demand,
        technology=techs[0],
        score=80,
        shared_terms=["激光焊接", "焊缝跟踪"],
        criteria=[
            {"code": "industry_chain", "label": "同属 高端装备 产业链"},
            {"code": "district", "label": "同在 历城区"},
        ],
    )
    client.force_login(curator)
    _r, body = _queue(client)
    assert "共同关键词：激光焊接、焊缝跟踪" in body
    assert "<li>同属 高端装备 产业链</li>" in body and "<li>同在 历城区</li>" in body
    assert "industry_chain" not in body


def test_pagination_keeps_the_filters(client, curator, demand, published, university, monkeypatch):
    monkeypatch.setattr(admin_views, "PAGE_SIZE", 2)
    techs = [
        published(TechnologyPageFactory, organisation=university, title=f"分页成果{i}")
        for i in range(5)
    ]
    for i, tech in enumerate(techs):
        MatchFactory(demand=demand, technology=tech, score=90 - i)
    client.force_login(curator)
    response, body = _queue(client, min_score=87)  # four of five pass
    assert _shown(body, techs) == [techs[0].title, techs[1].title]
    link = re.search(r'href="([^"]*p=2[^"]*)"', body).group(1).replace("&amp;", "&")
    assert "min_score=87" in link
    body = client.get(reverse("matches_admin:queue") + link).content.decode()
    assert _shown(body, techs) == [techs[2].title, techs[3].title]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"min_score": 80, "max_score": 70}, "最低匹配度不能高于最高匹配度。"),
        ({"min_score": 101}, "100"),
        ({"district": "nowhere"}, "nowhere"),
        ({"chain": "no-such-chain"}, "产业链"),
    ],
)
def test_bad_filters_say_why_and_show_the_unfiltered_queue(
    client, curator, demand, techs, params, error
):
    MatchFactory(demand=demand, technology=techs[0], score=80)
    client.force_login(curator)
    response, body = _queue(client, **params)
    assert response.status_code == 200
    assert techs[0].title in body
    assert 'class="error-message"' in body or "help-critical" in body
    assert error in body or error == "产业链"


def test_bulk_action_returns_to_the_same_filtered_queue(client, curator, demand, techs):
    match = MatchFactory(demand=demand, technology=techs[0], score=80)
    client.force_login(curator)
    url = reverse("matches_admin:queue") + f"?district={LIXIA}&min_score=70"
    response = client.post(url, {"matches": [match.pk], "action": "dismiss", "note": "无关"})
    assert response.status_code == 302
    assert "district=370102" in response["Location"] and "min_score=70" in response["Location"]


def test_queue_filters_are_for_curators_only(client, enterprise_member):
    client.force_login(enterprise_member)
    response = client.get(reverse("matches_admin:queue"), {"min_score": 0})
    assert response.status_code in (302, 403)
