"""Issue 12.12 in a real browser: upload → dry run (nothing written) → 确认导入 of the same
file → result → the imported drafts in the page explorer."""

from __future__ import annotations

import pytest

from cms.models import DemandPage
from marketplace.organisations.models import Organisation
from tests.curation.workbooks import build, demand_row

from .test_curation_journey import signed_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_curator_uploads_checks_then_confirms_the_same_file(
    new_page, live_server, tmp_path, curator
):
    workbook = tmp_path / "需求目录.xlsx"
    rows = [demand_row(n) for n in range(2)]  # their organisations are new: drafts
    workbook.write_bytes(build("demand", rows).getvalue())

    desk = signed_in(new_page, live_server, curator)
    desk.goto("/admin/curation/catalogue/")
    assert desk.locator("input[name=dry_run]").count() == 0
    desk.select_option("select[name=kind]", "demand")
    desk.set_input_files("input[name=file]", str(workbook))
    desk.get_by_role("button", name="上传并校验").click()
    desk.wait_for_load_state()

    # Step 1: the report, and nothing written yet.
    assert "第 1 步（共 2 步）" in desk.locator("h1").inner_text()
    assert "尚未导入任何数据" in desk.content()
    planned = desk.locator("[data-import-planned]").inner_text()
    assert rows[0]["外部编号"] in planned and rows[1]["外部编号"] in planned
    assert DemandPage.objects.count() == 0 and Organisation.objects.count() == 0

    # Step 2: 确认导入 imports that same file, no re-upload.
    desk.get_by_role("button", name="确认导入").click()
    desk.wait_for_load_state()
    assert "第 2 步（共 2 步）" in desk.locator("h1").inner_text()
    assert "保存为草稿" in desk.locator("[data-import-outcome]").inner_text()
    assert DemandPage.objects.filter(live=False, status="draft").count() == 2

    # The drafts are in the page explorer.
    desk.locator("[data-import-explore]").click()
    desk.wait_for_load_state()
    explorer = desk.content()
    assert rows[0]["需求名称"] in explorer and rows[1]["需求名称"] in explorer
