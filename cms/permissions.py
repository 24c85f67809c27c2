"""The one place that decides who may see or change a listing (checked on the server)."""

from __future__ import annotations

from marketplace.organisations.models import Membership, Organisation

from .models import EDITABLE_STATES


def is_curator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_curator)


def active_organisation_ids(user) -> set[int]:
    if not user or not user.is_authenticated:
        return set()
    cache = getattr(user, "_jiebang_org_ids", None)
    if cache is None:
        cache = set(
            Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list(
                "organisation_id", flat=True
            )
        )
        user._jiebang_org_ids = cache
    return cache


def is_member_of(user, organisation_id: int) -> bool:
    return organisation_id in active_organisation_ids(user)


def can_edit_listing(user, listing) -> bool:
    return is_member_of(user, listing.organisation_id) and listing.status in EDITABLE_STATES


def can_submit_listing(user, listing) -> bool:
    return can_edit_listing(user, listing) and listing.organisation.is_verified


def can_view_confidential(user, listing) -> bool:
    return is_curator(user) or is_member_of(user, listing.organisation_id)


def can_view_private_attachments(user, listing) -> bool:
    return can_view_confidential(user, listing)


def can_view_contact(user, listing) -> bool:
    """Contact details show to curators and members of any verified organisation."""
    if is_curator(user):
        return True
    ids = active_organisation_ids(user)
    return (
        bool(ids)
        and Organisation.objects.filter(
            pk__in=ids, verification=Organisation.Verification.VERIFIED
        ).exists()
    )
