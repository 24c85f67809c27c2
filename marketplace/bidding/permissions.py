"""Who may see or act on a bid; every view and API endpoint asks these, on the server."""

from __future__ import annotations

from cms.lifecycle import ListingKind, Transition, accepts_bids, can_move, kind_of
from marketplace.organisations.permissions import active_organisation_ids, is_curator, is_member_of

from .models import (
    CONFIDENTIALITY_TERMS_VERSION,
    DECIDABLE_STATES,
    VISIBLE_TO_OWNER_STATES,
    Bid,
    BidStatus,
    ConfidentialityAgreement,
)


def is_bidder(user, bid: Bid) -> bool:
    """A member of the lead organisation or of a consortium member."""
    ids = active_organisation_ids(user)
    if bid.organisation_id in ids:
        return True
    return bool(ids) and any(o.pk in ids for o in bid.consortium_members.all())


def is_listing_owner(user, listing) -> bool:
    return is_member_of(user, listing.organisation_id)


def owner_can_see_bid(bid: Bid) -> bool:
    """Drafts are never shown to the owner; sealed bids only after the deadline."""
    return bid.status in VISIBLE_TO_OWNER_STATES and not bid.is_sealed


def can_view_bid(user, bid: Bid) -> bool:
    if not user or not user.is_authenticated:
        return False
    if is_curator(user) or is_bidder(user, bid):
        return True
    return is_listing_owner(user, bid.listing) and owner_can_see_bid(bid)


def can_edit_bid(user, bid: Bid) -> bool:
    return (
        is_member_of(user, bid.organisation_id)
        and bid.status in (BidStatus.DRAFT, BidStatus.SUBMITTED)
        and accepts_bids(bid.listing)
    )


def can_withdraw_bid(user, bid: Bid) -> bool:
    return is_member_of(user, bid.organisation_id) and bid.status in (
        BidStatus.DRAFT,
        BidStatus.SUBMITTED,
        BidStatus.SHORTLISTED,
    )


def can_decide_bid(user, bid: Bid) -> bool:
    return (
        is_listing_owner(user, bid.listing)
        and bid.status in DECIDABLE_STATES
        and owner_can_see_bid(bid)
    )


def can_message_bid(user, bid: Bid) -> bool:
    # A sealed bid has no thread yet: a message (and its notification) would tell the
    # owner who bid before the deadline. Bidders ask in the public Q&A instead.
    if bid.status in (BidStatus.DRAFT, BidStatus.WITHDRAWN) or bid.is_sealed:
        return False
    if is_member_of(user, bid.organisation_id):
        return True
    return is_listing_owner(user, bid.listing) and owner_can_see_bid(bid)


def can_view_received_bids(user, listing) -> bool:
    return is_curator(user) or is_listing_owner(user, listing)


def can_close_demand(user, listing) -> bool:
    """The owner of a demand the lifecycle lets close (open)."""
    return is_listing_owner(user, listing) and can_move(listing, Transition.CLOSE)


def can_view_related_party_flags(user) -> bool:
    return is_curator(user)


def bidding_organisation(user, listing):
    """The user's verified organisation that may bid on this listing, or None."""
    from marketplace.organisations.models import Organisation

    ids = active_organisation_ids(user) - {listing.organisation_id}
    if not ids:
        return None
    kinds = (
        [Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE]
        if kind_of(listing) == ListingKind.DEMAND
        else [Organisation.Kind.ENTERPRISE]
    )
    return (
        Organisation.objects.filter(
            pk__in=ids, kind__in=kinds, verification=Organisation.Verification.VERIFIED
        )
        .order_by("pk")
        .first()
    )


def has_accepted_terms(user, demand) -> bool:
    return ConfidentialityAgreement.objects.filter(
        demand=demand, user=user, version=CONFIDENTIALITY_TERMS_VERSION
    ).exists()


def shortlisted_bid_of(user, demand) -> Bid | None:
    ids = active_organisation_ids(user)
    if not ids:
        return None
    return (
        Bid.objects.filter(
            demand=demand,
            organisation_id__in=ids,
            status__in=(BidStatus.SHORTLISTED, BidStatus.AWARDED),
        )
        .order_by("pk")
        .first()
    )


def can_view_confidential_details(user, demand) -> bool:
    """Owner and curators always; a bidder once shortlisted and after accepting the terms."""
    if is_curator(user) or is_listing_owner(user, demand):
        return True
    return shortlisted_bid_of(user, demand) is not None and has_accepted_terms(user, demand)


def can_view_access_log(user, demand) -> bool:
    return is_curator(user) or is_listing_owner(user, demand)
