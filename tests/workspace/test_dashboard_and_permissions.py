import pytest
from django.urls import reverse
from wagtail.models import WorkflowState

from cms.models import DemandPage
from marketplace.organisations.models import Membership, Organisation

from ..factories import DemandPageFactory, MembershipFactory, OrganisationFactory, UserFactory
from .helpers import demand_data

pytestmark = pytest.mark.django_db


def url(name, page, kind="demand"):
    return reverse(f"workspace:{name}", kwargs={"kind": kind, "pk": page.pk})


def test_anonymous_is_sent_to_login(client, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    for target in (reverse("workspace:dashboard"), url("listing_edit", page)):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(url("listing_submit", page))
    assert response["Location"].startswith("/accounts/login/")


def test_user_without_membership_goes_to_onboarding(client):
    client.force_login(UserFactory())
    response = client.get(reverse("workspace:dashboard"))
    assert response["Location"] == reverse("organisations:onboard")


def test_dashboard_lists_own_listings_with_status_and_score(client, enterprise_member, enterprise):
    mine = DemandPageFactory(
        organisation=enterprise, title="本单位的需求", live=False, status="draft"
    )
    DemandPageFactory(title="别人的需求")
    client.force_login(enterprise_member)
    body = client.get(reverse("workspace:dashboard")).content.decode()
    assert "本单位的需求" in body and "别人的需求" not in body
    assert "草稿" in body and "完整度" in body
    assert url("listing_edit", mine) in body and url("listing_submit", mine) in body


def test_unverified_organisation_sees_notice_and_no_submit_button(client):
    organisation = OrganisationFactory(verification=Organisation.Verification.PENDING)
    member = MembershipFactory(organisation=organisation).user
    page = DemandPageFactory(organisation=organisation, live=False, status="draft")
    client.force_login(member)
    body = client.get(reverse("workspace:dashboard")).content.decode()
    assert "单位尚未通过平台认证" in body
    assert url("listing_edit", page) in body and url("listing_submit", page) not in body


def test_pending_membership_is_announced_not_listed(client, enterprise):
    user = MembershipFactory(organisation=enterprise, status=Membership.Status.PENDING).user
    DemandPageFactory(organisation=enterprise, title="不该看到的需求", live=False, status="draft")
    client.force_login(user)
    body = client.get(reverse("workspace:dashboard")).content.decode()
    assert "等待单位管理员批准" in body and "不该看到的需求" not in body


@pytest.fixture
def pending_member(enterprise):
    return MembershipFactory(organisation=enterprise, status=Membership.Status.PENDING).user


@pytest.mark.parametrize("who", ["outsider", "pending_member", "curator", "research_member"])
def test_non_members_get_404_and_change_nothing(client, request, enterprise, who):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft", title="原标题")
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("listing_edit", page)).status_code == 404
    assert client.post(url("listing_edit", page), demand_data(title="篡改")).status_code == 404
    assert client.post(url("listing_submit", page)).status_code == 404
    assert client.post(url("listing_withdraw", page), {"confirm": "1"}).status_code == 404
    create = reverse("workspace:listing_create", kwargs={"organisation_id": enterprise.pk})
    assert client.post(create, demand_data()).status_code == 404
    page.refresh_from_db()
    assert (page.title, page.status, DemandPage.objects.count()) == ("原标题", "draft", 1)
    assert not WorkflowState.objects.exists()


def test_unknown_kind_is_404(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    client.force_login(enterprise_member)
    assert client.get(url("listing_edit", page, kind="technology")).status_code == 404
    assert client.get(url("listing_edit", page, kind="bogus")).status_code == 404


def test_unverified_organisation_cannot_submit(client):
    organisation = OrganisationFactory(verification=Organisation.Verification.PENDING)
    member = MembershipFactory(organisation=organisation).user
    page = DemandPageFactory(organisation=organisation, live=False, status="draft")
    client.force_login(member)
    response = client.post(url("listing_submit", page), follow=True)
    assert "单位尚未通过认证" in response.content.decode()
    page.refresh_from_db()
    assert page.status == "draft" and not WorkflowState.objects.exists()


def test_submit_then_submit_again_and_edit_are_refused(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    client.force_login(enterprise_member)
    client.post(url("listing_submit", page))
    page.refresh_from_db()
    assert page.status == "in_review" and page.workflow_in_progress
    response = client.post(url("listing_submit", page), follow=True)
    assert "该项目已在审核中" in response.content.decode()
    assert WorkflowState.objects.count() == 1
    response = client.get(url("listing_edit", page))
    assert response.status_code == 302 and response["Location"] == reverse("workspace:dashboard")
    # One badge says it (issue 12.8: not "审核中 审核中").
    dashboard = client.get(reverse("workspace:dashboard")).content.decode()
    assert dashboard.count('in_review">审核中</span>') == 1


def test_withdraw_live_listing(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, title="要撤回的需求")
    assert "要撤回的需求" in client.get("/demands/").content.decode()
    client.force_login(enterprise_member)
    client.post(url("listing_withdraw", page), {"confirm": "1"})
    page.refresh_from_db()
    assert not page.live and page.status == "withdrawn"
    client.logout()
    assert "要撤回的需求" not in client.get("/demands/").content.decode()


def test_withdraw_during_review_cancels_the_workflow(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    client.force_login(enterprise_member)
    client.post(url("listing_submit", page))
    client.post(url("listing_withdraw", page), {"confirm": "1"})
    page.refresh_from_db()
    assert page.status == "withdrawn"
    assert WorkflowState.objects.get().status == WorkflowState.STATUS_CANCELLED


def test_live_listing_without_changes_has_nothing_to_submit(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise)
    client.force_login(enterprise_member)
    assert (
        url("listing_submit", page)
        not in client.get(reverse("workspace:dashboard")).content.decode()
    )
    response = client.post(url("listing_submit", page), follow=True)
    assert "无需提交审核" in response.content.decode()
    assert not WorkflowState.objects.exists()


@pytest.mark.parametrize("kind", ["demand", "technology"])
def test_blank_and_existing_forms_render(client, request, kind):
    member = request.getfixturevalue("enterprise_member" if kind == "demand" else "research_member")
    organisation = member.memberships.get().organisation
    client.force_login(member)
    response = client.get(
        reverse("workspace:listing_create", kwargs={"organisation_id": organisation.pk})
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body and "attachments-TOTAL_FORMS" in body
    assert ("indicators-TOTAL_FORMS" if kind == "demand" else "ip_items-TOTAL_FORMS") in body
