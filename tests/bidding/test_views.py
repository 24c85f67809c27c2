from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from cms.models import DemandPage
from marketplace.bidding.models import AccessLogEntry, Bid, BidAttachment, ConfidentialityAgreement
from marketplace.bidding.services import bid_shortlist

from .conftest import PDF_BYTES, PNG_BYTES, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.bidding.urls")]


def form_data(demand, **overrides):
    data = {
        "background": "山东测试大学焊接团队",
        "research_status": "国外双光束焊接",
        "technical_approach": "双光束激光焊接+随焊冷却",
        "existing_work": "小试完成",
        "industrialisation_plan": "共建中试线",
        "team": "教授1名",
        "price": "800000",
        "declares_no_related_party": "on",
        "consortium_codes": "",
        "ms-TOTAL_FORMS": "2",
        "ms-INITIAL_FORMS": "0",
        "ms-0-due_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "ms-0-deliverable": "小试报告",
        "ms-1-due_date": "",
        "ms-1-deliverable": "",
        "att-TOTAL_FORMS": "1",
        "att-INITIAL_FORMS": "0",
        "att-0-title": "",
        "action": "submit",
    }
    for ind in demand.indicators.all():
        data[f"indicator_{ind.pk}_value"] = "0.15"
        data[f"indicator_{ind.pk}_verification"] = "第三方检测"
    data.update(overrides)
    return data


def test_demand_page_shows_bid_box_and_qa(client, demand, research_member):
    client.force_login(research_member)
    body = client.get(demand.url).content.decode()
    assert "我要揭榜" in body and "答疑" in body


def test_submit_bid_through_form_with_attachment(
    client, demand, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    client.force_login(research_member)
    data = form_data(demand)
    data["att-0-file"] = pdf()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/bids/new/demand/{demand.pk}/", data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    bid = Bid.objects.get()
    assert bid.status == "submitted" and bid.attachments.count() == 1
    assert any("收到新的揭榜" in m.subject for m in mail.outbox)
    assert client.get(f"/bids/{bid.pk}/").status_code == 200


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"price": "-5"}, "price"),
        ({"price": "99999999999999"}, "price"),
        ({"technical_approach": ""}, "technical_approach"),
        ({"ms-0-due_date": "2099-01-01"}, "milestones"),
        ({"declares_no_related_party": ""}, "declares_no_related_party"),
    ],
)
def test_bad_input_gets_field_error_and_stores_nothing(
    client, demand, research_member, overrides, field
):
    DemandPage.objects.filter(pk=demand.pk).update(
        delivery_deadline=timezone.localdate() + datetime.timedelta(days=365)
    )
    client.force_login(research_member)
    data = form_data(demand, **overrides)
    if overrides.get("declares_no_related_party") == "":
        del data["declares_no_related_party"]
    resp = client.post(f"/bids/new/demand/{demand.pk}/", data)
    assert resp.status_code == 200
    ctx = resp.context
    if field == "milestones":
        assert ctx["section_errors"]["milestones"]
        assert "攻关完成时限" in resp.content.decode()
    else:
        assert ctx["form"].errors[field]
    assert Bid.objects.count() == 0


@pytest.mark.parametrize(
    "name, content",
    [
        ("方案.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        ("方案.pdf", PNG_BYTES),
        ("script.pdf", b"<script>alert(1)</script>"),
    ],
)
def test_disguised_file_refused(client, demand, research_member, name, content):
    client.force_login(research_member)
    data = form_data(demand)
    data["att-0-file"] = pdf(name, content)
    resp = client.post(f"/bids/new/demand/{demand.pk}/", data)
    assert resp.status_code == 200
    assert resp.context["files"].forms[0].errors["file"]
    assert Bid.objects.count() == 0 and BidAttachment.objects.count() == 0


def test_oversized_file_refused(client, demand, research_member, settings):
    settings.JIEBANG_MAX_ATTACHMENT_BYTES = 1024
    client.force_login(research_member)
    data = form_data(demand)
    data["att-0-file"] = pdf(content=PDF_BYTES + b"0" * 2048)
    resp = client.post(f"/bids/new/demand/{demand.pk}/", data)
    assert "文件过大" in resp.content.decode()
    assert Bid.objects.count() == 0


def test_late_submission_through_form_is_refused(client, demand, research_member):
    client.force_login(research_member)
    page = client.get(f"/bids/new/demand/{demand.pk}/")
    assert page.status_code == 200
    DemandPage.objects.filter(pk=demand.pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    resp = client.post(f"/bids/new/demand/{demand.pk}/", form_data(demand))
    assert Bid.objects.count() == 0
    assert resp.status_code in (200, 302)


def test_double_click_makes_one_bid(client, demand, research_member):
    import uuid

    client.force_login(research_member)
    token = str(uuid.uuid4())
    for _ in range(2):
        client.post(f"/bids/new/demand/{demand.pk}/", form_data(demand, token=token))
    assert Bid.objects.count() == 1


def test_owner_flow_shortlist_award_and_emails(
    client,
    submitted_bid,
    enterprise_member,
    research_member,
    demand,
    django_capture_on_commit_callbacks,
):
    client.force_login(enterprise_member)
    assert client.get(f"/bids/received/demand/{demand.pk}/").status_code == 200
    assert client.get(f"/bids/compare/demand/{demand.pk}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/bids/{submitted_bid.pk}/shortlist/")
        client.post(f"/bids/{submitted_bid.pk}/award/", {"amount": "", "confirm": "1"})
    submitted_bid.refresh_from_db()
    assert submitted_bid.status == "awarded"
    subjects = [m.subject for m in mail.outbox if research_member.email in m.to]
    assert any("入围" in s for s in subjects) and any("中榜" in s for s in subjects)
    client.force_login(research_member)
    assert "已中榜" in client.get(f"/bids/{submitted_bid.pk}/").content.decode()


def test_decline_shows_reason_to_bidder(client, submitted_bid, enterprise_member, research_member):
    client.force_login(enterprise_member)
    resp = client.post(f"/bids/{submitted_bid.pk}/decline/", {"reason": "", "comment": ""})
    assert resp.status_code == 200 and resp.context["form"].errors
    client.post(f"/bids/{submitted_bid.pk}/decline/", {"reason": "timeline", "comment": "周期过长"})
    client.force_login(research_member)
    body = client.get(f"/bids/{submitted_bid.pk}/").content.decode()
    assert "进度安排不满足要求" in body and "周期过长" in body


def test_public_qa(
    client, demand, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    client.force_login(research_member)
    client.post(f"/bids/demand/{demand.pk}/questions/", {"question": "是否提供试验件？"})
    q = demand.questions.get()
    client.force_login(enterprise_member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/bids/questions/{q.pk}/answer/", {"answer": "提供20件试验件。"})
    client.logout()
    body = client.get(demand.url).content.decode()
    assert "是否提供试验件" in body and "提供20件试验件" in body
    assert any(research_member.email in m.to and "答复" in m.subject for m in mail.outbox)


def test_confidential_details_need_shortlist_and_terms(
    client, submitted_bid, demand, research_member, enterprise_member
):
    url = f"/bids/demand/{demand.pk}/confidential/"
    client.force_login(research_member)
    assert client.get(url).status_code == 404
    bid_shortlist(user=enterprise_member, bid=submitted_bid)
    body = client.get(url).content.decode()
    assert "保密承诺" in body and "激光功率" not in body
    client.post(url, {"accept": "1"})
    assert ConfidentialityAgreement.objects.filter(user=research_member, demand=demand).exists()
    assert "激光功率" in client.get(url).content.decode()
    assert AccessLogEntry.objects.filter(user=research_member, action="confidential").count() == 1
    client.force_login(enterprise_member)
    log = client.get(f"/bids/access-log/demand/{demand.pk}/").content.decode()
    assert research_member.email in log


def test_attachment_download_logged(client, demand, research_member, enterprise_member):
    from marketplace.bidding.services import AttachmentInput, bid_submit

    from .conftest import full_input

    data = full_input(demand)
    data.attachments = [AttachmentInput("方案", pdf())]
    bid = bid_submit(user=research_member, listing=demand, data=data)
    att = bid.attachments.get()
    client.force_login(enterprise_member)
    resp = client.get(f"/bids/attachments/{att.pk}/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content).startswith(b"%PDF")
    assert AccessLogEntry.objects.filter(action="attachment", user=enterprise_member).count() == 1


def test_technology_take_up_form(client, technology, enterprise_member):
    from cms.taxonomy import CooperationMode

    client.force_login(enterprise_member)
    assert "提交转化意向" in client.get(technology.url).content.decode()
    mode = CooperationMode.objects.get(slug="licence")
    resp = client.post(
        f"/bids/new/technology/{technology.pk}/",
        {
            "cooperation_mode": mode.pk,
            "intended_use": "动力电池产线",
            "message": "约谈",
            "price": "",
            "declares_no_related_party": "on",
            "action": "submit",
            "att-TOTAL_FORMS": "0",
            "att-INITIAL_FORMS": "0",
        },
    )
    assert resp.status_code == 302
    assert Bid.objects.get().kind == "technology"


def test_take_up_request_carries_an_optional_implementation_plan_into_the_project(
    client, technology, enterprise_member, research_member
):
    """A take-up request may list milestones (实施计划); the award copies them to the project,
    where the taker reports them and the technology's owner accepts them."""
    from cms.taxonomy import CooperationMode
    from marketplace.bidding.services import bid_award
    from marketplace.projects.models import Project

    client.force_login(enterprise_member)
    page = client.get(f"/bids/new/technology/{technology.pk}/").content.decode()
    assert "实施计划（里程碑，选填）" in page
    base = {
        "cooperation_mode": CooperationMode.objects.get(slug="licence").pk,
        "intended_use": "动力电池产线",
        "message": "约谈",
        "price": "300000",
        "declares_no_related_party": "on",
        "action": "submit",
        "att-TOTAL_FORMS": "0",
        "att-INITIAL_FORMS": "0",
        "ms-TOTAL_FORMS": "2",
        "ms-INITIAL_FORMS": "0",
    }
    # A half-filled row is refused and nothing is saved.
    resp = client.post(
        f"/bids/new/technology/{technology.pk}/", base | {"ms-0-deliverable": "中试线验证"}
    )
    assert resp.status_code == 200 and "请同时填写日期和阶段成果。" in resp.content.decode()
    assert not Bid.objects.exists()
    due = timezone.localdate() + datetime.timedelta(days=90)
    resp = client.post(
        f"/bids/new/technology/{technology.pk}/",
        base | {"ms-0-due_date": due.isoformat(), "ms-0-deliverable": "中试线验证"},
    )
    assert resp.status_code == 302
    bid = Bid.objects.get()
    assert [(m.due_date, m.deliverable) for m in bid.milestones.all()] == [(due, "中试线验证")]
    assert "中试线验证" in client.get(f"/bids/{bid.pk}/").content.decode()
    bid_award(user=research_member, bid=bid)
    project = Project.objects.get(bid=bid)
    assert [m.deliverable for m in project.milestones.all()] == ["中试线验证"]
