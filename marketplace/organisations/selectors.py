"""Reads and predicates about organisations and memberships (checked on the server)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .credit_code import normalise_credit_code
from .models import EnterpriseTier, Membership, Organisation

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


def active_members(*organisation_ids: int | None) -> list:
    """Active user accounts holding an active membership in any of these organisations."""
    ids = [i for i in organisation_ids if i]
    if not ids:
        return []
    return list(
        get_user_model()
        .objects.filter(
            memberships__organisation_id__in=ids,
            memberships__status=Membership.Status.ACTIVE,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


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


# ---------------------------------------------------------------------------
# Verification queue: possible duplicates and expiring tier certifications

# Legal-form words and brackets that differ between two spellings of one organisation.
_BRACKETS = re.compile(r"[(（\[【〔][^)）\]】〕]*[)）\]】〕]")
_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "股份公司",
    "分公司",
    "总公司",
    "公司",
    "集团",
    "股份",
    "有限",
    "责任",
)
_REGION_PREFIXES = ("山东省", "山东", "济南市", "济南")
_PUNCTUATION = re.compile(r"[\s\W_]+")


def normalise_organisation_name(name: str) -> str:
    """A comparison key: 济南精工（集团）股份有限公司 and 山东济南精工有限公司 both give 精工.

    Full-width forms are folded (NFKC), bracketed parts, legal-form words, a leading
    province / city name and punctuation are dropped. Names without a legal-form word
    keep their region, so "济南大学" is never reduced to "大学".
    """
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _PUNCTUATION.sub("", _BRACKETS.sub("", text))
    company = False
    for word in _LEGAL_FORMS:
        company = company or word in text
        text = text.replace(word, "")
    # Only company names lose their region: 济南大学 and 山东大学 are different bodies.
    while company and (prefix := next((p for p in _REGION_PREFIXES if text.startswith(p)), "")):
        if len(text) - len(prefix) < 2:
            break
        text = text[len(prefix) :]
    return text


def organisation_code(credit_code: str) -> str:
    """Characters 9–17 of a 统一社会信用代码: the 组织机构代码 that identifies the body itself.

    Credit codes are unique in the table, so an exact duplicate cannot exist; the same
    organisation code under another registration-authority prefix is the duplicate worth
    flagging (a body registered twice, or a typo in the first eight characters).
    """
    code = normalise_credit_code(credit_code)
    return code[8:17] if len(code) == 18 else ""


@dataclass(frozen=True)
class PossibleDuplicate:
    pk: int
    name: str
    credit_code: str
    reason: str
    # The other organisation's verification state: a duplicate of a rejected one matters most.
    verification: str = ""

    @property
    def is_rejected(self) -> bool:
        return self.verification == Organisation.Verification.REJECTED


def organisation_duplicates(
    organisations: list[Organisation],
) -> dict[int, list[PossibleDuplicate]]:
    """For each given organisation, the others with the same organisation code or a similar name.

    One query reads (pk, name, credit code) of every organisation; the comparison happens in
    Python because the normalised name has no SQL equivalent. Thousands of organisations
    take a few milliseconds.
    """
    by_name: dict[str, list[tuple]] = {}
    by_code: dict[str, list[tuple]] = {}
    rows = Organisation.objects.order_by("pk").values_list(
        "pk", "name", "credit_code", "verification"
    )
    for row in rows:
        by_name.setdefault(normalise_organisation_name(row[1]), []).append(row)
        by_code.setdefault(organisation_code(row[2]), []).append(row)
    result: dict[int, list[PossibleDuplicate]] = {}
    for organisation in organisations:
        found: dict[int, PossibleDuplicate] = {}
        code = organisation_code(organisation.credit_code)
        for pk, name, credit, state in by_code.get(code, []) if code else []:
            if pk != organisation.pk:
                found[pk] = PossibleDuplicate(pk, name, credit, "组织机构代码相同", state)
        key = normalise_organisation_name(organisation.name)
        for pk, name, credit, state in by_name.get(key, []) if key else []:
            if pk != organisation.pk and pk not in found:
                found[pk] = PossibleDuplicate(pk, name, credit, "名称相近", state)
        if found:
            result[organisation.pk] = list(found.values())
    return result


def tier_expiring_list(
    *, within_days: int = 90, today: dt.date | None = None
) -> QuerySet[EnterpriseTier]:
    """Tier certifications expiring from today to ``within_days`` ahead, soonest first."""
    today = today or timezone.localdate()
    return (
        EnterpriseTier.objects.filter(
            expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=within_days)
        )
        .exclude(organisation__verification=Organisation.Verification.REJECTED)
        .select_related("organisation")
        .order_by("expires_on", "organisation__name")
    )


# ---------------------------------------------------------------------------
# Waiting times (the verification queue and the curator's to-do)


def age_text(since: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long something has waited, in days ("3 天前"); hours or minutes within a day."""
    from django.utils.translation import ngettext

    now = now or timezone.now()
    seconds = max((now - since).total_seconds(), 0)
    if seconds >= 86400:
        n = int(seconds // 86400)
        return ngettext("%(n)d 天前", "%(n)d 天前", n) % {"n": n}
    if seconds >= 3600:
        n = int(seconds // 3600)
        return ngettext("%(n)d 小时前", "%(n)d 小时前", n) % {"n": n}
    n = int(seconds // 60)
    return ngettext("%(n)d 分钟前", "%(n)d 分钟前", n) % {"n": n}


#: Calendar days a pending action may wait before it is overdue; ``settings.JIEBANG_DUE_DAYS``
#: overrides them. Read through ``due_days`` by the curator's to-do, the queues, the overdue
#: tables and the reminders.
DEFAULT_DUE_DAYS = {
    "listing_review": 3,
    "bid_decision": 14,
    "match_answer": 7,
    "organisation_verification": 5,
    "match_proposal": 5,
}


def due_days() -> dict[str, int]:
    """Days allowed for each pending action: ``settings.JIEBANG_DUE_DAYS`` over the defaults."""
    from django.conf import settings

    return {**DEFAULT_DUE_DAYS, **getattr(settings, "JIEBANG_DUE_DAYS", {})}


def pending_verifications() -> QuerySet[Organisation]:
    """Organisations waiting for a curator, oldest first; ``since`` = registration or last decision.

    A rejected organisation that its owner corrected waits again from the rejection, not
    from its first registration.
    """
    from django.db.models import Max
    from django.db.models.functions import Coalesce

    return (
        Organisation.objects.filter(verification=Organisation.Verification.PENDING)
        .annotate(since=Coalesce(Max("verification_decisions__created_at"), "created_at"))
        .order_by("since", "pk")
    )


@dataclass(frozen=True)
class Waiting:
    since: dt.datetime
    due: dt.datetime
    age: str
    overdue: bool


def waiting(since: dt.datetime, key: str, now: dt.datetime | None = None) -> Waiting:
    """How long an action of kind ``key`` (a ``due_days`` key) has waited, and when it is due."""
    now = now or timezone.now()
    due = since + dt.timedelta(days=due_days()[key])
    return Waiting(since, due, age_text(since, now), now > due)


def verification_waiting(organisations) -> dict[int, Waiting]:
    """Waiting time and due date of the pending ones among ``organisations`` (one query)."""
    ids = [o.pk for o in organisations if o.verification == Organisation.Verification.PENDING]
    if not ids:
        return {}
    now = timezone.now()
    return {
        pk: waiting(since, "organisation_verification", now)
        for pk, since in pending_verifications().filter(pk__in=ids).values_list("pk", "since")
    }
