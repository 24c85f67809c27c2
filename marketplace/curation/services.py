"""Curation writes: importing / exporting catalogue workbooks."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import lifecycle
from cms.lifecycle import LISTING_KINDS
from marketplace.audit.services import audit_record

from .columns import listing_ref
from .importing import ImportReport, Progress, run_import
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
    from marketplace.bidding.models import Deal

    return Deal.objects.select_related(
        "bid__organisation", "bid__demand__organisation", "bid__technology__organisation"
    ).order_by("pk")


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
    "类型",
    "项目外部编号",
    "项目名称",
    "项目单位",
    "揭榜单位",
    "成交金额（万元）",
    "定榜日期",
    "签约日期",
    "合同登记编号",
    "状态",
    "备注",
]


def _wan(yuan: int | None) -> Any:
    if yuan is None:
        return None
    wan = Decimal(yuan) / 10_000
    return int(wan) if wan == wan.to_integral_value() else float(wan)


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
    bid = deal.bid
    listing = bid.listing
    return [
        deal.pk,
        str(bid.get_kind_display()),
        listing_ref(listing),
        listing.title,
        listing.organisation.name,
        bid.organisation.name,
        _wan(deal.amount),
        deal.awarded_on,
        deal.signed_on,
        deal.contract_number,
        str(deal.get_status_display()),
        deal.note,
    ]
