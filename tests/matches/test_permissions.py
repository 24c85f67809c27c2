"""Who reaches what: curators alone reach the desk; members see only what was recommended to them."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from marketplace.audit.models import AuditEntry
from marketplace.matches import services
from marketplace.matches.models import Match, MatchState
from tests.factories import MatchFactory

from .conftest import SECRET

pytestmark = pytest.mark.django_db

PHONES = ("13900001111", "13900002222")


def admin_urls(match):
    return [
        ("get", reverse("matches_admin:queue")),
        ("get", reverse("matches_admin:recommended")),
        ("get", reverse("matches_admin:propose")),
        ("get", reverse("matches_admin:detail", kwargs={"pk": match.pk})),
        ("post", reverse("matches_admin:queue")),
        ("post", reverse("matches_admin:recommend", kwargs={"pk": match.pk})),
        ("post", reverse("matches_admin:dismiss", kwargs={"pk": match.pk})),
        ("post", reverse("matches_admin:deal", kwargs={"pk": match.pk})),
        ("post", reverse("matches_admin:message", kwargs={"pk": match.pk})),
        ("post", reverse("matches_admin:propose")),
    ]


@pytest.mark.parametrize("who", ["anonymous", "enterprise_member", "research_member", "outsider"])
def test_only_curators_reach_the_desk_and_its_actions(client, match, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    data = {
        "matches": [match.pk],
        "action": "recommend",
        "amount": 1,
        "signed_on": "2025-01-01",
        "body": "x",
        "demand": match.demand.pk,
        "technology": match.technology.pk,
    }
    for method, url in admin_urls(match):
        response = getattr(client, method)(url, data if method == "post" else None)
        assert response.status_code in (302, 403), (url, response.status_code)
        if response.status_code == 302:
            assert "login" in response["Location"]
    match.refresh_from_db()
    assert match.state == MatchState.PROPOSED and not AuditEntry.objects.exists()


def test_curator_reaches_every_page(client, curator, match):
    client.force_login(curator)
    for method, url in admin_urls(match):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_the_admin_menu_shows_the_desk_to_curators(client, curator, match):
    client.force_login(curator)
    # The sidebar is rendered from JSON props: look for the queue's URL.
    assert reverse("matches_admin:queue") in client.get("/admin/").content.decode()


# -- members ---------------------------------------------------------------------------------


def test_members_see_only_matches_recommended_to_their_organisation(
    client, match, other_pair, enterprise_member, research_member, curator, published
):
    from tests.factories import TechnologyPageFactory

    proposed = match
    extra_tech = published(
        TechnologyPageFactory,
        organisation=research_member.organisations.get(),
        title="已忽略的成果",
    )
    dismissed = MatchFactory(demand=match.demand, technology=extra_tech, state="dismissed")
    client.force_login(enterprise_member)
    listing = client.get(reverse("matches:list")).content.decode()
    assert match.technology.title not in listing and other_pair.technology.title not in listing
    for m in (proposed, dismissed, other_pair):
        assert client.get(reverse("matches:detail", kwargs={"pk": m.pk})).status_code == 404
    services.match_recommend(
        match=match, curator=curator, note_demand="给企业的话", note_technology="给高校的话"
    )
    listing = client.get(reverse("matches:list")).content.decode()
    assert match.technology.title in listing and "给企业的话" in listing
    assert "给高校的话" not in listing and other_pair.technology.title not in listing
    assert dismissed.technology.title not in listing


@pytest.mark.parametrize("who", ["outsider", "curator"])
def test_others_get_404_on_a_recommended_match(client, match, curator, who, request):
    services.match_recommend(match=match, curator=curator)
    client.force_login(request.getfixturevalue(who))
    for name in ("detail", "answer", "message"):
        url = reverse(f"matches:{name}", kwargs={"pk": match.pk})
        response = (
            client.post(url, {"answer": "interested", "body": "x"})
            if name != "detail"
            else client.get(url)
        )
        assert response.status_code == 404
    match.refresh_from_db()
    assert match.demand_answer == "pending"


def test_anonymous_is_sent_to_login(client, match):
    response = client.get(reverse("matches:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_confidential_details_never_appear(
    client, api_client, match, curator, enterprise_member, research_member
):
    services.match_recommend(match=match, curator=curator)
    services.match_answer(match=match, user=enterprise_member, interested=True)
    services.match_answer(match=match, user=research_member, interested=True)
    pages = []
    for user in (enterprise_member, research_member):
        client.force_login(user)
        pages += [
            client.get(reverse("matches:list")),
            client.get(reverse("matches:detail", kwargs={"pk": match.pk})),
            client.get("/workspace/"),
        ]
        api_client.force_login(user)
        pages += [
            api_client.get("/api/v1/matches/"),
            api_client.get(f"/api/v1/matches/{match.pk}/"),
        ]
    client.force_login(curator)
    Match.objects.filter(pk=match.pk).update(state="proposed")
    pages += [
        client.get(reverse("matches_admin:queue")),
        client.get(reverse("matches_admin:detail", kwargs={"pk": match.pk})),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert SECRET not in body and not any(p in body for p in PHONES)


def test_answer_and_conversation_through_the_pages(
    client, match, curator, enterprise_member, research_member
):
    services.match_recommend(match=match, curator=curator)
    detail = reverse("matches:detail", kwargs={"pk": match.pk})
    client.force_login(enterprise_member)
    assert (
        client.post(
            reverse("matches:answer", kwargs={"pk": match.pk}),
            {"answer": "interested", "note": "很感兴趣"},
        ).status_code
        == 302
    )
    assert "match-conversation" not in client.get(detail).content.decode()
    assert (
        client.post(reverse("matches:message", kwargs={"pk": match.pk}), {"body": "早"}).status_code
        == 404
    )
    client.force_login(research_member)
    client.post(reverse("matches:answer", kwargs={"pk": match.pk}), {"answer": "interested"})
    assert (
        client.post(
            reverse("matches:message", kwargs={"pk": match.pk}), {"body": "下周三来学校面谈"}
        ).status_code
        == 302
    )
    client.force_login(enterprise_member)
    page = client.get(detail).content.decode()
    assert "match-conversation" in page and "下周三来学校面谈" in page
    assert "很感兴趣" not in page  # answer notes are for curators


def test_dashboard_block_lists_recommended_matches(
    client, match, curator, enterprise_member, outsider
):
    services.match_recommend(match=match, curator=curator)
    client.force_login(enterprise_member)
    page = client.get("/workspace/").content.decode()
    assert "workspace-matches" in page and match.technology.title in page
    template = Template("{% load match_tags %}{% recommended_matches %}")
    request = RequestFactory().get("/")
    request.user = outsider
    assert template.render(Context({"request": request})).strip() == ""
