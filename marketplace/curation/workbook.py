"""Reading and writing catalogue workbooks (.xlsx) with openpyxl.

Exports escape text a spreadsheet would take for a formula (OWASP "CSV injection"):
a leading ``'`` is added, and import removes exactly that one character again, so
an export re-imports to the same text. Imports read untrusted files: the size,
the unzipped size of every part (zip bombs) and the number of rows are capped
before or while parsing, formula cells are reported instead of read as blanks,
and whatever openpyxl raises on a damaged file becomes one :class:`WorkbookError`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser

from .columns import COLUMNS, DATE_NOTE, EXAMPLE_PREFIX, MONEY_NOTE, SHEET_TITLES, Column

logger = logging.getLogger(__name__)

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
        _("7. 单元格请直接填写内容，不要使用公式；含公式的单元格会报错。"),
        _("8. 每个文件最多 %(rows)d 行数据、不超过 %(size)s；更多数据请分批导入。")
        % {
            "rows": settings.JIEBANG_IMPORT_MAX_ROWS,
            "size": filesizeformat(settings.JIEBANG_IMPORT_MAX_BYTES),
        },
        _("9. 新单位由导入创建后须经平台认证，认证通过前其项目保存为草稿，不公开。"),
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
        sheet.append([escape_formula(column.to_cell(page)) for column in columns])
    return _save(workbook)


def build_table(title: str, headers: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A plain one-sheet workbook (bids, deals and other tables)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([escape_formula(header) for header in headers])
    for row in rows:
        sheet.append([escape_formula(value) for value in row])
    return _save(workbook)


# ---------------------------------------------------------------------------
# Formula injection (OWASP CSV Injection): what export escapes and import unescapes

# Text starting with one of these is a formula (or DDE payload) to Excel, WPS or
# LibreOffice once the cell is edited or the sheet saved as CSV; the full-width forms
# are included because some spreadsheet input methods fold them to ASCII.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
ESCAPE = "'"


def escape_formula(value: Any) -> Any:
    """Text a spreadsheet could evaluate, prefixed with ``'``; anything else unchanged.

    Text already starting with ``'`` is prefixed too, so :func:`unescape_formula`
    can always remove exactly one apostrophe and give the original text back.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_TRIGGERS, ESCAPE)):
        return ESCAPE + value
    return value


def unescape_formula(value: str) -> str:
    """The text :func:`escape_formula` was given (one ``'`` removed where it added one)."""
    if value.startswith(ESCAPE) and value[1:].startswith((*FORMULA_TRIGGERS, ESCAPE)):
        return value[1:]
    return value


# ---------------------------------------------------------------------------
# Reading uploaded workbooks

EXCEL_MAX_ROWS = 1_048_576


class WorkbookError(ValidationError):
    """The file cannot be imported as a whole (not a workbook, damaged, too large)."""


@dataclass(frozen=True)
class FormulaCell:
    """A cell holding a formula (or an error value such as #N/A) instead of content."""

    text: str

    def __str__(self) -> str:
        return self.text


def _size(source: str | IO[bytes]) -> int:
    if isinstance(source, str):
        return os.path.getsize(source)
    position = source.seek(0, os.SEEK_END)
    source.seek(0)
    return position


def _not_a_workbook() -> WorkbookError:
    return WorkbookError(
        _(
            "文件不是有效的 .xlsx 工作簿，或已损坏。请用 Excel / WPS 打开后另存为 .xlsx（或使用导入模板）再导入。"
        ),
        code="unreadable",
    )


def check_workbook(source: str | IO[bytes]) -> None:
    """Refuse, before any parsing, a file that is empty, too large, not an xlsx or a zip bomb.

    The unzipped sizes come from the zip's directory; ``zipfile`` never inflates a
    part beyond its declared size (and fails the CRC check if the data goes on), so
    the declared total bounds what parsing can allocate.
    """
    size = _size(source)
    if size == 0:
        raise WorkbookError(_("文件是空的。"), code="empty")
    limit = settings.JIEBANG_IMPORT_MAX_BYTES
    if size > limit:
        raise WorkbookError(
            _("文件大小 %(size)s，超过导入上限 %(limit)s。请拆分为多个文件分批导入。")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _not_a_workbook() from None
    finally:
        if not isinstance(source, str):
            source.seek(0)
    if not any(part.filename == "[Content_Types].xml" for part in parts):
        raise _not_a_workbook()
    unzipped = sum(part.file_size for part in parts)
    limit = settings.JIEBANG_IMPORT_MAX_UNZIPPED_BYTES
    if unzipped > limit:
        raise WorkbookError(
            _("工作簿解压后有 %(size)s，超过上限 %(limit)s，不予读取。请拆分为多个文件分批导入。")
            % {"size": filesizeformat(unzipped), "limit": filesizeformat(limit)},
            code="too_large",
        )


def _cell_value(cell: dict[str, Any]) -> Any:
    value, data_type = cell["value"], cell["data_type"]
    if data_type in ("f", "e"):
        # Array and data-table formulas are objects carrying their text.
        return FormulaCell(str(getattr(value, "text", value)))
    if isinstance(value, str):
        return unescape_formula(value)
    return value


def _values(cells: list[dict[str, Any]], width: int | None) -> tuple[Any, ...]:
    """A row's values by column, up to ``width`` (or its last cell)."""
    if width is None:
        width = max((cell["column"] for cell in cells), default=0)
    values: list[Any] = [None] * width
    for cell in cells:
        if cell["column"] <= width:
            values[cell["column"] - 1] = _cell_value(cell)
    return tuple(values)


class SheetReader:
    """The first sheet of an uploaded workbook, parsed once, row by row, as it streams.

    openpyxl's read-only worksheet is not used because it parses the whole sheet at
    open when the ``<dimension>`` element is missing (openpyxl's own write-only files),
    trusts that element when present (rows beyond it were silently dropped) and pads
    gaps row by row (``<row r="1000000">`` is a million empty rows). Its sheet parser
    is used directly instead: only rows that exist are seen, and reading stops
    wherever the caller stops. Whatever openpyxl raises on a damaged file
    (``BadZipFile``, ``KeyError``, ``xml.etree.ElementTree.ParseError``, ``TypeError``
    ...) becomes :class:`WorkbookError`, and only there, so a bug in our own parsing
    still shows as one.
    """

    def __init__(self, source: str | IO[bytes]) -> None:
        self._file = open(source, "rb") if isinstance(source, str) else None
        self._reader: ExcelReader | None = None
        try:
            self._rows = self._parse(self._file or source)
            self._first = next(self._rows, None)
        except Exception as exc:
            self.close()
            raise self._unreadable(exc) from exc

    def _parse(self, source: IO[bytes]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        self._reader = reader = ExcelReader(source, read_only=True, data_only=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # which number formats are dates
        with reader.archive.open(self._first_sheet(reader)) as sheet:
            workbook = reader.wb
            # data_only=False: a formula is seen as one, not read as its (often
            # missing) cached value, which used to blank fields silently.
            parser = WorkSheetParser(
                sheet,
                reader.shared_strings,
                data_only=False,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            yield from parser.parse()

    @staticmethod
    def _first_sheet(reader: ExcelReader) -> str:
        for _sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                return rel.target
        raise KeyError("no worksheet")

    @staticmethod
    def _unreadable(exc: BaseException) -> WorkbookError:
        logger.info("unreadable workbook: %r", exc)
        return _not_a_workbook()

    def header(self) -> tuple[Any, ...]:
        """The values of row 1 (empty if the sheet has no row 1)."""
        if self._first is None or self._first[0] != 1:
            return ()
        return _values(self._first[1], None)

    def rows(self, width: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(Excel row number, the first ``width`` values) of each row after row 1."""
        if self._first is not None and self._first[0] != 1:
            yield self._row(*self._first, width)
        while True:
            try:
                found = next(self._rows, None)
            except Exception as exc:
                raise self._unreadable(exc) from exc
            if found is None:
                return
            yield self._row(*found, width)

    @staticmethod
    def _row(number: int, cells: list[dict[str, Any]], width: int) -> tuple[int, tuple]:
        if not 1 <= number <= EXCEL_MAX_ROWS:
            raise _not_a_workbook()
        return number, _values(cells, width)

    def close(self) -> None:
        if hasattr(self, "_rows"):
            self._rows.close()
        if self._reader is not None and hasattr(self._reader, "archive"):
            self._reader.archive.close()
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
