"""A real-browser journey: question, answer, bid with attachment, shortlist, award, emails."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketplace.bidding.models import Bid

from .conftest import PDF_BYTES

# serialized_rollback restores the Wagtail page tree that the live server's flush removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def chromium(browser):
    return browser


def signed_in(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 412, "height": 915}
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_researcher_bids_and_owner_awards(
    chromium, live_server, settings, tmp_path, demand, research_member, enterprise_member
):
    settings.ALLOWED_HOSTS = ["*"]
    researcher = signed_in(chromium, live_server, research_member)
    owner = signed_in(chromium, live_server, enterprise_member)

    # The researcher finds the demand and asks a public question.
    researcher.goto("/demands/")
    researcher.get_by_role("link", name=demand.title).first.click()
    researcher.fill("textarea[name=question]", "是否提供高温合金试验件？")
    researcher.get_by_role("button", name="提交问题").click()
    researcher.wait_for_selector("text=问题已提交")

    # The owner answers it on the demand page.
    owner.goto(demand.url)
    owner.fill("textarea[name=answer]", "提供20件GH4169试验件。")
    owner.get_by_role("button", name="公开答复").click()
    owner.wait_for_selector("text=答复已公开")

    # The researcher sees the answer and submits a bid with an attachment.
    researcher.goto(demand.url)
    researcher.wait_for_selector("text=提供20件GH4169试验件")
    researcher.get_by_role("link", name="我要揭榜").click()
    researcher.fill("textarea[name=background]", "山东测试大学焊接团队")
    researcher.fill("textarea[name=technical_approach]", "双光束激光焊接结合随焊冷却")
    for field in researcher.locator("input[name$=_value]").all():
        field.fill("0.15")
    due = timezone.localdate() + datetime.timedelta(days=60)
    researcher.fill("input[name=ms-0-due_date]", due.isoformat())
    researcher.fill("input[name=ms-0-deliverable]", "小试报告")
    researcher.fill("input[name=price]", "800000")
    pdf = tmp_path / "方案.pdf"
    pdf.write_bytes(PDF_BYTES)
    researcher.set_input_files("input[name=att-0-file]", str(pdf))
    researcher.check("input[name=declares_no_related_party]")
    researcher.get_by_role("button", name="提交揭榜").click()
    researcher.wait_for_selector("text=揭榜已提交")
    bid = Bid.objects.get()
    assert bid.status == "submitted" and bid.attachments.count() == 1

    # The owner compares, shortlists and awards.
    owner.goto(f"/bids/received/demand/{demand.pk}/")
    owner.get_by_role("button", name="并排对比所选（不选则全部）").click()
    owner.wait_for_selector("text=焊后变形量")
    owner.goto(f"/bids/{bid.pk}/")
    owner.get_by_role("button", name="入围").click()
    owner.get_by_role("link", name="定榜（中榜）…").click()
    owner.wait_for_selector("text=定榜后不能撤销")
    owner.get_by_label("成交金额（元）").fill("750000")
    owner.get_by_role("button", name="确认定榜（不可撤销）").click()
    owner.wait_for_selector("text=75万元。平台已通知揭榜方")
    assert Bid.objects.get(pk=bid.pk).deal.amount == 750_000

    researcher.goto(f"/bids/{bid.pk}/")
    researcher.wait_for_selector("text=已中榜")
    subjects = {(m.to[0], m.subject.split("：")[0]) for m in mail.outbox}
    assert (enterprise_member.email, "收到新的揭榜") in subjects
    assert (research_member.email, "您的提问已答复") in subjects
    assert (research_member.email, "您的揭榜已入围") in subjects
    assert (research_member.email, "恭喜，您的揭榜已中榜") in subjects


def test_editing_a_bid_in_the_browser_keeps_its_dates(
    chromium, live_server, settings, submitted_bid, research_member
):
    settings.ALLOWED_HOSTS = ["*"]
    before = [m.due_date for m in submitted_bid.milestones.order_by("due_date")]
    researcher = signed_in(chromium, live_server, research_member)
    researcher.goto(f"/bids/{submitted_bid.pk}/")
    researcher.get_by_role("link", name="修改方案").click()
    assert researcher.input_value("input[name=ms-0-due_date]") == before[0].isoformat()
    researcher.fill("textarea[name=team]", "教授1名，副教授3名。")
    researcher.get_by_role("button", name="保存修改").click()
    researcher.wait_for_selector("text=揭榜已提交")
    bid = Bid.objects.get(pk=submitted_bid.pk)
    assert bid.team == "教授1名，副教授3名。"
    assert [m.due_date for m in bid.milestones.order_by("due_date")] == before


def test_withdrawing_a_bid_asks_first_and_says_it_is_final(
    chromium, live_server, settings, submitted_bid, research_member
):
    settings.ALLOWED_HOSTS = ["*"]
    researcher = signed_in(chromium, live_server, research_member)
    researcher.goto(f"/bids/{submitted_bid.pk}/")
    researcher.get_by_role("link", name="撤回揭榜…").click()
    researcher.wait_for_selector("text=撤回是最终操作")
    assert Bid.objects.get(pk=submitted_bid.pk).status == "submitted"
    researcher.get_by_role("button", name="确认撤回（不可恢复）").click()
    researcher.wait_for_selector("text=揭榜已撤回。")
    assert Bid.objects.get(pk=submitted_bid.pk).status == "withdrawn"
