"""What members are shown as matches (issue 12, point 10): only matches above the one
threshold, ordered by the score shown, with reasons in words."""

from __future__ import annotations

import re

import pytest

from marketplace.matches.services import matches_propose
from search.selectors import listing_matches
from tests.factories import TechnologyPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unrelated(published, university):
    # Shares one word with the demand (焊接) and nothing else it says.
    return published(
        TechnologyPageFactory,
        organisation=university,
        title="锂电池正极材料共沉淀制备",
        keywords="锂电池,正极材料",
        summary="高镍三元正极材料共沉淀制备方法，焊接无关，循环寿命提升。",
    )


def _block(response) -> str:
    html = response.content.decode()
    if 'class="card search-matches"' not in html:
        return ""
    return html.split('class="card search-matches"', 1)[1].split("</section>", 1)[0]


def test_members_see_only_matches_above_the_threshold(
    client, settings, demand, technology, unrelated, enterprise_member
):
    settings.JIEBANG_MATCH_MIN_SCORE = 0
    everything = listing_matches(demand, min_score=0).listings
    scores = {m.page.pk: m.percent for m in everything}
    assert scores[technology.pk] >= 60 > scores.get(unrelated.pk, 0)
    settings.JIEBANG_MATCH_MIN_SCORE = 60
    client.force_login(enterprise_member)
    block = _block(client.get(demand.url))
    assert technology.title in block and unrelated.title not in block
    assert "匹配度不低于 60" in block
    # The score shown, the order and the reasons.
    shown = [int(p) for p in re.findall(r"匹配度 (\d+)", block)]
    assert shown and shown == sorted(shown, reverse=True) and min(shown) >= 60
    assert "共同关键词：" in block and "<li>" in block


def test_with_nothing_above_the_threshold_members_are_told_so(
    client, settings, demand, technology, enterprise_member
):
    settings.JIEBANG_MATCH_MIN_SCORE = 100  # nothing reaches 100 (the score saturates)
    client.force_login(enterprise_member)
    block = _block(client.get(demand.url))
    assert technology.title not in block and "暂时没有匹配度不低于 100 的项目" in block


def test_the_engine_stores_only_pairs_above_the_threshold_with_a_real_shared_term(
    settings, demand, technology, unrelated
):
    settings.JIEBANG_MATCH_MIN_SCORE = 60
    matches_propose()
    from marketplace.matches.models import Match

    pairs = {(m.demand_id, m.technology_id): m for m in Match.objects.all()}
    assert (demand.pk, technology.pk) in pairs and (demand.pk, unrelated.pk) not in pairs
    stored = pairs[(demand.pk, technology.pk)]
    assert 60 <= stored.score < 100
    assert not {"实现", "方案", "技术", "min", "3m", "car"} & set(stored.shared_terms)
