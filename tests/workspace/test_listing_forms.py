from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Revision

from cms.models import DemandAttachment, DemandIndexPage, DemandPage, TechnologyPage

from ..factories import DemandIndicatorFactory, DemandPageFactory
from .helpers import PDF_BYTES, demand_data, docx, pdf, rows, technology_data

pytestmark = pytest.mark.django_db


def create_url(organisation):
    return reverse("workspace:listing_create", kwargs={"organisation_id": organisation.pk})


def edit_url(page, kind="demand"):
    return reverse("workspace:listing_edit", kwargs={"kind": kind, "pk": page.pk})


def test_create_demand_draft_under_catalogue(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    data = demand_data(attachments=[{"title": "检测报告", "file": pdf(), "is_public": "on"}])
    response = client.post(create_url(enterprise), data)
    page = DemandPage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(page)
    assert page.get_parent().specific_class is DemandIndexPage
    assert (page.live, page.status, page.owner, page.organisation) == (
        False,
        "draft",
        enterprise_member,
        enterprise,
    )
    assert page.slug.startswith("demand-")
    assert Revision.page_revisions.filter(object_id=str(page.pk)).count() == 1
    assert [i.target_value for i in page.indicators.all()] == ["≤0.2"]
    attachment = page.attachments.get()
    assert attachment.is_public and attachment.file.read() == PDF_BYTES
    assert page.cooperation_modes.count() == 1


def test_rich_text_is_stored_as_escaped_paragraphs(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    text = "第一段 <script>alert(1)</script>\n第一段第二行\n\n" + "第二段" * 40
    client.post(create_url(enterprise), demand_data(problem=text))
    problem = DemandPage.objects.get().problem
    assert problem.startswith(
        "<p>第一段 &lt;script&gt;alert(1)&lt;/script&gt;<br/>第一段第二行</p><p>"
    )
    assert "<script>" not in problem


def test_edit_form_shows_plain_text_of_rich_text(client, enterprise_member, enterprise):
    page = DemandPageFactory(
        organisation=enterprise, live=False, status="draft", problem="<p>甲 &amp; 乙</p><p>丙</p>"
    )
    client.force_login(enterprise_member)
    body = client.get(edit_url(page)).content.decode()
    assert "甲 &amp; 乙\n\n丙</textarea>" in body


def test_missing_fields_give_field_errors_and_store_nothing(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    response = client.post(create_url(enterprise), demand_data(title="", problem=""))
    assert response.status_code == 200
    form = response.context["form"]
    assert "title" in form.errors and "problem" in form.errors
    assert not DemandPage.objects.exists()


def test_model_rule_error_lands_on_its_field(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    response = client.post(
        create_url(enterprise), demand_data(budget_min="900000", budget_max="100")
    )
    assert response.context["form"].errors["budget_min"] == ["预算下限不能高于上限。"]
    assert not DemandPage.objects.exists()


def test_disguised_pdf_is_rejected(client, enterprise_member, enterprise, settings):
    client.force_login(enterprise_member)
    fake = SimpleUploadedFile(
        "报告.pdf", b"just some text pretending to be a PDF", content_type="application/pdf"
    )
    response = client.post(
        create_url(enterprise), demand_data(attachments=[{"title": "报告", "file": fake}])
    )
    formset = response.context["formsets"]["attachments"]
    assert "文件内容不是允许的类型" in str(formset.forms[0].errors["file"])
    assert not DemandPage.objects.exists() and not DemandAttachment.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_oversize_attachment_is_rejected(client, enterprise_member, enterprise, settings):
    settings.JIEBANG_MAX_ATTACHMENT_BYTES = len(PDF_BYTES) - 1
    client.force_login(enterprise_member)
    response = client.post(
        create_url(enterprise), demand_data(attachments=[{"title": "报告", "file": pdf()}])
    )
    assert "文件过大" in str(response.context["formsets"]["attachments"].forms[0].errors["file"])
    assert not DemandPage.objects.exists()


def test_attachment_is_named_by_its_content(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    client.post(
        create_url(enterprise),
        demand_data(
            attachments=[
                {"title": "其实是PDF", "file": pdf("方案.docx")},
                {"title": "Word", "file": docx("说明.docx")},
            ]
        ),
    )
    names = sorted(a.file.name.rsplit("/", 1)[-1] for a in DemandAttachment.objects.all())
    assert names == ["方案.pdf", "说明.docx"]


def test_edit_draft_saves_revision_and_keeps_indicator_ids(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    indicator = DemandIndicatorFactory(page=page)
    page.save_revision()
    client.force_login(enterprise_member)
    data = demand_data(title="改过的标题")
    data.update(
        rows(
            "indicators",
            [
                {
                    "ref": str(indicator.pk),
                    "name": "焊后变形量",
                    "target_value": "≤0.1",
                    "unit": "mm",
                },
                {"name": "节拍", "target_value": "60", "unit": "秒/件"},
            ],
            initial=1,
        )
    )
    response = client.post(edit_url(page), data)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "改过的标题" and page.status == "draft" and not page.live
    assert page.get_latest_revision().user == enterprise_member
    indicators = list(page.indicators.order_by("sort_order"))
    assert indicators[0].pk == indicator.pk and indicators[0].target_value == "≤0.1"
    assert indicators[1].name == "节拍"


def test_editing_a_live_listing_only_saves_a_revision(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, title="公开的标题")
    client.force_login(enterprise_member)
    response = client.post(edit_url(page), demand_data(title="待审核的新标题"))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "公开的标题" and page.live and page.status == "open"
    assert page.has_unpublished_changes
    assert page.get_latest_revision_as_object().title == "待审核的新标题"
    assert "公开的标题" in client.get(page.url).content.decode()
    # The editor shows the pending draft, not the live version.
    assert "待审核的新标题" in client.get(edit_url(page)).content.decode()


def test_removing_an_attachment_row(client, enterprise_member, enterprise):
    client.force_login(enterprise_member)
    client.post(create_url(enterprise), demand_data(attachments=[{"title": "报告", "file": pdf()}]))
    page = DemandPage.objects.get()
    attachment = page.attachments.get()
    data = demand_data()
    data.update(
        rows(
            "attachments", [{"ref": str(attachment.pk), "title": "报告", "DELETE": "on"}], initial=1
        )
    )
    client.post(edit_url(page), data)
    assert not DemandAttachment.objects.exists()


def test_create_technology_with_ip_and_evidence(client, research_member, university):
    client.force_login(research_member)
    response = client.post(
        create_url(university),
        technology_data(
            attachments=[
                {"title": "中试报告", "kind": "pilot_report", "file": pdf()},
            ]
        ),
    )
    assert response.status_code == 302
    page = TechnologyPage.objects.get()
    assert page.organisation == university and page.status == "draft" and not page.live
    assert page.description == "<p>第一段</p><p>第二段 &lt;b&gt;加粗&lt;/b&gt;</p>"
    assert page.ip_items.get().number == "ZL202310000001.X"
    assert page.attachments.get().kind == "pilot_report"


def test_editor_shows_completeness(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft", keywords="")
    client.force_login(enterprise_member)
    response = client.get(edit_url(page))
    assert response.context["completeness"].score < 100
    assert "未填写关键词" in response.content.decode()
