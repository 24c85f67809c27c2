from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from cms.models import DemandPage
from marketplace.bidding.models import SentReminder
from marketplace.bidding.services import bid_save
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notification_send
from tests.bidding.conftest import full_input

pytestmark = pytest.mark.django_db


def test_notification_centre_and_unread_count(client, research_member, outsider):
    notification_send(
        recipients=[research_member], verb="test", title="测试通知", target_url="/demands/"
    )
    client.force_login(research_member)
    home = client.get("/notifications/")
    assert "测试通知" in home.content.decode()
    item = Notification.objects.get()
    assert 'class="badge unread"' in client.get("/demands/").content.decode()
    client.force_login(outsider)
    assert client.post(f"/notifications/{item.pk}/open/").status_code == 404
    client.force_login(research_member)
    resp = client.post(f"/notifications/{item.pk}/open/")
    assert resp.status_code == 302 and resp["Location"] == "/demands/"
    item.refresh_from_db()
    assert item.is_read
    assert 'class="badge unread"' not in client.get("/demands/").content.decode()


def test_email_only_after_commit(research_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_send(recipients=[research_member], verb="test", title="仅在提交后发送")
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert mail.outbox[0].to == [research_member.email]


def test_notification_centre_needs_login(client):
    assert client.get("/notifications/").status_code == 302


def run_reminders(capture):
    # Emails leave on commit; the test's transaction never commits, so run them here.
    with capture(execute=True):
        call_command("send_reminders")


def test_send_reminders_is_idempotent(
    demand, research_member, enterprise_member, outsider, django_capture_on_commit_callbacks
):
    DemandPage.objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() + datetime.timedelta(days=2, hours=12)
    )
    bid_save(
        user=research_member, listing=DemandPage.objects.get(pk=demand.pk), data=full_input(demand)
    )
    run_reminders(django_capture_on_commit_callbacks)
    run_reminders(django_capture_on_commit_callbacks)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([research_member.email, enterprise_member.email])
    assert all("3天" in m.subject for m in mail.outbox)
    assert SentReminder.objects.count() == 2
    # A day later the 1-day reminder goes out, once.
    DemandPage.objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() + datetime.timedelta(hours=20)
    )
    run_reminders(django_capture_on_commit_callbacks)
    run_reminders(django_capture_on_commit_callbacks)
    assert sum("1天" in m.subject for m in mail.outbox) == 2
    assert Notification.objects.filter(recipient=outsider).count() == 0


def test_no_reminder_for_far_or_past_deadlines(demand, enterprise_member):
    DemandPage.objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() + datetime.timedelta(days=10)
    )
    call_command("send_reminders")
    DemandPage.objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    call_command("send_reminders")
    assert mail.outbox == []
