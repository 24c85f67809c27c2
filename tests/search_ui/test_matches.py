"""Matches on listing pages: owners' members and curators only, public fields of the other side only."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from marketplace.organisations.models import Organisation
from tests.factories import DemandPageFactory, OrganisationFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db

SECRET = "机密工艺参数-ZX9-激光焊接"


@pytest.fixture
def listings(published, enterprise, university):
    demand = published(
        DemandPageFactory,
        organisation=enterprise,
        title="高温合金薄壁件激光焊接变形控制",
        keywords="激光焊接,变形控制,高温合金",
        confidential_details=SECRET,
        problem="<p>高温合金薄壁件激光焊接后变形超差，需要焊接工艺与夹具优化。</p>",
    )
    welding = published(
        TechnologyPageFactory,
        organisation=university,
        title="薄壁件激光焊接变形控制工艺",
        keywords="激光焊接,变形控制",
        summary="通过焊接路径规划与随形夹具，控制高温合金薄壁件激光焊接变形。",
    )
    battery = published(
        TechnologyPageFactory,
        title="锂电池正极材料制备",
        keywords="锂电池,正极材料",
        summary="高镍三元正极材料共沉淀制备。",
    )
    return {"demand": demand, "welding": welding, "battery": battery}


def matches_html(response) -> str:
    html = response.content.decode()
    if 'class="card search-matches"' not in html:
        return ""
    return html.split('class="card search-matches"', 1)[1].split("</section>", 1)[0]


def test_demand_owner_sees_fitting_technologies_and_research_organisations(
    client, listings, enterprise_member, university
):
    client.force_login(enterprise_member)
    block = matches_html(client.get(listings["demand"].url))
    assert "薄壁件激光焊接变形控制工艺" in block
    assert "锂电池正极材料制备" not in block or block.index("薄壁件激光焊接") < block.index(
        "锂电池正极材料制备"
    )
    assert "匹配度" in block and "共同关键词" in block
    assert "推荐科研单位" in block and university.name in block


def test_technology_owner_sees_demands_and_enterprises_without_their_confidential_details(
    client, listings, research_member, enterprise
):
    client.force_login(research_member)
    response = client.get(listings["welding"].url)
    block = matches_html(response)
    assert "高温合金薄壁件激光焊接变形控制" in block and enterprise.name in block
    assert "符合条件" in block or "共同关键词" in block
    assert SECRET not in response.content.decode()


def test_curator_sees_matches(client, listings, curator):
    client.force_login(curator)
    assert "薄壁件激光焊接变形控制工艺" in matches_html(client.get(listings["demand"].url))


@pytest.mark.parametrize("who", ["anonymous", "outsider", "research_member"])
def test_others_see_no_matches_block(client, listings, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(listings["demand"].url)
    assert response.status_code == 200
    assert "search-matches" not in response.content.decode()


def test_unavailable_counterparts_are_not_proposed(
    client, listings, published, enterprise, research_member
):
    closed = published(
        DemandPageFactory,
        organisation=OrganisationFactory(),
        status="closed",
        title="激光焊接变形控制已截止需求",
        keywords="激光焊接",
    )
    stale = published(
        DemandPageFactory,
        organisation=OrganisationFactory(),
        title="激光焊接变形控制撤回需求",
        keywords="激光焊接",
    )
    type(stale).objects.filter(pk=stale.pk).update(status="withdrawn")  # index left stale
    client.force_login(research_member)
    block = matches_html(client.get(listings["welding"].url))
    assert closed.title not in block and stale.title not in block
    assert "高温合金薄壁件激光焊接变形控制" in block


def test_own_organisations_listings_are_not_proposed(
    client, published, enterprise, enterprise_member
):
    demand = published(
        DemandPageFactory, organisation=enterprise, title="激光焊接变形控制", keywords="激光焊接"
    )
    own = published(
        TechnologyPageFactory,
        organisation=enterprise,
        title="本单位激光焊接技术",
        keywords="激光焊接",
    )
    client.force_login(enterprise_member)
    assert own.title not in matches_html(client.get(demand.url))


def test_engine_failure_keeps_the_page_serving(client, listings, enterprise_member, settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.no_such_engine"}}
    client.force_login(enterprise_member)
    response = client.get(listings["demand"].url)
    assert response.status_code == 200
    assert "匹配服务暂时不可用" in matches_html(response)


def test_the_tag_is_self_contained_for_the_workspace(listings, enterprise_member, outsider):
    template = Template("{% load search_tags %}{% listing_matches page user %}")
    page = listings["demand"]
    shown = template.render(Context({"page": page.page_ptr, "user": enterprise_member}))
    assert "薄壁件激光焊接变形控制工艺" in shown
    assert template.render(Context({"page": page, "user": outsider})).strip() == ""


def test_organisation_kinds_follow_the_direction(listings, enterprise_member):
    from search.selectors import listing_matches

    found = listing_matches(listings["demand"])
    assert found.target_kind == "technology"
    assert all(
        o.organisation.kind in (Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE)
        for o in found.organisations
    )
    assert [m.score for m in found.listings] == sorted(
        (m.score for m in found.listings), reverse=True
    )
    assert all(0 <= m.percent <= 100 for m in found.listings)
