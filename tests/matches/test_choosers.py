"""Manual matching with searchable choosers (issue 12, point 13): only eligible listings are
offered, the server re-checks the posted ids, curators only."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from cms.models import DemandPage, TechnologyPage
from marketplace.matches.models import Match
from tests.factories import DemandPageFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db

DEMANDS = "match_demand_chooser:choose"
DEMANDS_RESULTS = "match_demand_chooser:choose_results"
TECHS = "match_technology_chooser:choose"
TECH_CHOSEN = "match_technology_chooser:chosen"


@pytest.fixture
def closed_demand(published, enterprise):
    page = published(DemandPageFactory, organisation=enterprise, title="已截止的焊接需求")
    DemandPage.objects.filter(pk=page.pk).update(status="closed")
    return page


@pytest.fixture
def withdrawn_technology(published, university):
    page = published(TechnologyPageFactory, organisation=university, title="已下线的焊接成果")
    TechnologyPage.objects.filter(pk=page.pk).update(status="withdrawn")
    return page


def _html(response) -> str:
    # The modal answers JSON with the rendered HTML inside; its results view plain HTML.
    assert response.status_code == 200
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)["html"]
    return response.content.decode()


def test_choosers_offer_only_eligible_listings_and_search_them(
    client, curator, demand, technology, closed_demand, withdrawn_technology, published, enterprise
):
    other = published(
        DemandPageFactory,
        organisation=enterprise,
        title="污水处理膜污染需求",
        keywords="膜污染,污水处理",
    )
    client.force_login(curator)
    demands = _html(client.get(reverse(DEMANDS)))
    assert demand.title in demands and other.title in demands
    assert closed_demand.title not in demands
    assert demand.organisation.name in demands  # identical titles are told apart
    techs = _html(client.get(reverse(TECHS)))
    assert technology.title in techs and withdrawn_technology.title not in techs
    # Search by title, organisation or keyword.
    found = _html(client.get(reverse(DEMANDS_RESULTS), {"q": "膜污染"}))
    assert other.title in found and demand.title not in found
    found = _html(client.get(reverse(DEMANDS_RESULTS), {"q": "变形控制"}))
    assert demand.title in found and other.title not in found
    found = _html(client.get(reverse(DEMANDS_RESULTS), {"q": "截止"}))
    assert closed_demand.title not in found


def test_choosing_answers_only_for_an_eligible_listing(
    client, curator, technology, withdrawn_technology
):
    client.force_login(curator)
    response = client.get(reverse(TECH_CHOSEN, args=[technology.pk]))
    result = json.loads(response.content)["result"]
    assert result["id"] == str(technology.pk) and technology.organisation.name in result["title"]
    for pk in (withdrawn_technology.pk, "abc", 10**30):
        assert client.get(reverse(TECH_CHOSEN, args=[pk])).status_code == 404


def test_the_server_rechecks_the_posted_ids(
    client, curator, demand, technology, closed_demand, withdrawn_technology
):
    client.force_login(curator)
    for pair in (
        {"demand": closed_demand.pk, "technology": technology.pk},
        {"demand": demand.pk, "technology": withdrawn_technology.pk},
        {"demand": technology.pk, "technology": demand.pk},
        {"demand": "x", "technology": technology.pk},
    ):
        response = client.post(reverse("matches_admin:propose"), pair)
        assert response.status_code == 400
        assert "所选项目已不可推荐" in response.content.decode()
    assert not Match.objects.exists()
    response = client.post(
        reverse("matches_admin:propose"), {"demand": demand.pk, "technology": technology.pk}
    )
    assert response.status_code == 302 and Match.objects.get().source == "curator"


def test_the_form_uses_the_choosers_not_long_selects(client, curator, demand, technology):
    client.force_login(curator)
    page = client.get(reverse("matches_admin:propose")).content.decode()
    assert "<select" not in page.split('id="id_note"')[0].split("<form")[-1]
    assert reverse(DEMANDS) in page and reverse(TECHS) in page


def test_choosers_are_for_curators_only(client, enterprise_member, demand, technology):
    client.force_login(enterprise_member)
    for url in (reverse(DEMANDS), reverse(TECHS), reverse(TECH_CHOSEN, args=[technology.pk])):
        assert client.get(url).status_code in (302, 403)
