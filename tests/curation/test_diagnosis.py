"""需求诊断: a curator sends a listing in review back with structured feedback."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState

from cms.services import listing_submit
from marketplace.audit.models import AuditEntry
from marketplace.curation.diagnosis import (
    DiagnosisError,
    diagnosis_fields,
    diagnosis_send,
    review_queue,
)
from marketplace.curation.models import Diagnosis
from marketplace.notifications.models import Notification

from ..factories import DemandIndicatorFactory, DemandPageFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


def submitted_demand(member, organisation, **kwargs):
    page = DemandPageFactory(organisation=organisation, live=False, status="draft", **kwargs)
    listing_submit(user=member, page=page)
    page.refresh_from_db()
    assert page.status == "in_review" and page.workflow_in_progress
    return page


def diagnose_url(page):
    return reverse("curation_diagnosis:diagnose", args=[page.pk])


def task_state_of(page):
    return TaskState.objects.filter(workflow_state__object_id=str(page.pk)).latest("pk")


def nothing_changed(page):
    page.refresh_from_db()
    return (
        page.status == "in_review"
        and task_state_of(page).status == TaskState.STATUS_IN_PROGRESS
        and not Diagnosis.objects.exists()
        and not AuditEntry.objects.filter(action="listing.diagnose").exists()
    )


def test_diagnosis_sends_back_and_member_sees_items_until_resubmitting(
    client, curator, enterprise_member, enterprise, outsider
):
    page = submitted_demand(enterprise_member, enterprise, title="焊接变形控制需求")
    client.force_login(curator)
    form = client.get(diagnose_url(page))
    assert form.status_code == 200
    body = form.content.decode()
    # Pre-filled from cms.completeness: the factory demand has no indicators.
    assert "核心技术指标（未填写）" in body and "没有核心技术指标" in body

    response = client.post(
        diagnose_url(page),
        {
            "check_problem": "on",
            "note_problem": "问题背景太笼统，请说明现有工艺与失效方式",
            "check_indicators": "on",
            "note_indicators": "请给出焊后变形量的量化目标",
            "comment": "请按诊断意见补充后重新提交。",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("curation_diagnosis:queue")

    page.refresh_from_db()
    assert page.status == "rejected" and not page.live
    task_state = task_state_of(page)
    assert task_state.status == TaskState.STATUS_REJECTED
    assert task_state.comment == "请按诊断意见补充后重新提交。"
    assert task_state.finished_by == curator
    assert page.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES

    diagnosis = Diagnosis.objects.get()
    assert diagnosis.page_id == page.pk and diagnosis.curator == curator
    assert diagnosis.task_state_id == task_state.pk
    assert {(i["kind"], i["field"]) for i in diagnosis.items} == {
        ("vague", "problem"),
        ("indicator", "indicators"),
    }

    notice = Notification.objects.get(recipient=enterprise_member)
    assert notice.verb == "listing_diagnosed" and "焊接变形控制需求" in notice.title
    assert "问题背景太笼统" in notice.body
    assert not Notification.objects.filter(recipient=outsider).exists()
    entry = AuditEntry.objects.get(action="listing.diagnose")
    assert entry.actor == curator and entry.object_id == str(page.pk)
    assert entry.details["diagnosis"] == diagnosis.pk

    client.force_login(enterprise_member)
    dashboard = client.get(reverse("workspace:dashboard")).content.decode()
    assert "平台诊断意见" in dashboard
    assert "问题背景太笼统，请说明现有工艺与失效方式" in dashboard
    assert "请给出焊后变形量的量化目标" in dashboard

    listing_submit(user=enterprise_member, page=page)
    dashboard = client.get(reverse("workspace:dashboard")).content.decode()
    assert "平台诊断意见" not in dashboard and "问题背景太笼统" not in dashboard


def test_indicator_without_a_number_is_prefilled(enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    DemandIndicatorFactory(page=page, name="焊后变形量", target_value="尽可能小", unit="")
    DemandIndicatorFactory(page=page, name="节拍", target_value="≤60", unit="s")
    page.save_revision()
    listing_submit(user=enterprise_member, page=page)
    page.refresh_from_db()
    lines = {line.key: line for line in diagnosis_fields(page.get_latest_revision_as_object())}
    assert lines["indicator-0"].flagged and "焊后变形量" in lines["indicator-0"].label
    assert not lines["indicator-1"].flagged
    assert lines["cooperation_modes"].flagged  # completeness: none chosen
    assert not lines["title"].flagged


def test_technology_can_be_diagnosed(client, curator, research_member, university):
    page = TechnologyPageFactory(organisation=university, live=False, status="draft")
    listing_submit(user=research_member, page=page)
    diagnosis_send(
        curator=curator,
        page=page,
        comment="请补充知识产权与证明材料。",
        items=[{"kind": "vague", "field": "ip_items", "label": "知识产权", "comment": ""}],
    )
    page.refresh_from_db()
    assert page.status == "rejected"
    assert Diagnosis.objects.get().items[0]["field"] == "ip_items"


def test_member_cannot_diagnose(client, enterprise_member, enterprise):
    page = submitted_demand(enterprise_member, enterprise)
    client.force_login(enterprise_member)
    for response in (
        client.get(diagnose_url(page)),
        client.post(diagnose_url(page), {"comment": "自己退回"}),
        client.get(reverse("curation_diagnosis:queue")),
    ):
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"]
    with pytest.raises(PermissionDenied):
        diagnosis_send(curator=enterprise_member, page=page, items=[], comment="自己退回")
    assert nothing_changed(page)


def test_listing_not_in_review_cannot_be_diagnosed(client, curator, enterprise):
    page = DemandPageFactory(organisation=enterprise)  # live and open, no workflow
    client.force_login(curator)
    response = client.post(diagnose_url(page), {"comment": "退回"}, follow=True)
    assert "该项目当前不在审核中，不能诊断退回。" in response.content.decode()
    with pytest.raises(DiagnosisError) as error:
        diagnosis_send(curator=curator, page=page, items=[], comment="退回")
    assert error.value.code == "not_in_review"
    page.refresh_from_db()
    assert page.status == "open" and page.live
    assert not Diagnosis.objects.exists() and not TaskState.objects.exists()
    assert not Notification.objects.exists()


def test_already_sent_back_listing_cannot_be_diagnosed_twice(
    curator, enterprise_member, enterprise
):
    page = submitted_demand(enterprise_member, enterprise)
    diagnosis_send(curator=curator, page=page, items=[], comment="第一次")
    with pytest.raises(DiagnosisError):
        diagnosis_send(curator=curator, page=page, items=[], comment="第二次")
    assert Diagnosis.objects.count() == 1


def test_overall_comment_is_required(client, curator, enterprise_member, enterprise):
    page = submitted_demand(enterprise_member, enterprise)
    client.force_login(curator)
    response = client.post(diagnose_url(page), {"check_problem": "on", "comment": ""})
    assert response.status_code == 200
    assert nothing_changed(page)


def test_queue_shows_listings_in_review_with_score_and_gaps(
    client, curator, enterprise_member, enterprise
):
    page = submitted_demand(enterprise_member, enterprise, title="排队中的需求", keywords="")
    DemandPageFactory(organisation=enterprise, title="已公开的需求")
    rows = review_queue()
    assert [row.page.pk for row in rows] == [page.pk]
    client.force_login(curator)
    body = client.get(reverse("curation_diagnosis:queue")).content.decode()
    assert "排队中的需求" in body and "已公开的需求" not in body
    assert f"{rows[0].completeness.score}</strong>/100" in body
    assert "未填写关键词" in body and diagnose_url(page) in body


def test_edit_view_links_to_the_diagnosis_form(client, curator, enterprise_member, enterprise):
    page = submitted_demand(enterprise_member, enterprise)
    open_page = DemandPageFactory(organisation=enterprise)
    client.force_login(curator)
    body = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert diagnose_url(page) in body and "诊断并退回" in body
    body = client.get(reverse("wagtailadmin_pages:edit", args=[open_page.pk])).content.decode()
    assert diagnose_url(open_page) not in body


def test_admin_menu_and_page_listing_offer_the_desk(client, curator, enterprise_member, enterprise):
    page = submitted_demand(enterprise_member, enterprise)
    client.force_login(curator)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("curation_diagnosis:queue") in home
    assert reverse("curation_events:list") in home
    explorer = client.get(reverse("wagtailadmin_explore", args=[page.get_parent().pk]))
    assert explorer.status_code == 200 and diagnose_url(page) in explorer.content.decode()
