"""An approved organisation hears of it in the site and by our e-mail (issue 12.16)."""

from __future__ import annotations

import pytest
from django.core import mail

from marketplace.notifications.models import Notification
from marketplace.organisations import services
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_verification_notifies_every_member_with_a_workspace_link(
    curator, owner, pending_org, settings, django_capture_on_commit_callbacks
):
    settings.JIEBANG_SITE_URL = "https://jiebang.example.cn"
    settings.WAGTAILADMIN_BASE_URL = "https://admin.example.cn"
    member = MembershipFactory(organisation=pending_org, user=UserFactory(email="m@example.com"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.organisation_verify(organisation=pending_org, curator=curator, note="资料齐全")

    for user in (owner, member.user):
        notice = Notification.objects.get(recipient=user, verb="organisation_verified")
        assert pending_org.name in notice.title and "认证" in notice.title
        assert notice.target_url == "/workspace/"
        (message,) = [m for m in mail.outbox if user.email in m.to]
        assert "https://jiebang.example.cn/workspace/" in message.body
        assert "资料齐全" in message.body
        assert "admin.example.cn" not in message.body


def test_rejection_notifies_with_the_reason_and_the_correction_link(curator, owner, pending_org):
    services.organisation_reject(organisation=pending_org, curator=curator, note="名称不一致")

    notice = Notification.objects.get(recipient=owner, verb="organisation_rejected")
    assert "名称不一致" in notice.body
    assert notice.target_url == f"/organisations/{pending_org.pk}/edit/"


def test_membership_mail_links_use_the_site_root_not_the_admin_setting(
    owner, pending_org, applicant, settings, django_capture_on_commit_callbacks
):
    settings.JIEBANG_SITE_URL = "https://jiebang.example.cn"
    settings.WAGTAILADMIN_BASE_URL = "https://admin.example.cn"
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request(user=applicant, organisation=pending_org)

    (message,) = mail.outbox
    assert "https://jiebang.example.cn/" in message.body
    assert "admin.example.cn" not in message.body
