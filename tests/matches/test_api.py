"""/api/v1/matches/: what was recommended to the caller's organisations, and the answer action."""

from __future__ import annotations

import pytest

from marketplace.matches import services
from marketplace.matches.models import MatchAnswer
from tests.factories import MatchFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recommended(match, curator):
    return services.match_recommend(
        match=match, curator=curator, note_demand="致企业", note_technology="致高校"
    )


def test_anonymous_callers_are_refused(api_client, recommended):
    assert api_client.get("/api/v1/matches/").status_code in (401, 403)


def test_list_shows_only_what_was_recommended_to_my_organisation(
    api_client, recommended, other_pair, enterprise_member, published, university
):
    tech = published(TechnologyPageFactory, organisation=university, title="仍待审核的成果")
    MatchFactory(demand=recommended.demand, technology=tech)  # proposed: never shown
    api_client.force_login(enterprise_member)
    data = api_client.get("/api/v1/matches/").json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["id"] == recommended.pk and row["side"] == "demand"
    assert row["note"] == "致企业" and "致高校" not in str(data)
    assert row["counterpart"]["title"] == recommended.technology.title
    assert row["counterpart"]["organisation"] == recommended.technology.organisation.name
    assert row["answer"] == "pending" and row["conversation_open"] is False
    assert api_client.get(f"/api/v1/matches/{other_pair.pk}/").status_code == 404


def test_research_side_sees_its_note(api_client, recommended, research_member):
    api_client.force_login(research_member)
    row = api_client.get(f"/api/v1/matches/{recommended.pk}/").json()
    assert row["side"] == "technology" and row["note"] == "致高校"
    assert row["counterpart"]["kind"] == "demand"


def test_answer_action(api_client, recommended, enterprise_member, research_member, outsider):
    url = f"/api/v1/matches/{recommended.pk}/answer/"
    api_client.force_login(outsider)
    assert api_client.post(url, {"answer": "interested"}, format="json").status_code == 404
    api_client.force_login(enterprise_member)
    assert api_client.post(url, {"answer": "pending"}, format="json").status_code == 400
    row = api_client.post(url, {"answer": "interested", "note": "可以"}, format="json").json()
    assert row["answer"] == MatchAnswer.INTERESTED and row["conversation_open"] is False
    api_client.force_login(research_member)
    row = api_client.post(url, {"answer": "interested"}, format="json").json()
    assert row["conversation_open"] is True
    refused = api_client.post(url, {"answer": "not_interested"}, format="json")
    assert refused.status_code == 400


def test_proposed_matches_cannot_be_answered(api_client, match, enterprise_member):
    api_client.force_login(enterprise_member)
    response = api_client.post(
        f"/api/v1/matches/{match.pk}/answer/", {"answer": "interested"}, format="json"
    )
    assert response.status_code == 404


def test_schema_lists_the_matches_endpoints(api_client):
    schema = api_client.get("/api/v1/schema/").content.decode()
    assert "/api/v1/matches/" in schema and "/api/v1/matches/{id}/answer/" in schema
