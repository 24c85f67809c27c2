import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from marketplace.organisations import services
from marketplace.organisations.models import (
    EnterpriseTier,
    Membership,
    Organisation,
    VerificationDecision,
)
from tests.factories import MembershipFactory, UserFactory, credit_code

pytestmark = pytest.mark.django_db


def registration(**overrides):
    data = {
        "kind": "enterprise",
        "name": "济南云帆智能装备有限公司",
        "credit_code": credit_code(9001).lower(),
        "district": "370112",
        "address": "济南市历城区工业北路 1 号",
        "contact_name": "王经理",
        "contact_phone": "13800000000",
        "contact_email": "wang@example.com",
        "description": "",
    }
    return {**data, **overrides}


def test_register_makes_the_user_owner_of_a_pending_organisation(applicant):
    tier = {"tier": "specialised", "certified_on": datetime.date(2024, 5, 1), "expires_on": None}
    org = services.organisation_register(user=applicant, data=registration(), tiers=[tier])
    assert org.verification == Organisation.Verification.PENDING
    assert org.credit_code == credit_code(9001)
    membership = Membership.objects.get(organisation=org)
    assert (membership.user, membership.role, membership.status) == (applicant, "owner", "active")
    assert list(org.tiers.values_list("tier", flat=True)) == ["specialised"]


def test_duplicate_credit_code_points_to_joining_and_stores_nothing(applicant, pending_org):
    with pytest.raises(ValidationError) as info:
        services.organisation_register(
            user=applicant, data=registration(credit_code=pending_org.credit_code.lower())
        )
    assert info.value.error_dict["credit_code"][0].code == "duplicate"
    assert "申请加入" in info.value.message_dict["credit_code"][0]
    assert Organisation.objects.count() == 1
    assert not Membership.objects.filter(user=applicant).exists()


def test_bureau_kind_and_research_tiers_are_refused(applicant):
    with pytest.raises(ValidationError) as info:
        services.organisation_register(user=applicant, data=registration(kind="bureau"))
    assert "kind" in info.value.message_dict
    tier = {"tier": "gazelle", "certified_on": datetime.date(2024, 1, 1)}
    with pytest.raises(ValidationError):
        services.organisation_register(
            user=applicant, data=registration(kind="university"), tiers=[tier]
        )
    assert not Organisation.objects.exists()
    assert not EnterpriseTier.objects.exists()


def test_bad_tier_dates_roll_back_the_whole_registration(applicant):
    tier = {
        "tier": "gazelle",
        "certified_on": datetime.date(2024, 1, 1),
        "expires_on": datetime.date(2023, 1, 1),
    }
    with pytest.raises(ValidationError):
        services.organisation_register(user=applicant, data=registration(), tiers=[tier])
    assert not Organisation.objects.exists()


def test_join_request_is_pending_and_cannot_be_repeated(
    applicant, owner, pending_org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(user=applicant, organisation=pending_org)
    assert membership.status == "pending" and membership.role == "member"
    assert mail.outbox[0].to == [owner.email]
    assert "申请加入" in mail.outbox[0].subject
    with pytest.raises(ValidationError):
        services.membership_request(user=applicant, organisation=pending_org)


def test_owner_approves_and_the_applicant_is_told(
    applicant, owner, pending_org, django_capture_on_commit_callbacks
):
    request = services.membership_request(user=applicant, organisation=pending_org)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_approve(membership=request, actor=owner)
    request.refresh_from_db()
    assert request.status == "active" and request.decided_by == owner
    assert mail.outbox[-1].to == [applicant.email]
    assert "已加入" in mail.outbox[-1].subject
    with pytest.raises(ValidationError):
        services.membership_decline(membership=request, actor=owner)


def test_only_an_owner_may_decide(applicant, owner, pending_org):
    member = MembershipFactory(organisation=pending_org, role="member").user
    request = services.membership_request(user=applicant, organisation=pending_org)
    for actor in (member, applicant, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.membership_approve(membership=request, actor=actor)
    request.refresh_from_db()
    assert request.status == "pending"


def test_declined_applicant_is_told_and_may_ask_again(
    applicant, owner, pending_org, django_capture_on_commit_callbacks
):
    request = services.membership_request(user=applicant, organisation=pending_org)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decline(membership=request, actor=owner)
    request.refresh_from_db()
    assert request.status == "declined"
    assert "未获批准" in mail.outbox[-1].subject
    again = services.membership_request(user=applicant, organisation=pending_org)
    assert again.pk == request.pk and again.status == "pending" and again.decided_by is None


def test_curator_verifies_with_an_audit_record_and_email(
    curator, owner, pending_org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.organisation_verify(organisation=pending_org, curator=curator, note="材料齐全")
    pending_org.refresh_from_db()
    assert pending_org.is_verified and pending_org.verified_by == curator
    assert pending_org.verified_at is not None
    decision = VerificationDecision.objects.get(organisation=pending_org)
    assert (decision.decision, decision.note, decision.curator) == ("verified", "材料齐全", curator)
    assert mail.outbox[-1].to == [owner.email]
    assert "已通过认证" in mail.outbox[-1].subject


def test_non_curator_cannot_verify(owner, pending_org):
    with pytest.raises(PermissionDenied):
        services.organisation_verify(organisation=pending_org, curator=owner)
    pending_org.refresh_from_db()
    assert pending_org.verification == "pending"


def test_reject_needs_a_note_which_the_owner_receives(
    curator, owner, pending_org, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as info:
        services.organisation_reject(organisation=pending_org, curator=curator, note="  ")
    assert "note" in info.value.message_dict
    pending_org.refresh_from_db()
    assert pending_org.verification == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        services.organisation_reject(
            organisation=pending_org, curator=curator, note="营业执照名称与填写不一致"
        )
    pending_org.refresh_from_db()
    assert pending_org.verification == "rejected"
    assert "营业执照名称与填写不一致" in mail.outbox[-1].body


def test_owner_corrects_a_rejected_organisation_and_it_returns_to_review(
    curator, owner, pending_org
):
    services.organisation_reject(organisation=pending_org, curator=curator, note="名称有误")
    data = {"name": "济南新锐新材料有限公司", "credit_code": pending_org.credit_code}
    services.organisation_update(organisation=pending_org, actor=owner, data=data)
    pending_org.refresh_from_db()
    assert (pending_org.name, pending_org.verification) == ("济南新锐新材料有限公司", "pending")


def test_the_same_decision_twice_is_refused(curator, pending_org):
    services.organisation_verify(organisation=pending_org, curator=curator)
    with pytest.raises(ValidationError):
        services.organisation_verify(organisation=pending_org, curator=curator)
    assert VerificationDecision.objects.filter(organisation=pending_org).count() == 1
