"""The listing editor without friction (issue 12, point 6): add a row, preview, save and
submit in one step, uploads kept across an error, an error summary, a current score."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from wagtail.models import WorkflowState

from cms.models import DemandPage
from marketplace.organisations.models import Organisation
from marketplace.workspace.models import PendingUpload

from ..factories import DemandPageFactory, MembershipFactory, OrganisationFactory
from .helpers import PDF_BYTES, demand_data, management, pdf, rows

pytestmark = pytest.mark.django_db


def create_url(organisation):
    return reverse("workspace:listing_create", kwargs={"organisation_id": organisation.pk})


def edit_url(page):
    return reverse("workspace:listing_edit", kwargs={"kind": "demand", "pk": page.pk})


def shown_score(response) -> int:
    return int(re.search(r"完整度</strong> (\d+)/100", response.content.decode()).group(1))


# --- add a row without JavaScript ---------------------------------------------------------


def test_add_indicator_button_adds_a_row_and_saves_nothing(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    data = demand_data()
    data["add_row"] = "indicators"
    response = client.post(create_url(enterprise), data)
    assert response.status_code == 200
    assert not DemandPage.objects.exists()
    indicators = response.context["formsets"]["indicators"]
    assert len(indicators.forms) == 2
    body = response.content.decode()
    # The typed row is kept and the new one is empty; no error is shown for the empty row.
    assert 'value="焊后变形量"' in body and 'name="indicators-1-name"' in body
    assert 'name="indicators-TOTAL_FORMS" value="2"' in body
    assert "error-summary" not in body and "errorlist" not in body


def test_add_row_ignores_an_unknown_prefix(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    data = demand_data()
    data["add_row"] = "bogus"
    response = client.post(create_url(enterprise), data)
    assert response.status_code == 200 and not DemandPage.objects.exists()
    assert len(response.context["formsets"]["indicators"].forms) == 1


def test_editor_offers_the_add_button_and_an_empty_row_template(
    client, enterprise_member, enterprise
):
    client.force_login(enterprise_member)
    body = client.get(create_url(enterprise)).content.decode()
    assert 'name="add_row" value="indicators"' in body
    assert 'id="formset-indicators-empty"' in body and "indicators-__prefix__-name" in body
    assert "js/forms.js" in body


# --- error summary ---------------------------------------------------------------------------


def test_error_summary_lists_each_error_with_a_link_to_its_field(
    client, enterprise_member, enterprise
):
    client.force_login(enterprise_member)
    data = demand_data(
        title="",
        indicators=[{"name": "", "target_value": "5", "unit": "mm", "verification": "检测"}],
    )
    body = client.post(create_url(enterprise), data).content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0)
    assert "2 处问题" in summary
    assert 'href="#id_title"' in summary and "标题" in summary
    assert 'href="#id_indicators-0-name"' in summary and "核心技术指标 第1行 · 指标名称" in summary
    # Every link points at an element of the page.
    for anchor in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{anchor}"' in body
    # A rule the service checks on save is summarised too.
    data = demand_data(budget_min="900000", budget_max="100")
    body = client.post(create_url(enterprise), data).content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0)
    assert 'href="#id_budget_min"' in summary and "预算下限不能高于上限。" in summary


def test_no_error_summary_on_a_fresh_form(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    assert "error-summary" not in client.get(create_url(enterprise)).content.decode()


# --- uploads kept across a validation error ------------------------------------------------


def test_upload_is_kept_across_a_validation_error(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    attachment = {"title": "检测报告", "file": pdf("检测报告.pdf"), "is_public": "on"}
    response = client.post(create_url(enterprise), demand_data(title="", attachments=[attachment]))
    assert response.status_code == 200 and not DemandPage.objects.exists()
    body = response.content.decode()
    assert "已上传：检测报告.pdf（保留）" in body
    token = re.search(r'name="attachments-0-pending" value="([0-9a-f]+)"', body).group(1)
    # The member fixes the title and sends the form again without choosing the file.
    data = demand_data(attachments=[{"title": "检测报告", "is_public": "on"}])
    data["attachments-0-pending"] = token
    response = client.post(create_url(enterprise), data)
    assert response.status_code == 302
    stored = DemandPage.objects.get().attachments.get()
    assert stored.file.read() == PDF_BYTES and stored.file.name.endswith(".pdf")
    assert not PendingUpload.objects.exists()


def test_another_users_pending_token_is_ignored(client, enterprise_member, enterprise, outsider):
    client.force_login(outsider)
    other = OrganisationFactory(kind=Organisation.Kind.ENTERPRISE)
    MembershipFactory(organisation=other, user=outsider)
    client.post(
        create_url(other),
        demand_data(title="", attachments=[{"title": "报告", "file": pdf()}]),
    )
    token = PendingUpload.objects.get(user=outsider).token
    client.force_login(enterprise_member)
    data = demand_data(attachments=[{"title": "报告"}])
    data["attachments-0-pending"] = token
    response = client.post(create_url(enterprise), data)
    assert response.status_code == 200
    assert "请选择要上传的文件。" in response.content.decode()
    assert not DemandPage.objects.exists()


def test_rejected_upload_is_not_kept(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.pdf", b"plain text", content_type="application/pdf")
    response = client.post(
        create_url(enterprise), demand_data(attachments=[{"title": "坏文件", "file": bad}])
    )
    assert "已上传" not in response.content.decode()
    assert not PendingUpload.objects.exists()


# --- save and submit in one step -----------------------------------------------------------


def test_submit_from_the_editor_saves_and_starts_review(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    data = demand_data()
    data["action"] = "submit"
    response = client.post(create_url(enterprise), data, follow=True)
    page = DemandPage.objects.get()
    assert page.status == "in_review" and page.workflow_in_progress
    assert "已保存并提交平台审核。" in response.content.decode()


def test_submit_from_the_editor_with_errors_changes_nothing(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft", title="旧标题")
    client.force_login(enterprise_member)
    data = demand_data(title="")
    data["action"] = "submit"
    response = client.post(edit_url(page), data)
    assert response.status_code == 200
    page.refresh_from_db()
    assert page.status == "draft" and page.title == "旧标题"
    assert not WorkflowState.objects.exists()


def test_submit_from_the_editor_of_an_unverified_organisation_saves_only(client):
    organisation = OrganisationFactory(verification=Organisation.Verification.PENDING)
    member = MembershipFactory(organisation=organisation).user
    page = DemandPageFactory(organisation=organisation, live=False, status="draft")
    client.force_login(member)
    body = client.get(edit_url(page)).content.decode()
    assert 'value="submit"' not in body
    data = demand_data(title="新标题")
    data["action"] = "submit"
    response = client.post(edit_url(page), data, follow=True)
    page.refresh_from_db()
    assert page.title == "新标题" and page.status == "draft"
    assert "草稿已保存，但未能提交审核" in response.content.decode()
    assert not WorkflowState.objects.exists()


# --- preview ----------------------------------------------------------------------------------


def test_preview_renders_the_unsaved_input_as_the_listing_page(
    client, enterprise_member, enterprise
):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft", title="旧标题")
    client.force_login(enterprise_member)
    data = demand_data(
        title="预览中的新标题",
        indicators=[{"name": "焊缝跟踪精度", "target_value": "0.1", "unit": "mm"}],
        attachments=[{"title": "新方案", "file": pdf()}],
    )
    data["action"] = "preview"
    response = client.post(edit_url(page), data)
    assert response.status_code == 200
    assert response.templates[0].name == "workspace/preview_demand.html"
    body = response.content.decode()
    assert "预览中的新标题" in body and "焊缝跟踪精度" in body and "新方案" in body
    assert "尚未保存" in body
    page.refresh_from_db()
    assert page.title == "旧标题" and page.indicators.count() == 0


def test_preview_of_a_new_listing_saves_nothing(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    data = demand_data(title="全新需求")
    data["action"] = "preview"
    response = client.post(create_url(enterprise), data)
    assert response.status_code == 200 and "全新需求" in response.content.decode()
    assert not DemandPage.objects.exists()


def test_preview_with_errors_returns_to_the_editor(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    data = demand_data(title="")
    data["action"] = "preview"
    response = client.post(create_url(enterprise), data)
    assert response.templates[0].name == "workspace/listing_form.html"
    assert "error-summary" in response.content.decode()


def test_preview_is_404_for_another_organisation(client, outsider, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    client.force_login(outsider)
    data = demand_data()
    data["action"] = "preview"
    assert client.post(edit_url(page), data).status_code == 404


# --- completeness is current -------------------------------------------------------------


def test_completeness_box_scores_the_posted_input_not_the_saved_draft(
    client, enterprise_member, enterprise
):
    page = DemandPageFactory(
        organisation=enterprise,
        live=False,
        status="draft",
        keywords="焊接",
        budget_kind="negotiable",
    )
    client.force_login(enterprise_member)
    saved_score = shown_score(client.get(edit_url(page)))
    # A complete input with one error elsewhere (an empty contact e-mail is fine; a bad one is not).
    response = client.post(edit_url(page), demand_data(contact_email="not-an-email"))
    assert response.status_code == 200
    assert shown_score(response) == 100 > saved_score
    # After a successful save the stored draft scores the same.
    client.post(edit_url(page), demand_data())
    assert shown_score(client.get(edit_url(page))) == 100


def test_dashboard_score_follows_each_save(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    client.post(create_url(enterprise), demand_data(keywords="焊接"))
    page = DemandPage.objects.get()
    dashboard = client.get(reverse("workspace:dashboard")).content.decode()
    assert "完整度 90/100" in dashboard
    client.post(edit_url(page), demand_data())
    dashboard = client.get(reverse("workspace:dashboard")).content.decode()
    assert "完整度 100/100" in dashboard


def test_management_helper_rows_stay_in_step():
    # Guard for the helpers above: rows() writes TOTAL_FORMS from the row count.
    assert rows("x", [{}, {}])["x-TOTAL_FORMS"] == "2" == management("x", 2)["x-TOTAL_FORMS"]


def test_technology_preview_and_submit_from_the_editor(client, research_member, university):
    from cms.models import TechnologyPage

    from .helpers import technology_data

    client.force_login(research_member)
    data = technology_data(
        title="预览成果",
        attachments=[{"title": "检测报告", "kind": "test_report", "file": pdf()}],
    )
    data["action"] = "preview"
    response = client.post(create_url(university), data)
    body = response.content.decode()
    assert response.templates[0].name == "workspace/preview_technology.html"
    assert "预览成果" in body and "检测报告" in body and "ZL202310000001.X" in body
    assert not TechnologyPage.objects.exists()
    token = re.search(r'name="attachments-0-pending" value="([0-9a-f]+)"', body)
    assert token is None  # the preview page has no form; the editor tab keeps the file
    data["action"] = "submit"
    data["attachments-0-file"] = pdf()
    response = client.post(create_url(university), data)
    page = TechnologyPage.objects.get()
    assert page.status == "in_review" and page.attachments.count() == 1
