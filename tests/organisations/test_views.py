import pytest

from marketplace.organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, credit_code

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "kind": "university",
        "name": "齐鲁测试大学",
        "credit_code": credit_code(7001, prefix="12370000"),
        "district": "370102",
        "address": "",
        "contact_name": "赵老师",
        "contact_phone": "0531-12345678",
        "contact_email": "",
        "website": "",
        "description": "",
        "tiers-TOTAL_FORMS": "2",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "6",
    }
    return {**data, **overrides}


def test_onboarding_needs_login(client):
    response = client.get("/organisations/onboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_search_by_name_or_lower_case_credit_code(client, applicant, pending_org):
    client.force_login(applicant)
    OrganisationFactory(name="市科技局", kind="bureau")
    by_name = client.get("/organisations/onboard/", {"q": "新锐"}).content.decode()
    assert pending_org.name in by_name
    by_code = client.get("/organisations/onboard/", {"q": pending_org.credit_code.lower()})
    assert pending_org.name in by_code.content.decode()
    assert "市科技局" not in client.get("/organisations/onboard/", {"q": "科技局"}).content.decode()


def test_register_through_the_form(client, applicant):
    client.force_login(applicant)
    response = client.post("/organisations/register/", form_data())
    org = Organisation.objects.get(name="齐鲁测试大学")
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{org.pk}/members/"
    assert org.verification == "pending"
    assert Membership.objects.get(organisation=org, user=applicant).role == "owner"


def test_bad_input_gives_field_errors_and_stores_nothing(client, applicant, pending_org):
    client.force_login(applicant)
    response = client.post(
        "/organisations/register/", form_data(credit_code=pending_org.credit_code, name="")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "必需字段" in body  # Django's own translation of "This field is required."
    response = client.post(
        "/organisations/register/", form_data(credit_code=pending_org.credit_code)
    )
    body = response.content.decode()
    assert "该统一社会信用代码已被注册" in body
    assert f"/organisations/onboard/?q={pending_org.credit_code}" in body
    assert Organisation.objects.count() == 1


def test_join_then_owner_approves_on_the_members_page(client, applicant, owner, pending_org):
    client.force_login(applicant)
    client.post(f"/organisations/{pending_org.pk}/join/")
    request = Membership.objects.get(user=applicant, organisation=pending_org)
    assert request.status == "pending"
    assert client.get(f"/organisations/{pending_org.pk}/members/").status_code == 404
    client.force_login(owner)
    page = client.get(f"/organisations/{pending_org.pk}/members/").content.decode()
    assert applicant.email in page and "批准" in page
    client.post(f"/organisations/{pending_org.pk}/members/{request.pk}/approve/")
    request.refresh_from_db()
    assert request.status == "active"


def test_owner_declines(client, applicant, owner, pending_org):
    request = MembershipFactory(
        user=applicant, organisation=pending_org, role="member", status="pending"
    )
    client.force_login(owner)
    client.post(f"/organisations/{pending_org.pk}/members/{request.pk}/decline/")
    request.refresh_from_db()
    assert request.status == "declined"


def test_members_and_outsiders_cannot_decide(client, applicant, owner, pending_org, outsider):
    request = MembershipFactory(
        user=applicant, organisation=pending_org, role="member", status="pending"
    )
    member = MembershipFactory(organisation=pending_org, role="member").user
    url = f"/organisations/{pending_org.pk}/members/{request.pk}/approve/"
    client.force_login(member)
    assert client.get(f"/organisations/{pending_org.pk}/members/").status_code == 200
    assert client.post(url).status_code == 404
    client.force_login(outsider)
    assert client.get(f"/organisations/{pending_org.pk}/members/").status_code == 404
    assert client.post(url).status_code == 404
    other_org_owner = outsider.memberships.get().organisation
    cross = f"/organisations/{other_org_owner.pk}/members/{request.pk}/approve/"
    assert client.post(cross).status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"


def test_owner_edits_a_rejected_organisation(client, owner, pending_org, curator):
    from marketplace.organisations.services import organisation_reject

    organisation_reject(organisation=pending_org, curator=curator, note="地址不全")
    client.force_login(owner)
    assert "地址不全" in client.get(f"/organisations/{pending_org.pk}/edit/").content.decode()
    data = form_data(
        name=pending_org.name,
        credit_code=pending_org.credit_code,
        address="济南市历下区经十路 100 号",
    )
    response = client.post(f"/organisations/{pending_org.pk}/edit/", data)
    assert response.status_code == 302
    pending_org.refresh_from_db()
    assert (pending_org.address, pending_org.verification) == (
        "济南市历下区经十路 100 号",
        "pending",
    )


def test_new_users_land_on_onboarding_after_login(client):
    user = UserFactory(email="fresh@example.com")
    response = client.post("/accounts/login/", {"login": user.email, "password": "jiebang-test-pw"})
    assert response["Location"] == "/organisations/onboard/"
