"""The review workflow end to end: member submits in the workspace, a curator acts in the Wagtail admin."""

import pytest
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState

from cms.models import DemandPage, TechnologyPage

from ..factories import DemandPageFactory
from ..workspace.helpers import demand_data, technology_data

pytestmark = pytest.mark.django_db


def workspace_url(name, page, kind="demand"):
    return reverse(f"workspace:{name}", kwargs={"kind": kind, "pk": page.pk})


def curator_action(client, curator, page, action, comment=""):
    task_state = TaskState.objects.get(
        workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS
    )
    client.force_login(curator)
    path = f"/admin/pages/workflow/action/{page.pk}/{action}/{task_state.pk}/"
    assert path == reverse(
        "wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk]
    )
    response = client.post(path, {"comment": comment})
    assert response.status_code == 302
    client.logout()


def draft_and_submit(client, member, organisation, kind="demand", **overrides):
    client.force_login(member)
    create = reverse("workspace:listing_create", kwargs={"organisation_id": organisation.pk})
    data = demand_data(**overrides) if kind == "demand" else technology_data(**overrides)
    assert client.post(create, data).status_code == 302
    model = DemandPage if kind == "demand" else TechnologyPage
    page = model.objects.get()
    client.post(workspace_url("listing_submit", page, kind))
    client.logout()
    page.refresh_from_db()
    return page


def test_submit_approve_publishes_into_catalogue(client, enterprise_member, enterprise, curator):
    page = draft_and_submit(client, enterprise_member, enterprise, title="待审核的焊接需求")
    assert page.status == "in_review" and not page.live
    assert "待审核的焊接需求" not in client.get("/demands/").content.decode()
    curator_action(client, curator, page, "approve")
    page.refresh_from_db()
    assert page.live and page.status == "open"
    assert WorkflowState.objects.get().status == WorkflowState.STATUS_APPROVED
    assert "待审核的焊接需求" in client.get("/demands/").content.decode()
    assert client.get(page.url).status_code == 200


def test_technology_approval_sets_published(client, research_member, university, curator):
    page = draft_and_submit(client, research_member, university, kind="technology")
    curator_action(client, curator, page, "approve")
    page.refresh_from_db()
    assert page.live and page.status == "published"
    assert page.title in client.get("/technologies/").content.decode()


def test_request_changes_then_edit_and_resubmit(client, enterprise_member, enterprise, curator):
    page = draft_and_submit(client, enterprise_member, enterprise)
    curator_action(client, curator, page, "reject", comment="请补充量化的验收指标。")
    page.refresh_from_db()
    assert page.status == "rejected" and not page.live

    client.force_login(enterprise_member)
    body = client.get(reverse("workspace:dashboard")).content.decode()
    assert "需修改" in body and "请补充量化的验收指标。" in body
    response = client.post(workspace_url("listing_edit", page), demand_data(title="补充后的需求"))
    assert response.status_code == 302
    client.post(workspace_url("listing_submit", page))
    page.refresh_from_db()
    assert page.status == "in_review" and page.workflow_in_progress
    assert WorkflowState.objects.count() == 1  # the same workflow resumed, as Wagtail does
    client.logout()

    curator_action(client, curator, page, "approve")
    page.refresh_from_db()
    assert page.live and page.status == "open" and page.title == "补充后的需求"


def test_edit_of_live_listing_goes_live_only_after_approval(
    client, enterprise_member, enterprise, curator
):
    page = DemandPageFactory(organisation=enterprise, title="旧标题")
    client.force_login(enterprise_member)
    client.post(workspace_url("listing_edit", page), demand_data(title="新标题"))
    client.post(workspace_url("listing_submit", page))
    page.refresh_from_db()
    # A public listing stays public (and open for bids) while its edit is reviewed.
    assert page.status == "open" and page.live and page.title == "旧标题"
    client.logout()
    curator_action(client, curator, page, "approve")
    page.refresh_from_db()
    assert page.title == "新标题" and page.status == "open" and not page.has_unpublished_changes


def test_rejected_edit_of_live_listing_keeps_it_open(
    client, enterprise_member, enterprise, curator
):
    page = DemandPageFactory(organisation=enterprise, title="旧标题")
    client.force_login(enterprise_member)
    client.post(workspace_url("listing_edit", page), demand_data(title="新标题"))
    client.post(workspace_url("listing_submit", page))
    client.logout()
    curator_action(client, curator, page, "reject", comment="标题不规范")
    page.refresh_from_db()
    assert page.status == "open" and page.live and page.title == "旧标题"


def test_curator_sees_completeness_in_admin_editor(client, curator, enterprise):
    page = DemandPageFactory(organisation=enterprise, keywords="", live=False, status="draft")
    client.force_login(curator)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "完整度" in body and "未填写关键词" in body
