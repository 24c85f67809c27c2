"""``q`` through the search engine, facet counts in list responses, and the matches endpoints."""

from __future__ import annotations

import json

import pytest

from ..factories import DemandPageFactory, OrganisationFactory, TechnologyPageFactory
from .conftest import SECRET

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def catalogue(published, enterprise, university):
    welding = published(
        DemandPageFactory,
        organisation=enterprise,
        title="高温合金薄壁件激光焊接变形控制",
        keywords="激光焊接,变形控制",
        confidential_details=SECRET,
        district="370112",
        problem="<p>薄壁件激光焊接后变形超差，需要焊接工艺与夹具优化。</p>",
    )
    cutting = published(
        DemandPageFactory,
        title="激光切割机床精度提升",
        keywords="激光切割",
        district="370102",
        status="closed",
        budget_kind="negotiable",
        budget_min=None,
        budget_max=None,
    )
    battery = published(
        DemandPageFactory,
        title="动力锂电池热管理",
        keywords="锂电池,热管理",
        problem="<p>快充时电芯温升过高，需要液冷方案。</p>",
    )
    tech = published(
        TechnologyPageFactory,
        organisation=university,
        title="薄壁件激光焊接变形控制工艺",
        keywords="激光焊接,变形控制",
        summary="焊接路径规划与随形夹具控制高温合金薄壁件激光焊接变形。",
    )
    return {"welding": welding, "cutting": cutting, "battery": battery, "tech": tech}


def test_q_is_ranked_by_the_engine_full_and_half_width_alike(api, catalogue):
    found = ids(api.get("/api/v1/demands/", {"q": "激光焊接"}))
    assert found[0] == catalogue["welding"].pk and catalogue["battery"].pk not in found
    # English words find Chinese listings through the glossary, full-width too.
    laser = ids(api.get("/api/v1/demands/", {"q": "ＬＡＳＥＲ"}))
    assert catalogue["welding"].pk in laser and catalogue["battery"].pk not in laser
    assert ids(api.get("/api/v1/demands/", {"q": "激光焊接　变形"})) == ids(
        api.get("/api/v1/demands/", {"q": "激光焊接 变形"})
    )


def test_q_combines_with_filters(api, catalogue):
    assert ids(api.get("/api/v1/demands/", {"q": "激光", "district": "370102"})) == [
        catalogue["cutting"].pk
    ]
    assert ids(api.get("/api/v1/demands/", {"q": "激光", "budget_band": "negotiable"})) == [
        catalogue["cutting"].pk
    ]


def test_q_never_returns_a_listing_hidden_behind_a_stale_index(api, catalogue):
    page = catalogue["battery"]
    type(page).objects.filter(pk=page.pk).update(status="withdrawn")
    assert ids(api.get("/api/v1/demands/", {"q": "锂电池"})) == []


def test_list_responses_carry_facet_counts(api, catalogue):
    body = api.get("/api/v1/demands/", {"q": "激光"}).json()
    assert body["count"] == 2 and body["search_unavailable"] is False
    facets = {k: {v["value"]: v["count"] for v in values} for k, values in body["facets"].items()}
    assert facets["district"] == {"370112": 1, "370102": 1}
    assert facets["status"] == {"open": 1, "closed": 1}
    assert facets["budget_band"] == {"1m-5m": 1, "negotiable": 1}  # 100万 is the 1m–5m band
    assert set(body["facets"]) == {
        "industry_chain",
        "technology_field",
        "district",
        "cooperation_mode",
        "budget_band",
        "status",
    }
    label = next(v["label"] for v in body["facets"]["status"] if v["value"] == "open")
    assert label == "揭榜中"
    narrowed = api.get("/api/v1/demands/", {"q": "激光", "status": "closed"}).json()
    assert narrowed["count"] == 1 and narrowed["facets"]["status"] == [
        {"value": "closed", "label": "已截止", "count": 1}
    ]


def test_technology_facets_include_stage(api, catalogue):
    body = api.get("/api/v1/technologies/").json()
    assert body["facets"]["stage"] == [{"value": "pilot", "label": "中试", "count": 1}]


def test_engine_failure_degrades_q_to_substring(api, catalogue, settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.no_such_engine"}}
    body = api.get("/api/v1/demands/", {"q": "激光焊接"}).json()
    assert body["search_unavailable"] is True
    assert [r["id"] for r in body["results"]] == [catalogue["welding"].pk]


def test_demand_matches_for_the_owner(api, catalogue, enterprise_member, university):
    api.force_login(enterprise_member)
    response = api.get(f"/api/v1/demands/{catalogue['welding'].pk}/matches/")
    assert response.status_code == 200, response.content
    body = response.json()
    first = body["results"][0]
    assert first["listing"]["id"] == catalogue["tech"].pk
    assert first["score"] > 0 and 0 < first["percent"] <= 100
    assert {"激光", "焊接"} <= set(first["shared_terms"]) and "共同关键词" in first["explanation"]
    assert {"code", "label"} <= set(first["criteria"][0]) if first["criteria"] else True
    assert body["organisations"][0]["organisation"]["id"] == university.pk


def test_technology_matches_never_carry_confidential_details(
    api, catalogue, research_member, curator
):
    for user in (research_member, curator):
        api.force_login(user)
        response = api.get(f"/api/v1/technologies/{catalogue['tech'].pk}/matches/")
        assert response.status_code == 200
        text = json.dumps(response.json(), ensure_ascii=False)
        assert catalogue["welding"].title in text
        assert SECRET not in text and "confidential" not in text and "contact" not in text
        assert catalogue["cutting"].title not in text  # closed demands are not proposed


@pytest.mark.parametrize("who", [None, "outsider", "research_member"])
def test_matches_are_for_members_and_curators_only(api, catalogue, who, request):
    if who:
        api.force_login(request.getfixturevalue(who))
    assert api.get(f"/api/v1/demands/{catalogue['welding'].pk}/matches/").status_code == 403


def test_hidden_listings_matches_are_a_404(api, published, enterprise, enterprise_member):
    draft = published(DemandPageFactory, organisation=enterprise, live=False, status="draft")
    api.force_login(enterprise_member)
    assert api.get(f"/api/v1/demands/{draft.pk}/matches/").status_code == 404
    assert api.get("/api/v1/technologies/999999/matches/").status_code == 404


def test_matches_engine_failure_is_a_503(api, catalogue, enterprise_member, settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.no_such_engine"}}
    api.force_login(enterprise_member)
    response = api.get(f"/api/v1/demands/{catalogue['welding'].pk}/matches/")
    assert response.status_code == 503 and "匹配服务暂时不可用" in response.json()["detail"]


def test_schema_documents_facets_and_matches(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/demands/{id}/matches/" in schema["paths"]
    assert "/api/v1/technologies/{id}/matches/" in schema["paths"]
    page = schema["components"]["schemas"]["PaginatedTechnologySummaryList"]["properties"]
    assert "stage" in page["facets"]["properties"] and "search_unavailable" in page
    match = schema["components"]["schemas"]["TechnologyMatch"]["properties"]
    assert {"score", "explanation", "shared_terms", "criteria", "listing"} <= set(match)
    params = {p["name"] for p in schema["paths"]["/api/v1/demands/"]["get"]["parameters"]}
    assert {"q", "budget_band"} <= params


def test_organisations_of_the_wrong_kind_are_not_proposed_as_research_partners(
    api, published, enterprise, enterprise_member
):
    demand = published(
        DemandPageFactory, organisation=enterprise, title="激光焊接变形", keywords="激光焊接"
    )
    other_enterprise = OrganisationFactory(name="另一家激光设备公司")
    published(
        TechnologyPageFactory,
        organisation=other_enterprise,
        title="激光焊接设备",
        keywords="激光焊接",
    )
    api.force_login(enterprise_member)
    body = api.get(f"/api/v1/demands/{demand.pk}/matches/").json()
    assert body["results"] and body["organisations"] == []
