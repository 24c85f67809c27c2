"""Review decisions reach members as our own notice, not Wagtail's admin e-mail (issue 12.16)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from marketplace.notifications.models import Notification
from tests.cms.test_review_workflow import curator_action, draft_and_submit
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def test_approval_sends_our_notice_with_the_listing_link_and_no_wagtail_mail(
    client, enterprise_member, enterprise, curator, django_capture_on_commit_callbacks
):
    colleague = MembershipFactory(
        organisation=enterprise, user=UserFactory(email="colleague@example.com")
    ).user
    page = draft_and_submit(client, enterprise_member, enterprise, title="焊缝跟踪需求")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        curator_action(client, curator, page, "approve")

    page.refresh_from_db()
    for member in (enterprise_member, colleague):
        notice = Notification.objects.get(recipient=member, verb="listing_approved")
        assert "焊缝跟踪需求" in notice.title and "审核通过" in notice.title
        assert notice.target_url == page.url
        (message,) = _mails_to(member.email)
        assert "审核通过" in message.subject
        assert f"http://testserver{page.url}" in message.body
        assert "/admin/" not in message.body
    # Wagtail's generic "approved" e-mail to the submitter is gone.
    assert not [m for m in mail.outbox if "/admin/pages/" in m.body]


def test_return_tells_members_why_and_links_to_the_editor(
    client, enterprise_member, enterprise, curator, django_capture_on_commit_callbacks
):
    page = draft_and_submit(client, enterprise_member, enterprise)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        curator_action(client, curator, page, "reject", comment="请补充量化的验收指标。")

    notice = Notification.objects.get(recipient=enterprise_member, verb="listing_returned")
    edit = reverse("workspace:listing_edit", kwargs={"kind": "demand", "pk": page.pk})
    assert notice.target_url == edit and "请补充量化的验收指标。" in notice.body
    (message,) = _mails_to(enterprise_member.email)
    assert "请补充量化的验收指标。" in message.body and f"http://testserver{edit}" in message.body
    assert not [m for m in mail.outbox if "/admin/" in m.body]


def test_a_curator_who_submitted_still_gets_wagtails_mail(
    curator, enterprise, django_capture_on_commit_callbacks
):
    """Staff who may open the admin keep Wagtail's notice (it links to pages they can open)."""
    from wagtail.models import TaskState

    from tests.factories import DemandPageFactory

    other = UserFactory(email="second-curator@example.com")
    other.groups.add(*curator.groups.all())
    page = DemandPageFactory(organisation=enterprise, status="in_review", live=False)
    page.save_revision(user=other)
    page.get_workflow().start(page, other)
    mail.outbox.clear()
    state = TaskState.objects.get(workflow_state__object_id=str(page.pk))

    with django_capture_on_commit_callbacks(execute=True):
        state.task.specific.on_action(state, curator, "approve")

    assert [m for m in mail.outbox if other.email in m.to]


def test_diagnosis_sends_one_notice_not_two(client, enterprise_member, enterprise, curator):
    """需求诊断 returns the listing with its own, richer notice; no plain "returned" one."""
    from marketplace.curation.diagnosis import diagnosis_send

    page = draft_and_submit(client, enterprise_member, enterprise)

    diagnosis_send(curator=curator, page=page, items=[], comment="请量化验收指标。")

    verbs = list(
        Notification.objects.filter(recipient=enterprise_member).values_list("verb", flat=True)
    )
    assert verbs == ["listing_diagnosed"]
