"""Who a user is to the platform: curator, and member of which organisations.

The one home of these predicates (every layer above asks here, on the server).
Listing rules built on them live in ``cms.permissions``; bid and match rules in
their own apps.
"""

from __future__ import annotations

from .models import Membership


def is_curator(user) -> bool:
    """Bureau staff (the Curators group, or a superuser): reviews, verifies, brokers."""
    return bool(user and user.is_authenticated and user.is_curator)


def active_organisation_ids(user) -> set[int]:
    """Ids of the organisations in which the user holds an active membership."""
    if not user or not user.is_authenticated:
        return set()
    # Cached on the user object: one request asks many times (page, panels, templates).
    cache = getattr(user, "_jiebang_org_ids", None)
    if cache is None:
        cache = set(
            Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list(
                "organisation_id", flat=True
            )
        )
        user._jiebang_org_ids = cache
    return cache


def is_member_of(user, organisation_id: int | None) -> bool:
    """An active member of that organisation (pending and declined requests are not)."""
    return organisation_id in active_organisation_ids(user)
