from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from cms.models import DemandPage, TechnologyPage
from marketplace.audit.models import AuditEntry
from marketplace.curation.columns import COLUMNS
from marketplace.curation.services import catalogue_export, catalogue_import, catalogue_template
from marketplace.organisations.models import Organisation
from tests.factories import (
    DemandPageFactory,
    OrganisationFactory,
    TechnologyPageFactory,
    credit_code,
)

from .workbooks import build, demand_row, technology_row, verified_organisations

pytestmark = pytest.mark.django_db


def _state():
    return (
        DemandPage.objects.count(),
        TechnologyPage.objects.count(),
        Organisation.objects.count(),
        AuditEntry.objects.count(),
    )


def _errors(report):
    return [(e.row, e.column, e.message) for e in report.errors]


def test_good_file_imports_publishes_and_lists_on_demands(client, bureau_curator):
    verified_organisations("demand")
    report = catalogue_import(
        source=build("demand", [demand_row(n) for n in range(3)]),
        kind="demand",
        actor=bureau_curator,
        filename="d.xlsx",
    )
    assert report.committed and report.created == 3 and not report.errors
    page = DemandPage.objects.get(external_ref="JN-D-00001")
    assert page.live and page.status == "open" and page.live_revision_id
    assert page.organisation.is_verified and report.organisations_created == 0
    assert report.drafts == 0 and report.published == 3
    assert page.budget_min == 500_000 and page.budget_max == 1_205_000
    assert page.bid_deadline.date() == dt.date(2027, 6, 30)
    assert [i.name for i in page.indicators.all()] == ["焊后变形量", "焊缝合格率"]
    assert sorted(m.name for m in page.cooperation_modes.all()) == ["技术开发（合作）", "技术服务"]
    assert page.industry_chain.name == "生物医药与大健康"
    assert "<p>" in page.problem
    response = client.get("/demands/")
    assert response.status_code == 200
    assert page.title in response.content.decode()
    assert client.get(page.url).status_code == 200
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions == ["catalogue.import"]


def test_technology_file_imports(curator):
    verified_organisations("technology", orgs=20)
    report = catalogue_import(
        source=build("technology", [technology_row(n) for n in range(2)]),
        kind="technology",
        actor=curator,
    )
    assert report.committed and report.created == 2
    page = TechnologyPage.objects.get(external_ref="SD-T-00001")
    assert page.status == "published" and page.live and page.asking_price == 2_000_000
    assert page.organisation.kind == "university" and page.stage == "pilot" and page.trl == 6
    assert [ip.number for ip in page.ip_items.all()] == ["ZL202300000001.1"]


def test_missing_required_column_reports_and_changes_nothing(curator):
    headers = [c.label for c in COLUMNS["demand"] if c.header != "需求名称"]
    before = _state()
    report = catalogue_import(
        source=build("demand", [demand_row(1)], headers=headers), kind="demand", actor=curator
    )
    assert _errors(report) == [(1, "需求名称", "缺少必填列。")]
    assert not report.committed and _state() == before


def test_bad_cells_report_row_column_reason_and_change_nothing(curator):
    rows = [demand_row(n) for n in range(5)]
    rows[0]["预算下限（万元）"] = "五十"
    rows[1]["统一社会信用代码"] = credit_code(1)[:-1] + ("0" if credit_code(1)[-1] != "0" else "1")
    rows[2]["产业链"] = "火星采矿"
    rows[3]["外部编号"] = rows[4]["外部编号"]
    rows[4]["揭榜截止日期"] = "明年"
    before = _state()
    report = catalogue_import(source=build("demand", rows), kind="demand", actor=curator)
    assert _errors(report) == [
        (2, "预算下限（万元）", "应为以万元为单位的数字，例如 50 或 12.5。"),
        (3, "统一社会信用代码", "统一社会信用代码校验位不正确，请核对后重新输入。"),
        (4, "产业链", "“火星采矿”不是有效的产业链，请使用填写说明中列出的名称。"),
        (6, "揭榜截止日期", "日期格式不正确，应为 YYYY-MM-DD，例如 2026-06-30。"),
        (6, "外部编号", "外部编号“JN-D-00004”与第5行重复。"),
    ]
    assert not report.committed and _state() == before


def test_model_validation_errors_are_reported_and_roll_back_everything(curator):
    rows = [demand_row(n) for n in range(3)]
    rows[2]["预算下限（万元）"] = 500  # above the 120.5 maximum
    before = _state()
    report = catalogue_import(source=build("demand", rows), kind="demand", actor=curator)
    assert _errors(report) == [(4, "预算下限（万元）", "预算下限不能高于上限。")]
    assert _state() == before  # the organisations created for rows 2 and 3 are rolled back too


def test_required_cell_empty_and_wrong_type(curator):
    rows = [demand_row(1), demand_row(2)]
    rows[0]["需求名称"] = "  "
    rows[1]["拟择优揭榜方数量"] = 2.5
    report = catalogue_import(source=build("demand", rows), kind="demand", actor=curator)
    assert _errors(report) == [
        (2, "需求名称", "必填项不能为空。"),
        (3, "拟择优揭榜方数量", "应为整数。"),
    ]


def test_organisation_of_wrong_kind_is_rejected(curator):
    OrganisationFactory(kind=Organisation.Kind.UNIVERSITY, credit_code=credit_code(700_001))
    report = catalogue_import(source=build("demand", [demand_row(1)]), kind="demand", actor=curator)
    assert [(e.row, e.column) for e in report.errors] == [(2, "统一社会信用代码")]
    assert DemandPage.objects.count() == 0


def test_dry_run_changes_nothing(curator):
    before = _state()
    report = catalogue_import(
        source=build("demand", [demand_row(n) for n in range(4)]),
        kind="demand",
        actor=curator,
        dry_run=True,
    )
    assert report.ok and not report.committed and report.created == 4
    assert report.organisations_created == 4
    assert _state() == before


def test_partial_imports_valid_rows_only(curator):
    rows = [demand_row(n) for n in range(4)]
    rows[1]["产业链"] = "火星采矿"
    report = catalogue_import(
        source=build("demand", rows), kind="demand", actor=curator, partial=True
    )
    assert report.committed and report.created == 3 and len(report.errors) == 1
    assert not DemandPage.objects.filter(external_ref="JN-D-00001").exists()


def test_reimport_updates_in_place(curator):
    verified_organisations("demand")
    catalogue_import(
        source=build("demand", [demand_row(n) for n in range(3)]), kind="demand", actor=curator
    )
    ids = set(DemandPage.objects.values_list("pk", flat=True))
    rows = [demand_row(n) for n in range(3)]
    rows[1]["需求名称"] = "改过的需求名称"
    rows[1]["核心技术指标"] = "抗拉强度|≥800|MPa"
    rows[1]["合作方式"] = "技术咨询"
    report = catalogue_import(source=build("demand", rows), kind="demand", actor=curator)
    assert report.committed and report.created == 0 and report.updated == 3
    assert set(DemandPage.objects.values_list("pk", flat=True)) == ids
    page = DemandPage.objects.get(external_ref="JN-D-00001")
    assert page.title == "改过的需求名称" and page.status == "open" and page.live
    assert [i.name for i in page.indicators.all()] == ["抗拉强度"]
    assert [m.name for m in page.cooperation_modes.all()] == ["技术咨询"]
    assert page.revisions.count() == 2


def test_reimport_republishes_withdrawn_but_keeps_later_states(curator):
    verified_organisations("demand")
    catalogue_import(
        source=build("demand", [demand_row(n) for n in range(2)]), kind="demand", actor=curator
    )
    DemandPage.objects.filter(external_ref="JN-D-00000").update(status="withdrawn")
    DemandPage.objects.filter(external_ref="JN-D-00001").update(status="awarded")
    catalogue_import(
        source=build("demand", [demand_row(n) for n in range(2)]), kind="demand", actor=curator
    )
    assert DemandPage.objects.get(external_ref="JN-D-00000").status == "open"
    assert DemandPage.objects.get(external_ref="JN-D-00001").status == "awarded"


def test_export_reimports_cleanly_round_trip(curator):
    verified_organisations("demand")
    catalogue_import(
        source=build("demand", [demand_row(n) for n in range(3)]), kind="demand", actor=curator
    )
    listed = DemandPageFactory(title="工厂创建的需求", external_ref="")  # no external reference
    fields = (
        "title",
        "budget_min",
        "budget_max",
        "district",
        "industry_chain_id",
        "problem",
        "keywords",
    )

    def snapshot():
        # Deadlines travel as dates (the workbook's 揭榜截止日期 means the end of that day).
        return {
            p.pk: [getattr(p, f) for f in fields] + [timezone.localdate(p.bid_deadline)]
            for p in DemandPage.objects.all()
        }

    before = snapshot()
    data = catalogue_export(kind="demand", actor=curator)
    sheet = load_workbook(__import__("io").BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS["demand"]]
    report = catalogue_import(source=__import__("io").BytesIO(data), kind="demand", actor=curator)
    assert report.committed and report.created == 0 and report.updated == 4, report.errors
    assert snapshot() == before
    assert DemandPage.objects.get(pk=listed.pk).external_ref == f"JB-D-{listed.pk}"


def test_technology_round_trip(curator):
    TechnologyPageFactory(external_ref="T-1", price_kind="fixed", asking_price=1_234_567)
    data = catalogue_export(kind="technology", actor=curator)
    report = catalogue_import(
        source=__import__("io").BytesIO(data), kind="technology", actor=curator
    )
    assert report.committed and report.updated == 1, report.errors
    assert TechnologyPage.objects.get(external_ref="T-1").asking_price == 1_234_567


def test_template_has_headers_instructions_and_a_skipped_example(curator):
    for kind in ("demand", "technology"):
        workbook = load_workbook(__import__("io").BytesIO(catalogue_template(kind=kind)))
        data, instructions = workbook.worksheets
        assert [c.value for c in data[1]] == [c.label for c in COLUMNS[kind]]
        assert str(data["A2"].value).startswith("示例")
        text = "\n".join(str(c.value) for row in instructions.iter_rows() for c in row if c.value)
        assert "万元" in text and "YYYY-MM-DD" in text and "历城区" in text and "技术转让" in text
        report = catalogue_import(
            source=__import__("io").BytesIO(catalogue_template(kind=kind)), kind=kind
        )
        assert report.ok and report.rows == 0 and report.skipped_examples == 1


def test_command_imports_with_progress_and_fails_cleanly(tmp_path, curator, capsys):
    verified_organisations("demand")
    good = tmp_path / "good.xlsx"
    good.write_bytes(build("demand", [demand_row(n) for n in range(2)]).getvalue())
    call_command("import_catalogue", str(good), "--kind", "demand", "--dry-run")
    assert DemandPage.objects.count() == 0
    call_command("import_catalogue", str(good), "--kind", "demand", "--user", curator.email)
    assert DemandPage.objects.count() == 2
    bad = tmp_path / "bad.xlsx"
    rows = [demand_row(5)]
    rows[0]["产业链"] = "火星采矿"
    bad.write_bytes(build("demand", rows).getvalue())
    with pytest.raises(CommandError):
        call_command("import_catalogue", str(bad), "--kind", "demand")
    assert "第2行 [产业链]" in capsys.readouterr().err
    out = tmp_path / "out.xlsx"
    call_command("export_catalogue", "--kind", "demand", "--out", str(out))
    assert load_workbook(out).worksheets[0].max_row == 3


def test_two_thousand_rows_import(curator):
    verified_organisations("demand", orgs=100)
    report = catalogue_import(
        source=build("demand", [demand_row(n, orgs=100) for n in range(2000)]),
        kind="demand",
        actor=curator,
    )
    assert report.committed and report.created == 2000
    assert DemandPage.objects.live().filter(status="open").count() == 2000


def test_workbook_taken_in_english_reimports_in_chinese(curator):
    """Choice values are written in the workbook's language and read in any site language."""
    import io

    from django.utils import translation

    verified_organisations("demand")
    catalogue_import(
        source=build("demand", [demand_row(n) for n in range(2)]), kind="demand", actor=curator
    )
    before = sorted(DemandPage.objects.values_list("district", "status", "budget_kind"))
    with translation.override("en"):
        data = catalogue_export(kind="demand", actor=curator)
    cells = [c.value for row in load_workbook(io.BytesIO(data)).worksheets[0] for c in row]
    assert "历下区" in cells and "Lixia District" not in cells
    with translation.override("zh-hans"):
        report = catalogue_import(source=io.BytesIO(data), kind="demand", actor=curator)
    assert report.committed and report.updated == 2, report.errors
    assert sorted(DemandPage.objects.values_list("district", "status", "budget_kind")) == before
    # A workbook someone filled in with the English labels is read too.
    row = {**demand_row(9), "所在区县": "Licheng District"}
    with translation.override("zh-hans"):
        report = catalogue_import(source=build("demand", [row]), kind="demand", actor=curator)
    assert report.committed, report.errors
    assert DemandPage.objects.get(external_ref=row["外部编号"]).district == "370112"
