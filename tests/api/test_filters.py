"""Filters, ordering and ``q``; an invalid value is a 400 naming the parameter."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField

from ..factories import DemandPageFactory, OrganisationFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


def ids(api, url, **params) -> list[int]:
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def demands(api, **params):
    return ids(api, "/api/v1/demands/", **params)


def technologies(api, **params):
    return ids(api, "/api/v1/technologies/", **params)


def test_taxonomy_district_status_and_organisation_filters(api):
    chain = IndustryChain.objects.get(slug="quantum")
    field = TechnologyField.objects.get(slug="new-materials")
    org = OrganisationFactory()
    a = DemandPageFactory(industry_chain=chain, district="370102", status="open")
    b = DemandPageFactory(technology_field=field, status="closed", organisation=org)
    assert demands(api, industry_chain="quantum") == [a.pk]
    assert demands(api, technology_field="new-materials") == [b.pk]
    assert demands(api, district="370102") == [a.pk]
    assert demands(api, status="closed") == [b.pk]
    assert demands(api, organisation=org.pk) == [b.pk]


def test_cooperation_mode_filter(api):
    licence = CooperationMode.objects.get(slug="licence")
    a = TechnologyPageFactory(cooperation_modes=[licence])
    TechnologyPageFactory(cooperation_modes=[CooperationMode.objects.get(slug="transfer")])
    assert technologies(api, cooperation_mode="licence") == [a.pk]


def test_stage_and_trl_min_filters(api):
    mature = TechnologyPageFactory(stage="mature", trl=8)
    lab = TechnologyPageFactory(stage="lab", trl=3)
    assert technologies(api, stage="lab") == [lab.pk]
    assert technologies(api, trl_min=7) == [mature.pk]
    assert technologies(api, trl_min=3, ordering="trl") == [mature.pk, lab.pk]


def test_budget_range_overlaps_the_demand_budget(api):
    small = DemandPageFactory(budget_min=100_000, budget_max=300_000)
    large = DemandPageFactory(budget_min=2_000_000, budget_max=5_000_000)
    fixed = DemandPageFactory(budget_kind="fixed", budget_min=None, budget_max=800_000)
    DemandPageFactory(budget_kind="negotiable", budget_min=None, budget_max=None)
    assert set(demands(api, budget_min=1_000_000)) == {large.pk}
    assert set(demands(api, budget_max=500_000)) == {small.pk}
    assert set(demands(api, budget_min=250_000, budget_max=900_000)) == {small.pk, fixed.pk}


def test_ordering_newest_and_deadline(api):
    now = timezone.now()
    late = DemandPageFactory(bid_deadline=now + datetime.timedelta(days=60))
    soon = DemandPageFactory(bid_deadline=now + datetime.timedelta(days=5))
    none = DemandPageFactory(bid_deadline=None)
    assert demands(api) == [none.pk, soon.pk, late.pk]
    assert demands(api, ordering="newest") == [none.pk, soon.pk, late.pk]
    assert demands(api, ordering="deadline") == [soon.pk, late.pk, none.pk]


def test_q_matches_title_or_keywords(api, published):
    a = published(DemandPageFactory, title="锅炉烟气脱硝催化剂寿命提升", keywords="脱硝,催化剂")
    b = published(DemandPageFactory, title="精密减速器齿轮磨削", keywords="RV减速器,齿轮")
    assert demands(api, q="脱硝") == [a.pk]
    assert demands(api, q="rv减速器") == [b.pk]
    assert set(demands(api, q="  ")) == {a.pk, b.pk}


@pytest.mark.parametrize(
    ("url", "param", "value"),
    [
        ("/api/v1/demands/", "status", "draft"),
        ("/api/v1/demands/", "status", "in_review"),
        ("/api/v1/demands/", "status", "bogus"),
        ("/api/v1/technologies/", "status", "withdrawn"),
        ("/api/v1/demands/", "industry_chain", "no-such-chain"),
        ("/api/v1/demands/", "cooperation_mode", "no-such-mode"),
        ("/api/v1/demands/", "district", "110101"),
        ("/api/v1/demands/", "organisation", "abc"),
        ("/api/v1/demands/", "organisation", "999999"),
        ("/api/v1/demands/", "budget_min", "lots"),
        ("/api/v1/demands/", "ordering", "price"),
        ("/api/v1/technologies/", "trl_min", "10"),
        ("/api/v1/technologies/", "stage", "prototype"),
    ],
)
def test_invalid_filter_is_a_400_naming_the_parameter(api, url, param, value):
    response = api.get(url, {param: value})
    assert response.status_code == 400
    assert param in response.json()


def test_invalid_status_message_lists_the_public_states_in_chinese(api):
    response = api.get("/api/v1/demands/", {"status": "draft"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    (message,) = response.json()["status"]
    assert "“draft” 不是有效的取值" in message
    assert "open" in message and "closed" in message and "draft" not in message.split("：")[-1]


def test_invalid_status_message_in_english(api):
    response = api.get("/api/v1/demands/", {"status": "draft"}, HTTP_ACCEPT_LANGUAGE="en")
    (message,) = response.json()["status"]
    assert message.startswith("“draft” is not a valid value. Allowed: open")
