"""Catalogue import: read a workbook, validate every row, then write all of it or none.

Three passes keep a failed import from touching anything: (1) parse every cell
and report (row, column, reason); (2) inside one transaction, create
organisations and save each listing under a savepoint so model validation errors
are reported the same way; (3) only when nothing failed, publish every listing.
Publishing fires Wagtail's ``page_published``, which is what the search index
listens to, so the index only ever sees listings that are committed with it.

An import never vouches for an organisation: new ones are created pending and
join the curators' verification queue, and listings of any organisation that is
not verified are saved as drafts, never published (docs/curation.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Locale

from cms import lifecycle
from cms.lifecycle import Transition
from marketplace.audit.services import audit_record
from marketplace.organisations.models import Organisation
from marketplace.organisations.selectors import organisation_duplicates

from .bulk import create_draft_pages, publish_new_pages
from .columns import (
    COLUMNS,
    EXAMPLE_PREFIX,
    ORG_KINDS,
    CellError,
    Column,
    Lookups,
    normalise_header,
)
from .workbook import FormulaCell, SheetReader, WorkbookError, check_workbook

Progress = Callable[..., Iterable]
GENERATED_REF = {"demand": re.compile(r"^JB-D-(\d+)$"), "technology": re.compile(r"^JB-T-(\d+)$")}
WHOLE_ROW = ""


def generated_ref(kind: str, page_id: int) -> str:
    """The reference export writes for a listing that has none, so it re-imports in place."""
    return f"JB-{'D' if kind == 'demand' else 'T'}-{page_id}"


@dataclass(frozen=True)
class RowError:
    """One problem: Excel row number, column header and the reason, in Chinese."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("第%(row)d行 [%(column)s] %(message)s") % {
            "row": self.row,
            "column": self.column or _("整行"),
            "message": self.message,
        }


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    page: Any = None
    created: bool = False
    # False when the listing's organisation is not verified: saved as a draft only.
    publish: bool = True


@dataclass(frozen=True)
class NewOrganisation:
    """An organisation the import creates, pending, with what it may duplicate."""

    name: str
    credit_code: str
    row: int
    duplicates: tuple = ()


@dataclass(frozen=True)
class PlannedRow:
    """One listing the import creates or updates (a dry run: would create or update)."""

    row: int
    external_ref: str
    title: str
    created: bool
    draft: bool


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a failure, would have done)."""

    kind: str
    dry_run: bool = False
    partial: bool = False
    rows: int = 0
    valid_rows: int = 0
    created: int = 0
    updated: int = 0
    # Of created + updated: listings saved unpublished because their organisation
    # is not verified.
    drafts: int = 0
    skipped_examples: int = 0
    organisations_created: int = 0
    new_organisations: list[NewOrganisation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    planned: list[PlannedRow] = field(default_factory=list)
    committed: bool = False
    sha256: str = ""
    filename: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def published(self) -> int:
        return self.created + self.updated - self.drafts

    @property
    def shown_errors(self) -> list[RowError]:
        """The first errors, as many as the page and the command list."""
        return self.errors[: settings.JIEBANG_IMPORT_MAX_ERRORS_SHOWN]

    @property
    def hidden_errors(self) -> int:
        return max(len(self.errors) - settings.JIEBANG_IMPORT_MAX_ERRORS_SHOWN, 0)

    @property
    def shown_warnings(self) -> list[str]:
        return self.warnings[: settings.JIEBANG_IMPORT_MAX_ERRORS_SHOWN]

    @property
    def hidden_warnings(self) -> int:
        return max(len(self.warnings) - settings.JIEBANG_IMPORT_MAX_ERRORS_SHOWN, 0)

    @property
    def shown_planned(self) -> list[PlannedRow]:
        return self.planned[: settings.JIEBANG_IMPORT_MAX_ERRORS_SHOWN]

    @property
    def hidden_planned(self) -> int:
        return max(len(self.planned) - settings.JIEBANG_IMPORT_MAX_ERRORS_SHOWN, 0)

    @property
    def may_confirm(self) -> bool:
        """Whether importing this dry run's file would write anything, as it was asked to.

        All-or-nothing: only without errors. ``partial``: when at least one row is valid
        (the page says how many rows would be skipped).
        """
        if not self.dry_run or not self.valid_rows:
            return False
        return self.partial or self.ok

    @property
    def flagged_organisations(self) -> int:
        return sum(1 for organisation in self.new_organisations if organisation.duplicates)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.filename,
            "sha256": self.sha256,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "drafts": self.drafts,
            "errors": len(self.errors),
            "error_rows": self.error_rows,
            "organisations_created": self.organisations_created,
            "organisations_flagged": self.flagged_organisations,
            "partial": self.partial,
            "dry_run": self.dry_run,
        }


def _no_progress(iterable: Iterable, **kwargs: Any) -> Iterable:
    return iterable


# ---------------------------------------------------------------------------
# Pass 1: cells


def _header_map(header: tuple, columns: list[Column], report: ImportReport) -> dict[int, Column]:
    by_name = {column.header: column for column in columns}
    found: dict[int, Column] = {}
    seen: set[str] = set()
    for index, value in enumerate(header):
        name = normalise_header(value)
        if not name:
            continue
        column = by_name.get(name)
        if column is None:
            report.warnings.append(_("忽略未知列“%(name)s”。") % {"name": str(value).strip()})
        elif name in seen:
            report.errors.append(RowError(1, column.header, _("列名重复。")))
        else:
            seen.add(name)
            found[index] = column
    for column in columns:
        if column.required and column.header not in seen:
            report.errors.append(RowError(1, column.header, _("缺少必填列。")))
    return found


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _formula_error(number: int, column: Column, cell: FormulaCell) -> RowError:
    return RowError(
        number,
        column.header,
        _(
            "单元格是公式或错误值（%(formula)s），导入只读取直接填写的内容：请复制该列后“选择性粘贴→数值”，保存后再导入。"
        )
        % {"formula": cell.text[:50]},
    )


def _parse_row(
    number: int, cells: tuple, header: dict[int, Column], lookups: Lookups, report: ImportReport
) -> ParsedRow | None:
    values: dict[str, Any] = {}
    ok = True
    for index, column in header.items():
        value = cells[index] if index < len(cells) else None
        if isinstance(value, FormulaCell):
            report.errors.append(_formula_error(number, column, value))
            ok = False
            continue
        if _is_empty(value):
            if column.required:
                report.errors.append(RowError(number, column.header, _("必填项不能为空。")))
                ok = False
            values[column.field] = (
                list(column.empty) if isinstance(column.empty, list) else column.empty
            )
            continue
        try:
            values[column.field] = column.parse(value, lookups)
        except CellError as exc:
            report.errors.append(RowError(number, column.header, str(exc)))
            ok = False
    return ParsedRow(number, values) if ok else None


def _too_many_rows(number: int) -> WorkbookError:
    return WorkbookError(
        _(
            "工作簿的数据超过 %(max)d 行的导入上限（读到第 %(row)d 行时停止），未导入任何数据。请拆分为多个文件分批导入。"
        )
        % {"max": settings.JIEBANG_IMPORT_MAX_ROWS, "row": number},
        code="too_many_rows",
    )


def parse_workbook(source: str | IO[bytes], kind: str, report: ImportReport) -> list[ParsedRow]:
    """Pass 1: every row's cells, with every error recorded on the report.

    Raises :class:`WorkbookError` for a file that cannot be read or has more data
    rows than ``JIEBANG_IMPORT_MAX_ROWS`` (reading stops at the first row too many).
    """
    with SheetReader(source) as sheet:
        header_cells = sheet.header()
        if all(_is_empty(value) for value in header_cells):
            report.errors.append(RowError(1, WHOLE_ROW, _("文件为空，没有找到列名行。")))
            return []
        header = _header_map(header_cells, COLUMNS[kind], report)
        if report.errors:
            return []
        # Columns right of the last known one are never read (a row may declare 16,384).
        return _parse_rows(sheet.rows(max(header) + 1), header, report)


def _parse_rows(rows: Iterable, header: dict[int, Column], report: ImportReport) -> list[ParsedRow]:
    lookups = Lookups()
    parsed: list[ParsedRow] = []
    first_seen: dict[str, int] = {}
    ref_index = next(index for index, column in header.items() if column.field == "external_ref")
    for number, cells in rows:
        if all(_is_empty(value) for value in cells):
            continue
        ref = cells[ref_index] if ref_index < len(cells) else None
        ref = "" if ref is None or isinstance(ref, FormulaCell) else str(ref).strip()
        if ref.startswith(EXAMPLE_PREFIX):
            report.skipped_examples += 1
            continue
        report.rows += 1
        if report.rows > settings.JIEBANG_IMPORT_MAX_ROWS:
            raise _too_many_rows(number)
        row = _parse_row(number, cells, header, lookups, report)
        if ref and ref in first_seen:
            report.errors.append(
                RowError(
                    number,
                    "外部编号",
                    _("外部编号“%(ref)s”与第%(row)d行重复。")
                    % {"ref": ref, "row": first_seen[ref]},
                )
            )
            continue
        if ref:
            first_seen[ref] = number
        if row is not None:
            parsed.append(row)
    return parsed


# ---------------------------------------------------------------------------
# Pass 2: organisations and listings (inside the caller's transaction)


@dataclass
class _Context:
    kind: str
    actor: Any
    report: ImportReport
    parent: Any
    progress: Progress
    organisations: dict[str, Organisation] = field(default_factory=dict)
    existing: dict[str, Any] = field(default_factory=dict)
    slugs: set[str] = field(default_factory=set)
    locale: Any = None


def _resolve_existing(ctx: _Context, rows: list[ParsedRow]) -> None:
    model = lifecycle.listing_model(ctx.kind)
    refs = {row.values["external_ref"] for row in rows}
    for page in model.objects.filter(external_ref__in=refs).order_by("pk"):
        ctx.existing.setdefault(page.external_ref, page)
    ids = {
        int(m.group(1)): ref
        for ref in refs - set(ctx.existing)
        if (m := GENERATED_REF[ctx.kind].match(ref))
    }
    for page in model.objects.filter(pk__in=ids, external_ref=""):
        ctx.existing[ids[page.pk]] = page
    codes = {row.values["credit_code"] for row in rows}
    ctx.organisations = {
        org.credit_code: org for org in Organisation.objects.filter(credit_code__in=codes)
    }


def _check_organisation_kinds(ctx: _Context, rows: list[ParsedRow]) -> list[ParsedRow]:
    good = []
    for row in rows:
        org = ctx.organisations.get(row.values["credit_code"])
        if org is not None and org.kind not in ORG_KINDS[ctx.kind]:
            ctx.report.errors.append(
                RowError(
                    row.number,
                    "统一社会信用代码",
                    _("该信用代码属于“%(name)s”（%(kind)s），不能在本目录发布。")
                    % {"name": org.name, "kind": org.get_kind_display()},
                )
            )
        else:
            good.append(row)
    return good


ORGANISATION_HEADERS = {
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "联系邮箱",
    "district": "所在区县",
}


def _new_organisations(ctx: _Context, rows: list[ParsedRow]) -> dict[str, ParsedRow]:
    """The first row of each credit code not yet on the platform (later rows may differ)."""
    new: dict[str, ParsedRow] = {}
    for row in rows:
        code = row.values["credit_code"]
        if code in ctx.organisations:
            continue
        first = new.setdefault(code, row)
        if first.values["org_name"] != row.values["org_name"]:
            ctx.report.warnings.append(
                _(
                    "第%(row)d行：信用代码 %(code)s 的单位名称与第%(first)d行不同，以第%(first)d行为准。"
                )
                % {"row": row.number, "code": code, "first": first.number}
            )
    return new


def _create_organisations(ctx: _Context, rows: list[ParsedRow]) -> None:
    """Create unknown organisations pending: a workbook row is no proof of who they are."""
    created: list[tuple[Organisation, ParsedRow]] = []
    for code, row in _new_organisations(ctx, rows).items():
        values = row.values
        org = Organisation(
            kind=values.get("org_kind") or next(iter(ORG_KINDS[ctx.kind])),
            name=values["org_name"],
            credit_code=code,
            district=values["district"],
            contact_name=values.get("contact_name", ""),
            contact_phone=values.get("contact_phone", ""),
            contact_email=values.get("contact_email", ""),
            verification=Organisation.Verification.PENDING,
        )
        try:
            org.full_clean()
        except ValidationError as exc:
            who = "需求单位" if ctx.kind == "demand" else "完成单位"
            _record_validation(ctx, row, exc, {"name": who, **ORGANISATION_HEADERS})
            continue
        org.save()
        ctx.organisations[code] = org
        created.append((org, row))
    _flag_new_organisations(ctx, created)


def _flag_new_organisations(ctx: _Context, created: list[tuple[Organisation, ParsedRow]]) -> None:
    """Report each new organisation with its possible duplicates and audit-log its creation.

    The flags are the verification queue's own (same 组织机构代码 or a similar name,
    rejected organisations included), computed once for all new organisations.
    """
    duplicates = organisation_duplicates([org for org, _row in created])
    for org, row in created:
        found = tuple(duplicates.get(org.pk, ()))
        ctx.report.new_organisations.append(
            NewOrganisation(org.name, org.credit_code, row.number, found)
        )
        audit_record(
            actor=_user(ctx.actor),
            action="organisation.import_created",
            obj=org,
            note=_("通过目录导入创建，待审核。"),
            details={
                "file": ctx.report.filename,
                "row": row.number,
                "possible_duplicates": [
                    {"id": d.pk, "name": d.name, "reason": d.reason, "verification": d.verification}
                    for d in found
                ],
            },
        )
    ctx.report.organisations_created = len(created)


def _warn_unverified(ctx: _Context, rows: list[ParsedRow]) -> None:
    """One warning per organisation already on the platform whose listings stay drafts."""
    seen = {new.credit_code for new in ctx.report.new_organisations}
    for row in rows:
        org = ctx.organisations.get(row.values["credit_code"])
        if org is None or org.is_verified or org.credit_code in seen:
            continue
        seen.add(org.credit_code)
        ctx.report.warnings.append(
            _("单位“%(name)s”（%(code)s）%(state)s：其项目保存为草稿，不发布。")
            % {"name": org.name, "code": org.credit_code, "state": org.get_verification_display()}
        )


def _record_validation(
    ctx: _Context, row: ParsedRow, exc: ValidationError, headers: dict[str, str]
) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {WHOLE_ROW: exc.messages}
    for name, messages in errors.items():
        column = headers.get(name, WHOLE_ROW if name in ("__all__", WHOLE_ROW) else name)
        for message in messages:
            ctx.report.errors.append(RowError(row.number, column, message))


def _unique_slug(ctx: _Context, ref: str) -> str:
    base = slugify(ref, allow_unicode=True)[:60] or ctx.kind
    slug, n = base, 1
    while slug in ctx.slugs:
        n += 1
        slug = f"{base}-{n}"
    ctx.slugs.add(slug)
    return slug


def _apply(page: Any, values: dict[str, Any], columns: list[Column]) -> None:
    for column in columns:
        # Columns absent from the workbook leave the listing's current value alone.
        if column.target == "organisation" or column.field not in values:
            continue
        setattr(page, column.field, values[column.field])


# Foreign keys point at rows this import just looked up; checking each again costs a query.
TRUSTED_FIELDS = [
    "organisation",
    "industry_chain",
    "technology_field",
    "owner",
    "locale",
    "content_type",
    "live_revision",
    "latest_revision",
    "locked_by",
    "alias_of",
    "page_ptr",
]


def _no_check() -> None:
    return None


def _new_page(ctx: _Context, values: dict[str, Any], organisation: Organisation) -> Any:
    model = lifecycle.listing_model(ctx.kind)
    page = model(
        owner=ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None,
        slug=_unique_slug(ctx, values["external_ref"]),
        live=False,
        locale=ctx.locale,
        status=lifecycle.initial_status(ctx.kind, published=organisation.is_verified),
        organisation=organisation,
    )
    _apply(page, values, COLUMNS[ctx.kind])
    # A provisional place in the tree so Wagtail's validation can find the parent;
    # bulk.publish_new_pages assigns the real paths.
    page.depth = ctx.parent.depth + 1
    page.path = ctx.parent.path + "0000"
    page._cached_parent_obj = ctx.parent
    # Slugs are made unique against the parent's children loaded once (ctx.slugs), so
    # Wagtail's per-page query for the same check is skipped.
    page._check_slug_is_unique = _no_check
    page.full_clean(exclude=TRUSTED_FIELDS, validate_unique=False, validate_constraints=False)
    return page


def _prepare_row(ctx: _Context, row: ParsedRow) -> bool:
    """Build (new) or change in memory (existing) one listing and validate it like a save would."""
    values = row.values
    organisation = ctx.organisations.get(values["credit_code"])
    if organisation is None:
        return False  # its organisation failed validation; the error is already reported
    page = ctx.existing.get(values["external_ref"])
    row.publish = organisation.is_verified
    if page is not None and not _may_move(page, organisation):
        ctx.report.errors.append(
            RowError(
                row.number,
                "统一社会信用代码",
                _(
                    "该项目已公开，不能改由尚未认证的单位“%(name)s”发布；请先在“单位认证”中审核该单位。"
                )
                % {"name": organisation.name},
            )
        )
        return False
    try:
        if page is None:
            page = _new_page(ctx, values, organisation)
            row.created = True
        else:
            page.organisation = organisation
            _apply(page, values, COLUMNS[ctx.kind])
            page.full_clean(exclude=TRUSTED_FIELDS)
    except ValidationError as exc:
        headers = {column.field: column.header for column in COLUMNS[ctx.kind]}
        headers.update({"slug": "外部编号", "organisation": "统一社会信用代码"})
        _record_validation(ctx, row, exc, headers)
        return False
    row.page = page
    return True


def _may_move(page: Any, organisation: Organisation) -> bool:
    """A live listing changes hands only to a verified organisation (a draft could not say so)."""
    return organisation.is_verified or not page.live or page.organisation_id == organisation.pk


def _insert_new(ctx: _Context, rows: list[ParsedRow], insert: Callable[..., Any]) -> None:
    insert(
        parent=ctx.parent,
        pages=[row.page for row in rows],
        user=_user(ctx.actor),
        progress=ctx.progress,
        m2m={i: _related(row, "m2m", ctx.kind) for i, row in enumerate(rows)},
        children={i: _related(row, "children", ctx.kind) for i, row in enumerate(rows)},
    )


def _publish(ctx: _Context, rows: list[ParsedRow]) -> None:
    model = lifecycle.listing_model(ctx.kind)
    new = [row for row in rows if row.created]
    updated = [row for row in rows if not row.created]
    _insert_new(ctx, [row for row in new if row.publish], publish_new_pages)
    _insert_new(ctx, [row for row in new if not row.publish], create_draft_pages)
    # Page-wide fields live only on the page row, so they change by update, not by revision.
    for row in updated:
        model.objects.filter(pk=row.page.pk).update(
            organisation=row.page.organisation, external_ref=row.values["external_ref"]
        )
    for row in ctx.progress(updated, desc=_("更新"), unit=_("条")):
        if row.publish:
            # Back to open / published when not public (withdrawn too); awarded etc. stay.
            lifecycle.move(row.page, Transition.REPUBLISH, strict=False)
        revision = row.page.save_revision(user=_user(ctx.actor), clean=False)
        if row.publish:
            revision.publish(user=_user(ctx.actor))
    _count(ctx.report, rows)


def _count(report: ImportReport, rows: list[ParsedRow]) -> None:
    report.created = sum(1 for row in rows if row.created)
    report.updated = len(rows) - report.created
    report.drafts = sum(1 for row in rows if not row.publish)


def _related(row: ParsedRow, target: str, kind: str) -> dict[str, list]:
    return {
        column.field: row.values[column.field]
        for column in COLUMNS[kind]
        if column.target == target and column.field in row.values
    }


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# ---------------------------------------------------------------------------
# The whole import


def import_rows(ctx: _Context, rows: list[ParsedRow]) -> list[ParsedRow]:
    """Pass 2: organisations, then each listing under its own savepoint; returns rows saved."""
    _resolve_existing(ctx, rows)
    rows = _check_organisation_kinds(ctx, rows)
    _create_organisations(ctx, rows)
    _warn_unverified(ctx, rows)
    ctx.slugs = set(ctx.parent.get_children().values_list("slug", flat=True))
    ctx.locale = Locale.get_default()
    saved = []
    for row in ctx.progress(rows, desc=_("校验"), unit=_("条")):
        if _prepare_row(ctx, row):
            saved.append(row)
    return saved


class _Rollback(Exception):
    pass


def run_import(
    *,
    source: str | IO[bytes],
    kind: str,
    actor: Any = None,
    dry_run: bool = False,
    partial: bool = False,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Validate and import one workbook; see the module docstring for the passes."""
    report = ImportReport(kind=kind, dry_run=dry_run, partial=partial, filename=filename)
    check_workbook(source)
    report.sha256 = _digest(source)
    rows = parse_workbook(source, kind, report)
    if not rows:
        return report
    ctx = _Context(
        kind=kind,
        actor=actor,
        report=report,
        parent=lifecycle.index_model(kind).objects.get(),
        progress=progress or _no_progress,
    )
    try:
        with transaction.atomic():
            saved = import_rows(ctx, rows)
            report.valid_rows = len(saved)
            report.planned = [_planned(row) for row in saved]
            if dry_run:
                _count(report, saved)
            if dry_run or (report.errors and not partial):
                raise _Rollback
            _publish(ctx, saved)
            audit_record(
                actor=actor,
                action="catalogue.import",
                obj=None,
                note=_("导入%(file)s") % {"file": filename},
                details=report.summary(),
            )
            report.committed = True
    except _Rollback:
        if not dry_run:
            report.organisations_created = 0
            report.new_organisations = []
            report.planned = []
    report.errors.sort(key=lambda error: error.row)
    return report


def _planned(row: ParsedRow) -> PlannedRow:
    return PlannedRow(
        row=row.number,
        external_ref=row.values["external_ref"],
        title=row.page.title,
        created=row.created,
        draft=not row.publish,
    )


def _digest(source: str | IO[bytes]) -> str:
    if isinstance(source, str):
        with open(source, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    position = source.tell()
    digest = hashlib.sha256(source.read()).hexdigest()
    source.seek(position)
    return digest
