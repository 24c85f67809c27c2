"""The one place that decides who may see or change a listing (checked on the server)."""

from __future__ import annotations

from marketplace.organisations.models import Organisation
from marketplace.organisations.permissions import (
    active_organisation_ids,
    is_curator,
    is_member_of,
)

from .lifecycle import is_editable


def can_edit_listing(user, listing) -> bool:
    return is_member_of(user, listing.organisation_id) and is_editable(listing)


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
