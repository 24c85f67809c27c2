"""Sealed bids: before the deadline the owner learns that a bid arrived, never who sent it.

Checked in what really leaves the site: Notification rows, the mail in
django.core.mail.outbox (after the transaction commits), and the owner's own pages.
"""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from cms.models import DemandPage
from marketplace.bidding.models import Bid, BidMessage
from marketplace.bidding.services import (
    AttachmentInput,
    BidError,
    bid_message_post,
    bid_submit,
    bid_withdraw,
    question_ask,
)
from marketplace.notifications.models import Notification
from tests.factories import DemandPageFactory

from .conftest import full_input, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.bidding.urls")]


@pytest.fixture
def sealed(demand):
    DemandPage.objects.filter(pk=demand.pk).update(sealed_bids=True)
    demand.refresh_from_db()
    return demand


def identifying(bidder_user) -> list[str]:
    """Everything that would tell the owner who bid."""
    org = bidder_user.memberships.get().organisation
    return [
        org.name,
        org.credit_code,
        org.contact_name,
        org.contact_phone,
        bidder_user.email,
        "材料学院焊接团队",  # the proposal's own text names the bidder
        "技术方案说明",  # an attachment title
    ]


def owner_channels(owner) -> list[str]:
    """The owner's notification rows and mail (subject and body)."""
    rows = [
        f"{n.title}\n{n.body}\n{n.target_url}" for n in Notification.objects.filter(recipient=owner)
    ]
    mails = [f"{m.subject}\n{m.body}" for m in mail.outbox if owner.email in m.to]
    return rows + mails


def assert_anonymous(texts, bidder_user):
    for text in texts:
        for secret in identifying(bidder_user):
            assert secret not in text, (secret, text)


def submit(user, demand, capture, **fields):
    data = full_input(demand, **fields)
    data.attachments = [AttachmentInput("技术方案说明", pdf())]
    with capture(execute=True):
        return bid_submit(user=user, listing=demand, data=data)


def test_owner_is_told_a_sealed_bid_arrived_but_not_by_whom(
    sealed, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    submit(research_member, sealed, django_capture_on_commit_callbacks)

    received = Notification.objects.get(recipient=enterprise_member)
    assert received.verb == "bid_received" and "密封" in received.title
    assert "1 份" in received.body and sealed.title in received.title
    owner_mail = [m for m in mail.outbox if enterprise_member.email in m.to]
    assert len(owner_mail) == 1 and owner_mail[0].subject == received.title
    assert_anonymous(owner_channels(enterprise_member), research_member)


def test_bidder_gets_a_receipt(
    sealed, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    bid = submit(research_member, sealed, django_capture_on_commit_callbacks)

    receipt = Notification.objects.get(recipient=research_member, verb="bid_receipt")
    assert receipt.title == f"已收到您的揭榜：{sealed.title}"
    assert "接收时间" in receipt.body and "看不到揭榜单位" in receipt.body
    assert receipt.target_url == f"/bids/{bid.pk}/"
    assert any(m.subject == receipt.title for m in mail.outbox if research_member.email in m.to)


def test_second_sealed_bid_counts_and_edits_say_nothing_to_the_owner(
    sealed,
    research_member,
    other_researcher,
    enterprise_member,
    django_capture_on_commit_callbacks,
):
    first = submit(research_member, sealed, django_capture_on_commit_callbacks)
    submit(other_researcher, sealed, django_capture_on_commit_callbacks)
    assert "2 份" in Notification.objects.filter(recipient=enterprise_member).first().body

    with django_capture_on_commit_callbacks(execute=True):
        bid_submit(
            user=research_member,
            listing=sealed,
            data=full_input(sealed, team="教授2名"),
            bid=first,
        )
    # Two arrivals, no third line for the edit; the bidder's receipt names the update.
    assert Notification.objects.filter(recipient=enterprise_member).count() == 2
    assert Notification.objects.filter(
        recipient=research_member, title=f"已收到您更新的揭榜方案：{sealed.title}"
    ).exists()
    assert_anonymous(owner_channels(enterprise_member), research_member)
    assert_anonymous(owner_channels(enterprise_member), other_researcher)


def test_withdrawing_a_sealed_bid_stays_anonymous(
    sealed, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    bid = submit(research_member, sealed, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        bid_withdraw(user=research_member, bid=bid)

    withdrawn = Notification.objects.get(recipient=enterprise_member, verb="bid_withdrawn")
    assert "密封" in withdrawn.title and "0 份" in withdrawn.body
    assert_anonymous(owner_channels(enterprise_member), research_member)


def test_no_private_thread_while_sealed(
    sealed, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    bid = submit(research_member, sealed, django_capture_on_commit_callbacks)
    before = Notification.objects.filter(recipient=enterprise_member).count()
    with pytest.raises(BidError) as exc:
        bid_message_post(user=research_member, bid=bid, body="我们是山东测试大学材料学院焊接团队")
    assert "公开答疑" in exc.value.messages[0]
    assert not BidMessage.objects.exists()
    assert Notification.objects.filter(recipient=enterprise_member).count() == before


def test_message_form_while_sealed_gives_a_clear_error(
    client, sealed, research_member, django_capture_on_commit_callbacks
):
    bid = submit(research_member, sealed, django_capture_on_commit_callbacks)
    client.force_login(research_member)
    page = client.get(f"/bids/{bid.pk}/").content.decode()
    assert "公开答疑" in page and 'name="body"' not in page
    resp = client.post(f"/bids/{bid.pk}/messages/", {"body": "你好"}, follow=True)
    assert resp.status_code == 200 and "公开答疑" in resp.content.decode()
    assert not BidMessage.objects.exists()


def test_owner_pages_api_and_access_log_name_no_sealed_bidder(
    client, sealed, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    bid = submit(research_member, sealed, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        question_ask(user=research_member, demand=sealed, question="试验件能否提前提供？")
    # The bidder opens its own attachment: a line in the demand's access log.
    client.force_login(research_member)
    assert client.get(f"/bids/attachments/{bid.attachments.get().pk}/").status_code == 200

    client.force_login(enterprise_member)
    pages = [
        "/notifications/",
        "/bids/",
        f"/bids/received/demand/{sealed.pk}/",
        f"/bids/compare/demand/{sealed.pk}/",
        f"/bids/access-log/demand/{sealed.pk}/",
        sealed.url,
        "/api/v1/bids/?scope=received",
        f"/api/v1/demands/{sealed.pk}/",
    ]
    bodies = []
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 200, url
        bodies.append(resp.content.decode())
    assert_anonymous(bodies + owner_channels(enterprise_member), research_member)

    # After the deadline the owner sees the bidder everywhere, the access log included.
    DemandPage.objects.filter(pk=sealed.pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    log = client.get(f"/bids/access-log/demand/{sealed.pk}/").content.decode()
    assert research_member.email in log
    assert "山东测试大学" in client.get(f"/bids/received/demand/{sealed.pk}/").content.decode()


def test_open_bids_still_name_the_bidder(
    demand, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    bid = submit(research_member, demand, django_capture_on_commit_callbacks)
    received = Notification.objects.get(recipient=enterprise_member)
    assert received.title == f"收到新的揭榜：山东测试大学 · {demand.title}"
    with django_capture_on_commit_callbacks(execute=True):
        bid_withdraw(user=research_member, bid=bid)
    assert Notification.objects.filter(
        recipient=enterprise_member, title=f"揭榜已撤回：山东测试大学 · {demand.title}"
    ).exists()
    assert Bid.objects.get(pk=bid.pk).status == "withdrawn"


def test_long_listing_title_is_clipped_not_refused(
    enterprise, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    """A 250-character title would overflow the 200-character notification title."""
    demand = DemandPageFactory(
        organisation=enterprise,
        title="高" * 250,
        delivery_deadline=timezone.localdate() + datetime.timedelta(days=365),
    )
    bid = submit(research_member, demand, django_capture_on_commit_callbacks)
    assert bid.status == "submitted"
    titles = Notification.objects.values_list("title", flat=True)
    assert titles and all(len(t) <= 200 and t.endswith("…") for t in titles)
