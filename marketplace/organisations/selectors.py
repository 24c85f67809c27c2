"""Reads and predicates about organisations and memberships (checked on the server)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .credit_code import normalise_credit_code
from .models import Membership, Organisation

REGISTRABLE_KINDS = (
    Organisation.Kind.ENTERPRISE,
    Organisation.Kind.UNIVERSITY,
    Organisation.Kind.INSTITUTE,
)


def organisations_of(user) -> QuerySet[Organisation]:
    """Organisations in which the user holds an active membership."""
    if not user or not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__status=Membership.Status.ACTIVE
    ).distinct()


def membership_list_of_user(user) -> QuerySet[Membership]:
    """All of a user's memberships and join requests, with their organisations."""
    return (
        Membership.objects.filter(user=user).select_related("organisation").order_by("-created_at")
    )


def active_membership(user, organisation: Organisation) -> Membership | None:
    """The user's active membership in the organisation, if any."""
    if not user or not user.is_authenticated:
        return None
    return Membership.objects.filter(
        user=user, organisation=organisation, status=Membership.Status.ACTIVE
    ).first()


def is_owner(user, organisation: Organisation) -> bool:
    membership = active_membership(user, organisation)
    return membership is not None and membership.role == Membership.Role.OWNER


def organisation_for_member(user, pk: int) -> tuple[Organisation, Membership]:
    """The organisation with its viewer's active membership; 404 for everyone else."""
    organisation = Organisation.objects.filter(pk=pk).first()
    membership = active_membership(user, organisation) if organisation else None
    if membership is None:
        raise Http404
    return organisation, membership


def membership_list(organisation: Organisation) -> QuerySet[Membership]:
    """Active members and open join requests of an organisation, requests first."""
    return (
        Membership.objects.filter(organisation=organisation)
        .exclude(status=Membership.Status.DECLINED)
        .select_related("user")
        .order_by("-status", "-role", "created_at")
    )


def organisation_search(query: str, *, limit: int = 20) -> QuerySet[Organisation]:
    """Organisations people may ask to join, found by name or by credit code."""
    query = (query or "").strip()
    if not query:
        return Organisation.objects.none()
    matches = Q(name__icontains=query) | Q(credit_code=normalise_credit_code(query))
    return (
        Organisation.objects.filter(matches, kind__in=REGISTRABLE_KINDS)
        .exclude(verification=Organisation.Verification.REJECTED)
        .order_by("name")[:limit]
    )


def owner_emails(organisation: Organisation) -> list[str]:
    """Email addresses of the organisation's active owners."""
    return list(
        Membership.objects.filter(
            organisation=organisation,
            role=Membership.Role.OWNER,
            status=Membership.Status.ACTIVE,
        ).values_list("user__email", flat=True)
    )
