import pytest
from django.contrib.auth.models import Permission

from marketplace.organisations.models import VerificationDecision
from tests.factories import (
    EnterpriseTierFactory,
    OrganisationFactory,
    UserFactory,
    VerificationDecisionFactory,
)

pytestmark = pytest.mark.django_db


def test_curator_listing_filters_by_verification(client, curator, pending_org):
    OrganisationFactory(name="已认证的老牌企业有限公司")
    client.force_login(curator)
    response = client.get("/admin/organisations/", {"verification": "pending"})
    body = response.content.decode()
    assert response.status_code == 200
    assert pending_org.name in body
    assert "已认证的老牌企业有限公司" not in body
    assert "认证通过" in body and "待审核" in body  # Chinese admin by default


def test_curator_verifies_through_the_confirmation_form(
    client, curator, owner, pending_org, django_capture_on_commit_callbacks
):
    VerificationDecisionFactory(organisation=pending_org, decision="rejected", note="上次缺少执照")
    client.force_login(curator)
    url = f"/admin/organisations/verify/{pending_org.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and pending_org.credit_code in page.content.decode()
    assert "上次缺少执照" in page.content.decode()  # earlier decisions are shown
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"note": "营业执照核验无误"})
    assert response.status_code == 302
    pending_org.refresh_from_db()
    assert pending_org.is_verified
    assert VerificationDecision.objects.filter(organisation=pending_org).first().note == (
        "营业执照核验无误"
    )
    assert len(callbacks) == 1


def test_reject_without_a_note_shows_an_error(client, curator, pending_org):
    client.force_login(curator)
    url = f"/admin/organisations/reject/{pending_org.pk}/"
    response = client.post(url, {"note": ""})
    assert response.status_code == 200
    assert "驳回时请填写审核意见" in response.content.decode()
    pending_org.refresh_from_db()
    assert pending_org.verification == "pending"
    client.post(url, {"note": "信用代码与名称不符"})
    pending_org.refresh_from_db()
    assert pending_org.verification == "rejected"


def test_member_cannot_reach_the_verify_action(client, owner, pending_org):
    client.force_login(owner)
    response = client.post(f"/admin/organisations/verify/{pending_org.pk}/", {"note": ""})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    pending_org.refresh_from_db()
    assert pending_org.verification == "pending"


def test_admin_user_who_is_not_a_curator_gets_404(client, pending_org):
    editor = UserFactory(email="editor@example.com")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    response = client.post(f"/admin/organisations/verify/{pending_org.pk}/", {"note": ""})
    assert response.status_code == 404
    pending_org.refresh_from_db()
    assert pending_org.verification == "pending"


def test_curator_edits_enterprise_tiers_inline(client, curator, pending_org):
    EnterpriseTierFactory(organisation=pending_org, tier="gazelle")
    client.force_login(curator)
    body = client.get(f"/admin/organisations/edit/{pending_org.pk}/").content.decode()
    assert "企业梯度认定" in body and "tiers-TOTAL_FORMS" in body
    assert 'name="verification"' not in body


def test_curator_saves_tiers_inline_without_touching_verification(client, curator, pending_org):
    client.force_login(curator)
    assert client.get(f"/admin/organisations/inspect/{pending_org.pk}/").status_code == 200
    data = {
        "kind": "enterprise",
        "name": pending_org.name,
        "credit_code": pending_org.credit_code,
        "district": pending_org.district,
        "contact_name": "张工",
        "contact_phone": "0531-88888888",
        "tiers-TOTAL_FORMS": "1",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
        "tiers-0-tier": "little_giant",
        "tiers-0-certified_on": "2024-07-01",
        "tiers-0-expires_on": "2027-06-30",
        "tiers-0-certificate_number": "GXB-2024-001",
        "tiers-0-id": "",
        "tiers-0-DELETE": "",
        "verification": "verified",
    }
    response = client.post(f"/admin/organisations/edit/{pending_org.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pending_org.refresh_from_db()
    assert pending_org.tiers.get().tier == "little_giant"
    assert pending_org.verification == "pending"  # only the verify action changes it
