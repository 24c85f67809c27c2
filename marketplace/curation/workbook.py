"""Reading and writing catalogue workbooks (.xlsx) with openpyxl."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from io import BytesIO
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .columns import COLUMNS, DATE_NOTE, EXAMPLE_PREFIX, MONEY_NOTE, SHEET_TITLES, Column

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
EXAMPLE_FONT = Font(italic=True, color="808080")

EXAMPLES: dict[str, dict[str, Any]] = {
    "demand": {
        "external_ref": f"{EXAMPLE_PREFIX}-001",
        "title": "高温合金薄壁件激光焊接变形控制技术",
        "org_name": "济南精工装备有限公司",
        "credit_code": "91370100MA3C5X1J2Q",
        "district": "历城区",
        "industry_chain": "智能制造与高端装备",
        "technology_field": "先进制造与自动化",
        "keywords": "激光焊接、变形控制、高温合金",
        "problem": "我公司生产的高温合金薄壁件在激光焊接后变形超差，需要工艺优化方案。",
        "indicators": "焊后变形量|≤0.2|mm|第三方检测\n焊缝合格率|≥99|%|批量试制验证",
        "bid_deadline": dt.date(2026, 12, 31),
        "delivery_deadline": dt.date(2027, 12, 31),
        "ip_ownership": "按合同约定",
        "budget_kind": "预算区间",
        "budget_min": 50,
        "budget_max": 100,
        "cooperation_modes": "技术开发（合作）、技术服务",
        "winners_count": 1,
        "sealed_bids": "否",
        "contact_name": "张工",
        "contact_phone": "0531-88888888",
    },
    "technology": {
        "external_ref": f"{EXAMPLE_PREFIX}-001",
        "title": "高镍三元正极材料共沉淀制备技术",
        "org_name": "山东某某大学",
        "credit_code": "12370000MB0000000X",
        "org_kind": "高校",
        "district": "历下区",
        "technology_field": "新能源与节能",
        "industry_chain": "新能源汽车",
        "keywords": "锂离子电池、正极材料、共沉淀",
        "summary": "本成果提出一种高镍三元正极材料的共沉淀制备方法，循环寿命提升30%。",
        "attribute": "原始性创新",
        "level": "国内领先",
        "stage": "中试",
        "trl": 6,
        "ip_items": "发明专利|ZL202310000000.1|一种高镍正极材料的制备方法|已授权",
        "cooperation_modes": "技术转让、技术许可",
        "price_kind": "标价",
        "asking_price": 200,
        "team_lead": "李教授",
        "contact_name": "王老师",
        "contact_phone": "0531-86666666",
    },
}


def _write_header(sheet, columns: list[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.label)
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if column.required else Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"


def _write_row(sheet, row: int, values: Iterable[Any], font: Font | None = None) -> None:
    for index, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=index, value=value)
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        if font is not None:
            cell.font = font


def _instructions(workbook: Workbook, kind: str) -> None:
    sheet = workbook.create_sheet(_("填写说明"))
    sheet.append([_("列名"), _("是否必填"), _("填写说明"), _("可选值")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for column in COLUMNS[kind]:
        allowed = "、".join(column.allowed()) if column.allowed else ""
        sheet.append(
            [column.header, _("必填") if column.required else _("选填"), str(column.note), allowed]
        )
    sheet.append([])
    for line in (
        _("说明："),
        _("1. 第一行为列名，请勿修改或删除；数据从第二行起每行一条。带 * 的列必须填写。"),
        _("2. 金额一律以万元为单位（%(note)s）。") % {"note": MONEY_NOTE},
        _("3. %(note)s") % {"note": DATE_NOTE},
        _("4. “外部编号”在文件内不得重复；平台中已有相同编号的条目将被更新。"),
        _("5. 以“%(prefix)s”开头的外部编号为示例行，导入时跳过。") % {"prefix": EXAMPLE_PREFIX},
        _("6. 默认整批导入：任何一行有错则整批不导入，并列出全部错误（行号、列名、原因）。"),
    ):
        sheet.append([line])
    for letter, width in zip("ABCD", (22, 10, 70, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_template(kind: str) -> bytes:
    """The empty import template for one catalogue: headers, one example row, instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLES[kind]
    columns = COLUMNS[kind]
    _write_header(sheet, columns)
    example = EXAMPLES[kind]
    _write_row(sheet, 2, (example.get(column.field) for column in columns), font=EXAMPLE_FONT)
    _instructions(workbook, kind)
    return _save(workbook)


def build_export(kind: str, pages: Iterable[Any]) -> bytes:
    """A workbook in the template's layout holding the given listings (re-importable)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLES[kind])
    columns = COLUMNS[kind]
    sheet.append([column.label for column in columns])
    for page in pages:
        sheet.append([column.to_cell(page) for column in columns])
    return _save(workbook)


def build_table(title: str, headers: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A plain one-sheet workbook (bids, deals and other tables)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    return _save(workbook)


def read_rows(source: str | IO[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Yield (Excel row number, cell values) of the first sheet, header row included."""
    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()
