from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from marketplace.bidding.models import Bid

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.bidding.urls")]


def payload(demand, **over):
    data = {
        "kind": "demand",
        "listing": demand.pk,
        "background": "焊接团队",
        "technical_approach": "双光束激光焊接",
        "price": 800000,
        "declares_no_related_party": True,
        "responses": [
            {"indicator": i.pk, "committed_value": "0.15", "verification": "检测"}
            for i in demand.indicators.all()
        ],
        "milestones": [
            {
                "due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
                "deliverable": "小试报告",
            }
        ],
    }
    data.update(over)
    return data


def test_create_withdraw_via_api(client, demand, research_member):
    client.force_login(research_member)
    token = str(uuid.uuid4())
    first = client.post(
        "/api/v1/bids/", payload(demand, idempotency_token=token), content_type="application/json"
    )
    assert first.status_code == 201, first.content
    again = client.post(
        "/api/v1/bids/", payload(demand, idempotency_token=token), content_type="application/json"
    )
    assert again.json()["id"] == first.json()["id"] and Bid.objects.count() == 1
    body = first.json()
    assert body["status"] == "submitted" and len(body["indicator_responses"]) == 2
    resp = client.post(f"/api/v1/bids/{body['id']}/withdraw/")
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    "over, field",
    [
        ({"price": -1}, "price"),
        ({"price": 10**12}, "price"),
        ({"milestones": [{"due_date": "2099-01-01", "deliverable": "x"}]}, "milestones"),
        ({"technical_approach": ""}, "technical_approach"),
    ],
)
def test_api_bad_input(client, demand, research_member, over, field):
    from cms.models import DemandPage

    DemandPage.objects.filter(pk=demand.pk).update(
        delivery_deadline=timezone.localdate() + datetime.timedelta(days=100)
    )
    client.force_login(research_member)
    resp = client.post("/api/v1/bids/", payload(demand, **over), content_type="application/json")
    assert resp.status_code == 400 and field in resp.json()
    assert Bid.objects.count() == 0


def test_api_owner_decisions(client, submitted_bid, enterprise_member, research_member, demand):

    client.force_login(enterprise_member)
    assert (
        client.post(f"/api/v1/bids/{submitted_bid.pk}/shortlist/").json()["status"] == "shortlisted"
    )
    bad = client.post(
        f"/api/v1/bids/{submitted_bid.pk}/decline/",
        {"reason": "price"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "comment" in bad.json()
    resp = client.post(
        f"/api/v1/bids/{submitted_bid.pk}/award/",
        {"amount": 750000},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["status"] == "awarded"
    assert submitted_bid.deal.amount == 750000


def test_api_late_create_refused(client, demand, research_member):
    from cms.models import DemandPage

    DemandPage.objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    client.force_login(research_member)
    resp = client.post("/api/v1/bids/", payload(demand), content_type="application/json")
    assert resp.status_code == 400 and "截止" in str(resp.json())
    assert Bid.objects.count() == 0


def test_bids_in_openapi_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    for p in (
        "/api/v1/bids/",
        "/api/v1/bids/{id}/",
        "/api/v1/bids/{id}/withdraw/",
        "/api/v1/bids/{id}/shortlist/",
        "/api/v1/bids/{id}/award/",
        "/api/v1/bids/{id}/decline/",
    ):
        assert p in paths, p
    assert "post" in paths["/api/v1/bids/"]
