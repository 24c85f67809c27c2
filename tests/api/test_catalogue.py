"""List, detail, pagination and visibility of the two public catalogues."""

from __future__ import annotations

import pytest

from cms.taxonomy import CooperationMode

from ..factories import DemandPageFactory, TechnologyIPFactory, TechnologyPageFactory
from .conftest import PRIVATE_TITLE, PUBLIC_TITLE, SECRET

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def test_demand_list_is_paginated_with_count_next_previous(api, demand):
    DemandPageFactory.create_batch(2)
    first = api.get("/api/v1/demands/", {"page_size": 2}).json()
    assert first["count"] == 3
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert second["previous"]


def test_demand_detail_has_public_fields_nested(api, demand):
    demand.cooperation_modes.set([CooperationMode.objects.get(slug="transfer")])
    demand.save()  # ParentalManyToMany changes are kept in memory until save
    body = api.get(f"/api/v1/demands/{demand.pk}/").json()
    assert body["id"] == demand.pk and body["title"] == demand.title
    assert body["url"].endswith(demand.url)
    assert body["organisation"]["name"] == "济南精工装备有限公司"
    assert body["organisation"]["kind"] == {"code": "enterprise", "label": "企业"}
    assert body["district"] == {"code": "370112", "label": "历城区"}
    assert body["status"] == {"code": "open", "label": "揭榜中"}
    assert set(body["industry_chain"]) == {"slug", "name"}
    assert body["cooperation_modes"] == [{"slug": "transfer", "name": "技术转让"}]
    assert body["indicators"] == [
        {"name": "焊后变形量", "target_value": "≤0.2", "unit": "mm", "verification": "第三方检测"}
    ]
    assert body["keywords"] == ["激光焊接", "变形控制", "高温合金"]
    assert body["first_published_at"]
    assert "<p>" in body["problem"]


def test_technology_detail_has_ip_items_and_public_attachments(api, technology):
    TechnologyIPFactory(page=technology, number="ZL202310000001.X")
    body = api.get(f"/api/v1/technologies/{technology.pk}/").json()
    assert body["stage"] == {"code": "pilot", "label": "中试"}
    assert body["trl"] == 6
    assert body["ip_items"] == [
        {
            "ip_type": {"code": "invention", "label": "发明专利"},
            "number": "ZL202310000001.X",
            "title": "",
            "status": {"code": "granted", "label": "已授权"},
        }
    ]
    assert [a["title"] for a in body["attachments"]] == ["中试报告"]


def test_public_attachment_links_to_the_permission_checked_view(api, demand):
    body = api.get(f"/api/v1/demands/{demand.pk}/").json()
    (attachment,) = body["attachments"]
    assert attachment["title"] == PUBLIC_TITLE
    assert "/files/attachments/demand/" in attachment["url"]
    assert api.get(attachment["url"]).status_code == 200


@pytest.mark.parametrize(
    ("status", "live"),
    [("draft", False), ("in_review", False), ("rejected", False), ("withdrawn", True)],
)
def test_non_public_demands_are_not_listed_and_404(api, status, live):
    hidden = DemandPageFactory(status=status, live=live)
    visible = DemandPageFactory()
    assert ids(api.get("/api/v1/demands/")) == [visible.pk]
    assert api.get(f"/api/v1/demands/{hidden.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("status", "live"), [("draft", False), ("in_review", False), ("withdrawn", True)]
)
def test_non_public_technologies_are_not_listed_and_404(api, status, live):
    hidden = TechnologyPageFactory(status=status, live=live)
    visible = TechnologyPageFactory()
    assert ids(api.get("/api/v1/technologies/")) == [visible.pk]
    assert api.get(f"/api/v1/technologies/{hidden.pk}/").status_code == 404


def test_unpublished_page_with_public_status_is_hidden(api):
    page = DemandPageFactory(status="open", live=False)
    assert api.get(f"/api/v1/demands/{page.pk}/").status_code == 404


def test_demand_ids_are_not_technology_ids(api, demand):
    assert api.get(f"/api/v1/technologies/{demand.pk}/").status_code == 404


def all_responses(api, demand, technology) -> str:
    urls = [
        "/api/v1/demands/",
        f"/api/v1/demands/{demand.pk}/",
        f"/api/v1/demands/?q={demand.title[:4]}",
        "/api/v1/technologies/",
        f"/api/v1/technologies/{technology.pk}/",
        "/api/v1/schema/",
    ]
    texts = []
    for url in urls:
        response = api.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    return "\n".join(texts)


@pytest.mark.parametrize("who", ["anonymous", "owner", "research_member", "curator"])
def test_confidential_details_and_private_attachments_never_appear(
    api, demand, technology, who, request
):
    if who != "anonymous":
        api.force_login(request.getfixturevalue(who if who != "owner" else "enterprise_member"))
    text = all_responses(api, demand, technology)
    assert SECRET not in text
    assert PRIVATE_TITLE not in text
    assert "confidential" not in text
    assert "private/listings" not in text


def test_contact_is_hidden_from_anonymous_callers(api, demand):
    body = api.get(f"/api/v1/demands/{demand.pk}/").content.decode()
    assert "0531-66668888" not in body and "li@example.com" not in body
    assert '"contact":null' in body.replace(" ", "")


def test_contact_is_shown_to_members_of_verified_organisations(api, demand, research_member):
    api.force_login(research_member)
    contact = api.get(f"/api/v1/demands/{demand.pk}/").json()["contact"]
    assert contact == {"name": "李工", "phone": "0531-66668888", "email": "li@example.com"}


def test_contact_is_hidden_from_members_of_unverified_organisations(api, technology, university):
    from ..factories import MembershipFactory, OrganisationFactory

    member = MembershipFactory(organisation=OrganisationFactory(verification="pending")).user
    api.force_login(member)
    body = api.get(f"/api/v1/technologies/{technology.pk}/").content.decode()
    assert "0531-77779999" not in body


def test_list_never_carries_contact(api, demand, curator):
    api.force_login(curator)
    assert "0531-66668888" not in api.get("/api/v1/demands/").content.decode()


def test_list_queries_do_not_grow_with_listings(api, django_assert_max_num_queries):
    DemandPageFactory.create_batch(3)
    api.get("/api/v1/demands/")  # warms the cached taxonomy labels of the facets
    # 8 for the page itself, plus one GROUP BY per facet (six for demands).
    with django_assert_max_num_queries(14):
        api.get("/api/v1/demands/")
    DemandPageFactory.create_batch(5)
    with django_assert_max_num_queries(14):
        assert len(api.get("/api/v1/demands/").json()["results"]) == 8


def test_the_api_is_read_only(api, demand):
    assert api.post("/api/v1/demands/", {"title": "x"}).status_code == 405
    assert api.delete(f"/api/v1/demands/{demand.pk}/").status_code == 405


def test_browsable_api_renders_without_confidential_data(api, demand, enterprise_member):
    api.force_login(enterprise_member)
    response = api.get(f"/api/v1/demands/{demand.pk}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert PRIVATE_TITLE not in response.content.decode()
