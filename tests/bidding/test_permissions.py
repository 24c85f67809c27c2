"""Permission matrix: every bid view and API endpoint for every role."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cms.models import DemandPage
from marketplace.bidding.models import Bid
from marketplace.bidding.services import AttachmentInput, bid_submit

from .conftest import full_input, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.bidding.urls")]

ROLES = ["anonymous", "other", "bidder", "owner", "curator"]


@pytest.fixture
def world(demand, research_member, enterprise_member, outsider, curator, other_researcher):
    data = full_input(demand)
    data.attachments = [AttachmentInput("方案", pdf())]
    bid = bid_submit(user=research_member, listing=demand, data=data)
    question = demand.questions.create(asked_by=other_researcher, question="是否可以远程测试？")
    users = {
        "anonymous": None,
        "other": outsider,
        "bidder": research_member,
        "owner": enterprise_member,
        "curator": curator,
    }
    return {
        "bid": bid,
        "demand": demand,
        "att": bid.attachments.get(),
        "q": question,
        "users": users,
    }


def _client(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return client


def _expect(status: int, code: int) -> bool:
    if code == 302:  # login redirect for anonymous
        return status == 302
    return status == code


# (method, url template, expected per role in ROLES order)
READS = [
    ("/bids/{bid}/", [302, 404, 200, 200, 200]),
    ("/bids/{bid}/edit/", [302, 404, 200, 404, 404]),
    ("/bids/{bid}/decline/", [302, 404, 404, 200, 404]),
    ("/bids/attachments/{att}/", [302, 404, 200, 200, 200]),
    ("/bids/received/demand/{demand}/", [302, 404, 404, 200, 200]),
    ("/bids/compare/demand/{demand}/", [302, 404, 404, 200, 200]),
    ("/bids/access-log/demand/{demand}/", [302, 404, 404, 200, 200]),
    ("/bids/demand/{demand}/confidential/", [302, 404, 404, 200, 200]),
    ("/api/v1/bids/{bid}/", [403, 404, 200, 200, 200]),
]


@pytest.mark.parametrize("url, codes", READS)
@pytest.mark.parametrize("role_index", range(len(ROLES)))
def test_read_matrix(client, world, url, codes, role_index):
    role = ROLES[role_index]
    c = _client(client, world, role)
    target = url.format(bid=world["bid"].pk, att=world["att"].pk, demand=world["demand"].pk)
    resp = c.get(target)
    assert _expect(resp.status_code, codes[role_index]), (role, target, resp.status_code)


# State-changing requests by everyone who must be refused; the bid must be untouched.
WRITES = [
    ("/bids/{bid}/withdraw/", ["anonymous", "other", "owner", "curator"], {}),
    ("/bids/{bid}/shortlist/", ["anonymous", "other", "bidder", "curator"], {}),
    ("/bids/{bid}/award/", ["anonymous", "other", "bidder", "curator"], {}),
    (
        "/bids/{bid}/decline/",
        ["anonymous", "other", "bidder", "curator"],
        {"reason": "price", "comment": "贵"},
    ),
    ("/bids/{bid}/messages/", ["anonymous", "other", "curator"], {"body": "你好"}),
    (
        "/bids/questions/{q}/answer/",
        ["anonymous", "other", "bidder", "curator"],
        {"answer": "可以"},
    ),
    ("/bids/demand/{demand}/close/", ["anonymous", "other", "bidder", "curator"], {}),
    ("/api/v1/bids/{bid}/withdraw/", ["anonymous", "other", "owner", "curator"], {}),
    ("/api/v1/bids/{bid}/shortlist/", ["anonymous", "other", "bidder", "curator"], {}),
    ("/api/v1/bids/{bid}/award/", ["anonymous", "other", "bidder", "curator"], {}),
    (
        "/api/v1/bids/{bid}/decline/",
        ["anonymous", "other", "bidder", "curator"],
        {"reason": "price", "comment": "贵"},
    ),
]


@pytest.mark.parametrize("url, refused, payload", WRITES)
def test_write_matrix_refuses_everyone_else(client, world, url, refused, payload):
    target = url.format(bid=world["bid"].pk, q=world["q"].pk, demand=world["demand"].pk)
    for role in refused:
        client.logout()
        c = _client(client, world, role)
        resp = c.post(target, payload)
        expected = (302,) if role == "anonymous" and not target.startswith("/api/") else (403, 404)
        assert resp.status_code in expected, (role, target, resp.status_code)
    bid = Bid.objects.get(pk=world["bid"].pk)
    assert bid.status == "submitted" and not bid.messages.exists()
    world["q"].refresh_from_db()
    assert world["q"].answer == ""
    assert DemandPage.objects.get(pk=world["demand"].pk).status == "open"


def test_api_lists_scope(client, world):
    client.force_login(world["users"]["bidder"])
    own = client.get("/api/v1/bids/").json()
    assert [b["id"] for b in own["results"]] == [world["bid"].pk]
    assert own["results"][0]["related_party_flags"] is None
    client.force_login(world["users"]["owner"])
    assert [b["id"] for b in client.get("/api/v1/bids/?scope=received").json()["results"]] == [
        world["bid"].pk
    ]
    assert client.get("/api/v1/bids/").json()["results"] == []
    client.force_login(world["users"]["other"])
    assert client.get("/api/v1/bids/?scope=received").json()["results"] == []


def test_sealed_bid_hidden_from_owner_everywhere(client, world):
    DemandPage.objects.filter(pk=world["demand"].pk).update(sealed_bids=True)
    client.force_login(world["users"]["owner"])
    bid, att = world["bid"], world["att"]
    for url in (f"/bids/{bid.pk}/", f"/bids/attachments/{att.pk}/", f"/api/v1/bids/{bid.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/bids/?scope=received").json()["results"] == []
    body = client.get(f"/bids/received/demand/{world['demand'].pk}/").content.decode()
    assert world["bid"].organisation.name not in body and "密封" in body
    DemandPage.objects.filter(pk=world["demand"].pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(f"/bids/{bid.pk}/").status_code == 200


def test_drafts_never_reach_the_owner(client, demand, other_researcher, enterprise_member):
    from marketplace.bidding.services import bid_save

    draft = bid_save(user=other_researcher, listing=demand, data=full_input(demand))
    client.force_login(enterprise_member)
    assert client.get(f"/bids/{draft.pk}/").status_code == 404


def test_unverified_or_wrong_kind_cannot_bid(client, demand, enterprise_member, outsider):
    client.force_login(enterprise_member)  # an enterprise cannot bid on a demand
    assert client.get(f"/bids/new/demand/{demand.pk}/").status_code == 404
    from marketplace.organisations.models import Organisation
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    org = OrganisationFactory(kind="university", verification=Organisation.Verification.PENDING)
    user = MembershipFactory(organisation=org, user=UserFactory(email="pending@example.com")).user
    client.force_login(user)
    assert client.get(f"/bids/new/demand/{demand.pk}/").status_code == 404
