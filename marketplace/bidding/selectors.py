"""Reads for bidding, with the related rows each page needs fetched up front."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cms.lifecycle import LISTING_KINDS, ListingKind, kind_of, listing_model
from marketplace.organisations.permissions import active_organisation_ids, is_curator

from . import permissions as perms
from .models import (
    VISIBLE_TO_OWNER_STATES,
    AccessLogEntry,
    Bid,
    BidAttachment,
    BidIndicatorResponse,
    BidStatus,
    Deal,
    DealPayment,
    PublicQuestion,
    TechContract,
)


def _bids() -> QuerySet[Bid]:
    return Bid.objects.select_related(
        "organisation",
        "demand",
        "demand__organisation",
        "technology",
        "technology__organisation",
        "cooperation_mode",
        "created_by",
        "deal",
    ).prefetch_related("consortium_members")


def _bid_details(qs: QuerySet[Bid]) -> QuerySet[Bid]:
    return qs.prefetch_related(
        Prefetch(
            "indicator_responses",
            queryset=BidIndicatorResponse.objects.select_related("indicator"),
        ),
        "milestones",
        "attachments",
    )


def listing_get(kind: str, page_id: int):
    """A live listing of the given kind, or 404."""
    if kind not in LISTING_KINDS:
        raise Http404
    listing = (
        listing_model(kind).objects.live().select_related("organisation").filter(pk=page_id).first()
    )
    if listing is None:
        raise Http404
    return listing


def bid_get(*, user, pk: int) -> Bid:
    """A bid the user may see (bidder, owner once visible, curator); 404 for everyone else."""
    bid = _bid_details(_bids()).filter(pk=pk).first()
    if bid is None or not perms.can_view_bid(user, bid):
        raise Http404
    return bid


def bid_list_own(*, user) -> QuerySet[Bid]:
    """Bids made by (or with) the user's organisations."""
    ids = active_organisation_ids(user)
    return (
        (_bids().filter(organisation_id__in=ids) | _bids().filter(consortium_members__in=ids))
        .distinct()
        .order_by("-created_at")
    )


def bid_list_received(*, user, listing=None, include_sealed: bool = False) -> QuerySet[Bid]:
    """Bids on the user's organisations' listings that the owner may see (sealed ones hidden)."""
    ids = active_organisation_ids(user)
    qs = _bids().filter(status__in=VISIBLE_TO_OWNER_STATES)
    if not include_sealed:
        qs = qs.exclude(demand__sealed_bids=True, demand__bid_deadline__gt=timezone.now())
    if listing is not None:
        qs = qs.filter(**{kind_of(listing): listing})
    if not (listing is not None and is_curator(user)):
        qs = qs.filter(demand__organisation_id__in=ids) | qs.filter(
            technology__organisation_id__in=ids
        )
    return qs.order_by("submitted_at", "pk")


def bids_for_owner(*, user, listing) -> tuple[list[Bid], int]:
    """The bids shown on the owner's list, and how many are sealed until the deadline."""
    bids = list(_bid_details(bid_list_received(user=user, listing=listing, include_sealed=True)))
    visible = [b for b in bids if not b.is_sealed]
    return visible, len(bids) - len(visible)


@dataclass
class Comparison:
    indicators: list
    bids: list[Bid]
    rows: list[tuple]


def bid_comparison(*, bids: list[Bid], listing) -> Comparison:
    """Indicator by indicator, price and timeline, one column per bid."""
    indicators = list(listing.indicators.all()) if kind_of(listing) == ListingKind.DEMAND else []
    rows = []
    for ind in indicators:
        cells = []
        for bid in bids:
            match = next(
                (r for r in bid.indicator_responses.all() if r.indicator_id == ind.pk), None
            )
            cells.append(match)
        rows.append((ind, cells))
    return Comparison(indicators=indicators, bids=bids, rows=rows)


def attachment_get(*, user, pk: int) -> BidAttachment:
    item = BidAttachment.objects.select_related("bid").filter(pk=pk).first()
    if item is None:
        raise Http404
    bid_get(user=user, pk=item.bid_id)
    return item


def question_list(*, user, demand) -> list[PublicQuestion]:
    """Answered questions for everyone; unanswered ones for the owner and the asker."""
    qs = PublicQuestion.objects.filter(demand=demand).select_related("asked_by")
    if perms.is_listing_owner(user, demand) or is_curator(user):
        return list(qs)
    items = list(qs)
    uid = user.pk if user and user.is_authenticated else None
    return [q for q in items if q.is_answered or (uid and q.asked_by_id == uid)]


def access_log_list(*, user, listing) -> QuerySet[AccessLogEntry]:
    """The listing's access log; the owner sees no line about a bid it may not see yet."""
    qs = (
        AccessLogEntry.objects.filter(**{kind_of(listing): listing})
        .select_related("user", "organisation", "bid", "bid__organisation", "attachment")
        .order_by("-created_at", "-pk")
    )
    if is_curator(user):
        return qs
    # A bidder opening its own attachment before the deadline would otherwise name it.
    sealed = bool(
        getattr(listing, "sealed_bids", False)
        and listing.bid_deadline
        and listing.bid_deadline > timezone.now()
    )
    if sealed:
        return qs.filter(bid__isnull=True)
    return qs.filter(Q(bid__isnull=True) | Q(bid__status__in=VISIBLE_TO_OWNER_STATES))


def active_bid_of(*, organisation, listing) -> Bid | None:
    return Bid.objects.filter(
        organisation=organisation,
        status__in=[
            BidStatus.DRAFT,
            BidStatus.SUBMITTED,
            BidStatus.SHORTLISTED,
            BidStatus.AWARDED,
        ],
        **{kind_of(listing): listing},
    ).first()


def previous_bid_of(*, organisation, listing) -> Bid | None:
    """The organisation's latest withdrawn or declined bid on the listing: a new bid starts
    from it (issue 12, point 6)."""
    return (
        Bid.objects.filter(
            organisation=organisation,
            status__in=[BidStatus.WITHDRAWN, BidStatus.DECLINED],
            **{kind_of(listing): listing},
        )
        .prefetch_related("milestones", "indicator_responses", "consortium_members")
        .order_by("-updated_at", "-pk")
        .first()
    )


def awarded_count(*, listing) -> int:
    """How many bids on the listing have been awarded (定榜) so far."""
    return Bid.objects.filter(status=BidStatus.AWARDED, **{kind_of(listing): listing}).count()


# -- the deal ledger (成交台账) -------------------------------------------------------------


def counted_deals() -> QuerySet[Deal]:
    """The one rule of every deal total: the ledger's rows not cancelled.

    A match that also went through a bid points at the bid's row, so each deal is one row.
    """
    return Deal.objects.exclude(status=Deal.Status.CANCELLED)


def deal_ledger(*, counted_only: bool = True) -> QuerySet[Deal]:
    """Ledger rows with their parties, listing, contract and the total received (``paid``)."""
    qs = counted_deals() if counted_only else Deal.objects.all()
    return (
        qs.select_related(
            "buyer", "seller", "demand", "technology", "bid", "contract", "recorded_by"
        )
        .annotate(paid=Coalesce(Sum("payments__amount"), 0))
        .order_by("-awarded_on", "-pk")
    )


def deal_payments(deal: Deal) -> tuple[list[DealPayment], int]:
    """A deal's payments (oldest first) and their total in yuan."""
    payments = list(deal.payments.select_related("recorded_by").order_by("received_on", "pk"))
    return payments, sum(p.amount for p in payments)


def deal_contract(deal: Deal) -> TechContract | None:
    return TechContract.objects.filter(deal=deal).select_related("submitted_by").first()


def contract_register_rows() -> QuerySet[TechContract]:
    """技术合同登记 rows for the curators' export, newest registration first."""
    return TechContract.objects.select_related(
        "deal", "deal__buyer", "deal__seller", "deal__demand", "deal__technology"
    ).order_by("-registered_on", "-pk")
