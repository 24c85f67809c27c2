"""A real browser on the listing editor (issue 12, point 6): "add indicator" adds a row
without reloading, and a chosen file survives a validation error."""

from __future__ import annotations

import pytest
from django.test import Client

from cms.models import DemandPage

from ..factories import DemandPageFactory
from ..workspace.helpers import PDF_BYTES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def signed_in(new_page, live_server, user):
    client = Client()
    client.force_login(user)
    tab = new_page()
    tab.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return tab


def test_add_indicator_adds_a_row_without_reloading(
    new_page, live_server, enterprise, enterprise_member
):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft", title="焊接需求")
    tab = signed_in(new_page, live_server, enterprise_member)
    tab.goto(f"/workspace/demand/{page.pk}/edit/")
    total = tab.locator('input[name="indicators-TOTAL_FORMS"]')
    rows = int(total.input_value())
    tab.evaluate("window.__sameDocument = true")
    tab.get_by_role("button", name="+ 添加指标").click()
    new_row = tab.locator(f'input[name="indicators-{rows}-name"]')
    new_row.wait_for()
    assert tab.evaluate("window.__sameDocument === true")  # no reload
    assert int(total.input_value()) == rows + 1
    new_row.fill("焊缝跟踪精度")
    tab.fill(f'input[name="indicators-{rows}-target_value"]', "≤0.1")
    tab.fill(f'input[name="indicators-{rows}-unit"]', "mm")
    tab.locator('.form-actions button[value="save"]').click()
    tab.wait_for_selector("text=已保存为新版本")
    draft = DemandPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    assert [i.name for i in draft.indicators.all()] == ["焊缝跟踪精度"]


def test_a_chosen_file_is_kept_across_a_validation_error(
    new_page, live_server, enterprise, enterprise_member
):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft", title="焊接需求")
    tab = signed_in(new_page, live_server, enterprise_member)
    tab.goto(f"/workspace/demand/{page.pk}/edit/")
    tab.fill('input[name="attachments-0-title"]', "检测报告")
    tab.set_input_files(
        'input[name="attachments-0-file"]',
        files=[{"name": "检测报告.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}],
    )
    tab.fill("#id_title", "")  # a mistake elsewhere on the form
    tab.locator('.form-actions button[value="save"]').click()
    summary = tab.locator("#error-summary")
    summary.wait_for()
    assert tab.evaluate("document.activeElement.id") == "error-summary"
    assert "已上传：检测报告.pdf（保留）" in tab.locator("#row-attachments-0").inner_text()
    summary.get_by_role("link").first.click()
    assert tab.evaluate("document.activeElement.id") == "id_title"
    tab.fill("#id_title", "焊接需求（修订）")
    tab.locator('.form-actions button[value="save"]').click()  # the file is not chosen again
    tab.wait_for_selector("text=已保存为新版本")
    page.refresh_from_db()
    attachment = page.attachments.get()
    assert attachment.title == "检测报告" and attachment.file.read() == PDF_BYTES
