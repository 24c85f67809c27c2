"""Curation writes: importing / exporting catalogue workbooks."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import lifecycle
from cms.lifecycle import LISTING_KINDS
from marketplace.audit.services import audit_record
from marketplace.organisations.permissions import is_curator

from .columns import listing_ref
from .importing import ImportReport, Progress, run_import
from .models import ImportUpload
from .workbook import build_export, build_table, build_template


def catalogue_import(
    *,
    source: str | IO[bytes],
    kind: str,
    actor: Any = None,
    dry_run: bool = False,
    partial: bool = False,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import a catalogue workbook: all rows or none (``partial`` keeps the valid ones)."""
    if kind not in LISTING_KINDS:
        raise ValueError(f"unknown catalogue kind {kind!r}")
    return run_import(
        source=source,
        kind=kind,
        actor=actor,
        dry_run=dry_run,
        partial=partial,
        filename=filename,
        progress=progress,
    )


# ---------------------------------------------------------------------------
# The admin import: a dry run of the upload, then 确认导入 of that same file

# How long a dry run's file waits for its 确认导入.
IMPORT_CONFIRM_TTL = dt.timedelta(days=1)
# Rows of used or expired uploads are kept this long (a late click still gets a clear
# message, not a 404); their files are deleted as soon as they are used or expire.
IMPORT_UPLOAD_KEEP = dt.timedelta(days=30)


class ImportConfirmError(ValidationError):
    """The kept upload cannot be imported (already imported, expired or changed); nothing was written."""


def catalogue_import_stage(
    *, actor: Any, upload: UploadedFile, kind: str, partial: bool = False
) -> tuple[ImportReport, ImportUpload | None]:
    """Dry-run an uploaded workbook; when it may be imported, keep it for the curator's 确认导入.

    Returns the dry run's report and the kept upload (None when the report offers no
    confirmation: errors, or no valid row). Nothing but the kept upload is written.
    """
    if not is_curator(actor):
        raise PermissionDenied
    report = catalogue_import(
        source=upload.file,
        kind=kind,
        actor=actor,
        dry_run=True,
        partial=partial,
        filename=upload.name,
    )
    import_uploads_purge()
    if not report.may_confirm:
        return report, None
    upload.seek(0)
    staged = ImportUpload(
        token=secrets.token_urlsafe(32),
        user=actor,
        kind=kind,
        partial=partial,
        filename=upload.name[:255],
        size=upload.size,
        sha256=report.sha256,
        expires_at=timezone.now() + IMPORT_CONFIRM_TTL,
    )
    staged.file.save("import.xlsx", upload, save=False)
    staged.full_clean()
    staged.save()
    return report, staged


def catalogue_import_confirm(*, actor: Any, upload: ImportUpload) -> ImportReport:
    """Import the very file a dry run checked, once, for the curator who uploaded it.

    Refused with :class:`ImportConfirmError` (nothing written) when it was imported
    already, has expired, or the kept file no longer matches the dry run's checksum;
    ``PermissionDenied`` for anyone but the uploader.
    """
    with transaction.atomic():
        upload = ImportUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.user_id != getattr(actor, "pk", None) or not is_curator(actor):
            raise PermissionDenied
        data = _confirmable_file(upload)
        report = catalogue_import(
            source=io.BytesIO(data),
            kind=upload.kind,
            actor=actor,
            partial=upload.partial,
            filename=upload.filename,
        )
        if report.committed:
            upload.imported_at = timezone.now()
            upload.save(update_fields=["imported_at"])
            name = upload.file.name
            transaction.on_commit(lambda: _delete_file(upload, name))
    return report


def _confirmable_file(upload: ImportUpload) -> bytes:
    if upload.imported_at is not None:
        raise ImportConfirmError(
            _("该文件已于 %(time)s 导入，不会重复导入。")
            % {"time": timezone.localtime(upload.imported_at).strftime("%Y-%m-%d %H:%M")},
            code="imported",
        )
    if upload.expires_at <= timezone.now() or not upload.file:
        raise ImportConfirmError(
            _(
                "校验结果已过期（校验后 %(hours)d 小时内可以确认导入），未导入任何数据。请重新上传并校验。"
            )
            % {"hours": int(IMPORT_CONFIRM_TTL.total_seconds() // 3600)},
            code="expired",
        )
    try:
        with upload.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        data = b""
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        raise ImportConfirmError(
            _("服务器上保存的文件与校验时的不一致，未导入任何数据。请重新上传并校验。"),
            code="changed",
        )
    return data


def _delete_file(upload: ImportUpload, name: str) -> None:
    if name:
        upload.file.storage.delete(name)
    ImportUpload.objects.filter(pk=upload.pk).update(file="")


def import_uploads_purge(*, now: dt.datetime | None = None) -> None:
    """Delete the files of expired uploads, and the rows of long-expired ones."""
    now = now or timezone.now()
    for upload in ImportUpload.objects.filter(expires_at__lte=now).exclude(file=""):
        _delete_file(upload, upload.file.name)
    ImportUpload.objects.filter(expires_at__lte=now - IMPORT_UPLOAD_KEEP).delete()


def catalogue_template(*, kind: str) -> bytes:
    """The import template workbook for one catalogue."""
    return build_template(kind)


EXPORT_KINDS = ("demand", "technology", "bids", "deals")


def catalogue_export(*, kind: str, actor: Any = None) -> bytes:
    """Export one catalogue (template layout, re-importable) or the bids / deals table."""
    if kind in LISTING_KINDS:
        data = build_export(kind, listing_export_queryset(kind=kind))
    elif kind == "bids":
        data = build_table(_("揭榜"), BID_HEADERS, (_bid_row(bid) for bid in bid_export_queryset()))
    elif kind == "deals":
        data = build_table(
            _("成交"), DEAL_HEADERS, (_deal_row(deal) for deal in deal_export_queryset())
        )
    else:
        raise ValueError(f"unknown export kind {kind!r}")
    audit_record(
        actor=actor, action="catalogue.export", obj=None, note=kind, details={"kind": kind}
    )
    return data


def listing_export_queryset(*, kind: str) -> QuerySet:
    """Live listings of one catalogue with everything the export reads fetched up front."""
    children = "indicators" if kind == "demand" else "ip_items"
    return (
        lifecycle.listing_model(kind)
        .objects.live()
        .select_related("organisation", "industry_chain", "technology_field")
        .prefetch_related("cooperation_modes", children)
        .order_by("path")
    )


def bid_export_queryset() -> QuerySet:
    from marketplace.bidding.models import Bid, BidStatus

    return (
        Bid.objects.exclude(status=BidStatus.DRAFT)
        .select_related("organisation", "demand__organisation", "technology__organisation")
        .order_by("pk")
    )


def deal_export_queryset() -> QuerySet:
    """The deals export: every row of the deal ledger (bid and match deals, cancelled ones
    with their status), with parties, contract and the total received."""
    from marketplace.bidding.selectors import deal_ledger

    return deal_ledger(counted_only=False).order_by("pk")


BID_HEADERS = [
    "揭榜编号",
    "类型",
    "项目外部编号",
    "项目名称",
    "项目单位",
    "揭榜单位",
    "揭榜单位统一社会信用代码",
    "状态",
    "报价（万元）",
    "提交时间",
    "决定时间",
    "未中榜原因",
]
DEAL_HEADERS = [
    "成交编号",
    "来源",
    "项目外部编号",
    "项目名称",
    "买方",
    "卖方",
    "成交金额（万元）",
    "到账金额（万元）",
    "成交日期",
    "签约日期",
    "合同编号",
    "状态",
    "备注",
]


def _wan(yuan: int | None) -> Any:
    """万元 for the exports: the dashboard's one helper."""
    from .dashboard import wan

    return wan(yuan)


def _naive(value: Any) -> Any:
    # Excel cells carry no time zone: write the local wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _bid_row(bid) -> list[Any]:
    listing = bid.listing
    return [
        bid.pk,
        str(bid.get_kind_display()),
        listing_ref(listing),
        listing.title,
        listing.organisation.name,
        bid.organisation.name,
        bid.organisation.credit_code,
        str(bid.get_status_display()),
        _wan(bid.price),
        _naive(bid.submitted_at),
        _naive(bid.decided_at),
        str(bid.get_decline_reason_display()) if bid.decline_reason else "",
    ]


def _deal_row(deal) -> list[Any]:
    listing = deal.demand or deal.technology
    contract = getattr(deal, "contract", None) if hasattr(deal, "contract") else None
    return [
        deal.pk,
        str(deal.get_source_display()),
        listing_ref(listing) if listing else "",
        deal.title,
        deal.buyer.name,
        deal.seller.name,
        _wan(deal.amount),
        _wan(deal.paid),
        deal.awarded_on,
        deal.signed_on,
        contract.number if contract else "",
        str(deal.get_status_display()),
        deal.note,
    ]
