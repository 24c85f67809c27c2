"""Writes for alerts: save, change and delete them, and the daily run that delivers them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms import lifecycle
from marketplace.notifications.services import notification_send, site_url
from marketplace.organisations.permissions import is_member_of
from search.matching import other_kind

from .models import Alert, AlertDigest, AlertHit
from .selectors import Found, alert_new_listings, listing_pages, normalise_query, query_summary

logger = logging.getLogger(__name__)

#: Saved searches one member may keep (match subscriptions are bounded by their listings).
MAX_SAVED_SEARCHES = 20
#: Listings named in an in-site notice's text; the rest are behind its link.
TITLES_IN_NOTICE = 5


def _check_kind(kind: str) -> None:
    if kind not in lifecycle.LISTING_KINDS:
        raise ValidationError({"kind": _("请选择技术需求或科技成果目录。")})


def _clean_name(name: str) -> str:
    return " ".join((name or "").split())


@transaction.atomic
def alert_create(
    *, user, kind: str, query: str, name: str = "", frequency: str = Alert.Frequency.DAILY
) -> Alert:
    """Save a catalogue search for ``user``; bad values, a duplicate or the cap raise ValidationError."""
    _check_kind(kind)
    normalised, errors = normalise_query(kind, query)
    if errors:
        raise ValidationError({"query": errors})
    # Locks the user's row: two saves at once must not both pass the cap.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    mine = Alert.objects.filter(user=user, listing__isnull=True)
    if mine.count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            _("最多可保存 %(max)d 个搜索订阅，请先删除不再需要的。") % {"max": MAX_SAVED_SEARCHES}
        )
    if mine.filter(kind=kind, query=normalised).exists():
        raise ValidationError({"query": _("您已保存过相同条件的搜索。")})
    alert = Alert(
        user=user,
        kind=kind,
        query=normalised,
        name=_clean_name(name) or query_summary(kind, normalised)[:100],
        frequency=frequency,
    )
    alert.full_clean()
    alert.save()
    return alert


def alert_update(*, alert: Alert, name: str, frequency: str, is_active: bool) -> Alert:
    """Rename an alert, change how it is delivered, pause or resume it."""
    alert.name = _clean_name(name)
    alert.frequency = frequency
    if is_active and not alert.is_active:
        # Resumed: what was published while paused is not news any more.
        alert.last_run_at = timezone.now()
    alert.is_active = is_active
    alert.full_clean()
    alert.save(update_fields=["name", "frequency", "is_active", "last_run_at"])
    return alert


def alert_delete(*, alert: Alert) -> None:
    """Delete an alert and what it delivered."""
    alert.delete()


def match_subscription_set(*, user, listing, subscribed: bool) -> Alert | None:
    """Follow (or stop following) the new matches of one of the member's own listings."""
    listing = listing.specific
    kind = lifecycle.kind_of(listing)
    if kind is None or not is_member_of(user, listing.organisation_id):
        raise ValidationError(_("只能订阅本单位项目的新匹配。"))
    if not subscribed:
        Alert.objects.filter(user=user, listing=listing).delete()
        return None
    target = other_kind(kind)
    name = _("“%(title)s”的新匹配") % {"title": listing.title}
    alert = Alert(user=user, kind=target, listing=listing, name=name[:100])
    alert.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:  # already subscribed (a double click): keep the one there
        return Alert.objects.get(user=user, listing=listing)
    return alert


# -- the daily run ----------------------------------------------------------------------------


@dataclass(slots=True)
class RunResult:
    """What one run did: alerts checked and skipped, listings delivered, notices and e-mails."""

    checked: int = 0
    skipped: int = 0
    hits: int = 0
    notices: int = 0
    emails: int = 0
    errors: list[str] = field(default_factory=list)


def alerts_run(*, now=None) -> RunResult:
    """Deliver every active alert's new listings: one notice per alert, one e-mail per member a day.

    Safe to repeat: a listing is delivered once per alert (``AlertHit``), a member gets
    at most one digest a day (``AlertDigest``), and an alert whose engine could not
    answer keeps its last run time, so the next run looks again.
    """
    now = now or timezone.now()
    result = RunResult()
    alerts = Alert.objects.filter(is_active=True, user__is_active=True).select_related(
        "user", "listing"
    )
    for alert in alerts.order_by("pk"):
        try:
            alert_deliver(alert=alert, now=now, result=result)
        except Exception as error:  # one broken alert must not stop the others
            logger.exception("alerts: alert %s failed", alert.pk)
            result.errors.append(f"{alert.pk}: {error}")
    users = {a.user_id: a.user for a in alerts if a.frequency == Alert.Frequency.DAILY}
    for user in users.values():
        try:
            if digest_send(user=user, now=now):
                result.emails += 1
        except IntegrityError:  # a run alongside sent today's digest first
            logger.warning("alerts: digest of user %s already sent today", user.pk)
    return result


@transaction.atomic
def alert_deliver(*, alert: Alert, now, result: RunResult) -> list[AlertHit]:
    """Record an alert's new listings and tell its member in the site (one notice)."""
    result.checked += 1
    lookup = alert_new_listings(alert)
    if lookup.unavailable:
        result.skipped += 1
        return []
    hits = _record_hits(alert, lookup.found)
    Alert.objects.filter(pk=alert.pk).update(last_run_at=now)
    if hits:
        _notify(alert, [f for f in lookup.found if f.page.pk in {h.listing_id for h in hits}])
        result.hits += len(hits)
        result.notices += 1
    return hits


def _record_hits(alert: Alert, found: Iterable[Found]) -> list[AlertHit]:
    hits = []
    for item in found:
        hit, created = AlertHit.objects.get_or_create(
            alert=alert, listing_id=item.page.pk, defaults={"percent": item.percent}
        )
        if created:
            hits.append(hit)
    return hits


def _notify(alert: Alert, found: list[Found]) -> None:
    count = len(found)
    title = ngettext(
        "订阅“%(name)s”有 %(count)d 个新项目",
        "订阅“%(name)s”有 %(count)d 个新项目",
        count,
    ) % {"name": alert.name, "count": count}
    lines = [f"· {f.page.title}" for f in found[:TITLES_IN_NOTICE]]
    if count > TITLES_IN_NOTICE:
        lines.append(_("……另有 %(n)d 个") % {"n": count - TITLES_IN_NOTICE})
    target = found[0].page.url if count == 1 else reverse("alerts:detail", args=[alert.pk])
    notification_send(
        recipients=[alert.user],
        verb="alert.hits",
        title=title,
        body="\n".join(lines),
        target_url=target or "",
        email=False,
    )


def digest_send(*, user, now=None) -> bool:
    """Send the member's daily e-mail digest of listings not yet e-mailed; at most one a day.

    A listing found by several alerts is listed once, under the first of them.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        pending = list(
            AlertHit.objects.select_for_update()
            .filter(
                alert__user=user,
                alert__is_active=True,
                alert__frequency=Alert.Frequency.DAILY,
                emailed_at__isnull=True,
            )
            .select_related("alert")
            .order_by("created_at", "pk")
        )
        if not pending or not user.email:
            return False
        if AlertDigest.objects.filter(user=user, day=day).exists():
            return False  # today's digest is out; these wait for tomorrow's
        already = set(
            AlertHit.objects.filter(alert__user=user, emailed_at__isnull=False).values_list(
                "listing_id", flat=True
            )
        )
        sections = _digest_sections(pending, already)
        AlertHit.objects.filter(pk__in=[h.pk for h in pending]).update(emailed_at=now)
        count = sum(len(items) for _alert, items in sections)
        if not count:
            return False
        AlertDigest.objects.create(user=user, day=day, listing_count=count)
        subject = ngettext(
            "揭榜订阅：%(count)d 个新项目符合您的条件",
            "揭榜订阅：%(count)d 个新项目符合您的条件",
            count,
        ) % {"count": count}
        body = render_to_string(
            "alerts/digest_email.txt",
            {
                "count": count,
                "sections": sections,
                "manage": site_url(reverse("alerts:list")),
            },
        ).strip()
        transaction.on_commit(
            partial(send_mail, subject, body, None, [user.email], fail_silently=True)
        )
    return True


def _digest_sections(pending: list[AlertHit], already: set[int]):
    pages = {p.pk: p for p in listing_pages([h.listing_id for h in pending])}
    seen = set(already)
    sections: dict[int, tuple[Alert, list]] = {}
    for hit in pending:
        page = pages.get(hit.listing_id)
        if page is None or hit.listing_id in seen or not lifecycle.accepts_bids(page):
            continue
        seen.add(hit.listing_id)
        entry = sections.setdefault(hit.alert_id, (hit.alert, []))
        entry[1].append({"title": page.title, "url": site_url(page.url or "")})
    return list(sections.values())
