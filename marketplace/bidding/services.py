"""Writes of the bidding lifecycle; every rule (deadline, seal, winners, roles) is checked here.

Row locks: every write that depends on a listing's state locks the listing row first
(`_lock_listing`), then the bids it changes, always in that order, so concurrent
submissions, closings and awards on one listing serialise instead of interleaving.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms import lifecycle
from cms.lifecycle import ListingKind, Transition
from cms.models import DemandPage
from marketplace.audit.services import audit_record
from marketplace.notifications.services import notification_send
from marketplace.organisations.models import Membership, Organisation
from marketplace.organisations.permissions import (
    active_organisation_ids,
    is_curator,
    is_member_of,
)
from marketplace.organisations.selectors import active_members

from . import permissions as perms
from .ledger import deal_cancel
from .models import (
    CONFIDENTIALITY_TERMS_VERSION,
    DECIDABLE_STATES,
    AccessLogEntry,
    Bid,
    BidAttachment,
    BidIndicatorResponse,
    BidMessage,
    BidMilestone,
    BidStatus,
    ConfidentialityAgreement,
    Deal,
    DealSource,
    DeclineReason,
    PublicQuestion,
)
from .signals import bid_awarded
from .validators import validate_attachment

SHANGHAI = ZoneInfo("Asia/Shanghai")

DEMAND_BID_FIELDS = (
    "background",
    "research_status",
    "technical_approach",
    "existing_work",
    "industrialisation_plan",
    "team",
    "price",
    "declares_no_related_party",
)
TECHNOLOGY_BID_FIELDS = (
    "cooperation_mode",
    "intended_use",
    "message",
    "price",
    "declares_no_related_party",
)
REQUIRED_ON_SUBMIT = {
    ListingKind.DEMAND: ("background", "technical_approach", "price"),
    ListingKind.TECHNOLOGY: ("cooperation_mode", "intended_use"),
}


# Shown to a bidder whose bid is sealed: there is no private thread before the deadline.
SEALED_THREAD_MESSAGE = gettext_lazy(
    "密封揭榜截止前不能与需求方私下沟通；如有疑问，请在需求页的公开答疑中提问。"
)


class BidError(ValidationError):
    """A bidding rule refused the request; nothing was changed."""


class BidDeadlineError(BidError):
    """The listing no longer accepts bids (closed, or its deadline has passed)."""


@dataclass
class MilestoneInput:
    due_date: datetime.date
    deliverable: str


@dataclass
class AttachmentInput:
    title: str
    file: Any


@dataclass
class BidInput:
    """What a bidder sends: the 意向书 fields, answers per indicator, milestones and files."""

    fields: dict[str, Any] = field(default_factory=dict)
    responses: dict[int, tuple[str, str]] = field(default_factory=dict)
    milestones: list[MilestoneInput] | None = None
    attachments: list[AttachmentInput] = field(default_factory=list)
    remove_attachment_ids: list[int] = field(default_factory=list)
    consortium: list[Organisation] | None = None


# ---------------------------------------------------------------------------
# helpers


def _now() -> datetime.datetime:
    return timezone.now()


def _local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _lock_listing(listing):
    model = lifecycle.listing_model(lifecycle.kind_of(listing))
    return model.objects.select_for_update(of=("self",)).get(pk=listing.pk)


def _require_accepting(listing) -> None:
    """Refuse with a clear message once a listing stopped accepting bids."""
    if lifecycle.accepts_bids(listing):
        return
    deadline = getattr(listing, "bid_deadline", None)
    if deadline and deadline <= _now():
        raise BidDeadlineError(
            _("揭榜已于 %(deadline)s（北京时间）截止，本次提交未被接受，未做任何更改。")
            % {"deadline": _local(deadline)},
            code="deadline",
        )
    raise BidDeadlineError(
        _("该项目当前不接受揭榜（状态：%(status)s）。") % {"status": listing.get_status_display()},
        code="closed",
    )


def _bid_url(bid: Bid) -> str:
    return reverse("bidding:bid_detail", kwargs={"pk": bid.pk})


def _listing_of(bid: Bid):
    return bid.demand if bid.kind == ListingKind.DEMAND else bid.technology


def _full_clean(obj, errors: dict, prefix: str = "", **kwargs) -> None:
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            name = prefix or key
            errors.setdefault(name, []).extend(msgs)


# ---------------------------------------------------------------------------
# bids


def bid_save(
    *,
    user,
    listing,
    data: BidInput,
    bid: Bid | None = None,
    token: uuid.UUID | None = None,
    submit: bool = False,
) -> Bid:
    """Create or update a bid (as a draft, or submitted); all of it is stored or none."""
    organisation = perms.bidding_organisation(user, listing)
    if organisation is None or (bid is not None and bid.organisation_id != organisation.pk):
        raise PermissionDenied(_("只有已认证的揭榜单位成员可以提交。"))
    content_types = _validate_uploads(data.attachments)
    stored: list[str] = []
    try:
        with transaction.atomic():
            listing = _lock_listing(listing)
            if token and bid is None:
                existing = Bid.objects.filter(idempotency_token=token).first()
                if existing is not None:
                    if existing.organisation_id != organisation.pk:
                        raise PermissionDenied
                    return existing  # a repeated (double-clicked) submission
            _require_accepting(listing)
            bid, previous = _bid_for_update(bid, listing, organisation, user, token)
            submit = submit or previous == BidStatus.SUBMITTED
            _apply_input(bid, listing, data, content_types, stored, user, submit)
            if submit:
                _submit(bid, listing, previous)
            return bid
    except BaseException:
        for name in stored:
            BidAttachment.file.field.storage.delete(name)
        raise


def bid_submit(
    *, user, listing, data: BidInput, bid: Bid | None = None, token: uuid.UUID | None = None
) -> Bid:
    """Save and submit a bid in one transaction."""
    return bid_save(user=user, listing=listing, data=data, bid=bid, token=token, submit=True)


def _validate_uploads(attachments: list[AttachmentInput]) -> list[str]:
    types, errors = [], []
    for item in attachments:
        try:
            types.append(validate_attachment(item.file))
        except ValidationError as exc:
            errors.extend(f"{item.file.name}: {m}" for m in exc.messages)
        if not (item.title or "").strip() and not errors:
            item.title = item.file.name.rsplit(".", 1)[0][:120]
    if errors:
        raise ValidationError({"attachments": errors})
    return types


def _bid_for_update(bid, listing, organisation, user, token) -> tuple[Bid, str | None]:
    if bid is None:
        kind = lifecycle.kind_of(listing)
        new = Bid(
            kind=kind,
            organisation=organisation,
            created_by=user,
            idempotency_token=token or uuid.uuid4(),
            demand=listing if kind == ListingKind.DEMAND else None,
            technology=listing if kind == ListingKind.TECHNOLOGY else None,
        )
        return new, None
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    if bid.status not in (BidStatus.DRAFT, BidStatus.SUBMITTED):
        raise BidError(
            _("该揭榜当前状态为“%(status)s”，不能再修改。") % {"status": bid.get_status_display()},
            code="state",
        )
    return bid, bid.status


def _apply_input(bid, listing, data, content_types, stored, user, submit) -> None:
    allowed = DEMAND_BID_FIELDS if bid.kind == ListingKind.DEMAND else TECHNOLOGY_BID_FIELDS
    for name, value in data.fields.items():
        if name in allowed:
            setattr(bid, name, value)
    errors: dict[str, list] = {}
    _full_clean(bid, errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            bid.save()
    except IntegrityError:
        raise BidError(
            {NON_FIELD_ERRORS: [_("本单位已对该项目揭榜，请编辑已有方案。")]}, code="duplicate"
        )
    if data.consortium is not None:
        bid.consortium_members.set([o for o in data.consortium if o.pk != bid.organisation_id])
    if bid.kind == ListingKind.DEMAND:
        _save_responses(bid, listing, data.responses, errors)
    # A demand bid's 进度安排 (required on submit) or a take-up request's optional 实施计划.
    if data.milestones is not None:
        _save_milestones(bid, data.milestones, errors)
    if data.remove_attachment_ids:
        bid.attachments.filter(pk__in=data.remove_attachment_ids).delete()
    for item, content_type in zip(data.attachments, content_types, strict=True):
        att = BidAttachment(
            bid=bid,
            title=item.title[:120],
            file=item.file,
            uploaded_by=user,
            original_name=item.file.name[:255],
            content_type=content_type,
            size=item.file.size,
        )
        att.save()
        stored.append(att.file.name)
    if submit:
        _check_complete(bid, listing, errors)
    if errors:
        raise ValidationError(errors)


def _save_responses(bid, listing, responses, errors) -> None:
    indicators = {i.pk: i for i in listing.indicators.all()}
    for indicator_id, (value, verification) in responses.items():
        indicator = indicators.get(int(indicator_id))
        if indicator is None:
            continue
        value, verification = (value or "").strip(), (verification or "").strip()
        if not value:
            bid.indicator_responses.filter(indicator=indicator).delete()
            continue
        row = BidIndicatorResponse.objects.filter(bid=bid, indicator=indicator).first()
        row = row or BidIndicatorResponse(bid=bid, indicator=indicator)
        row.committed_value, row.verification = value, verification
        _full_clean(row, errors, prefix=f"indicator_{indicator.pk}", exclude=["bid", "indicator"])
        row.save()


def _save_milestones(bid, milestones, errors) -> None:
    bid.milestones.all().delete()
    for n, item in enumerate(milestones, start=1):
        row = BidMilestone(
            bid=bid, due_date=item.due_date, deliverable=(item.deliverable or "").strip()
        )
        before = sum(len(v) for v in errors.values())
        try:
            row.full_clean(exclude=["bid"])
        except ValidationError as exc:
            for msg in exc.messages:
                errors.setdefault("milestones", []).append(
                    _("第%(n)d个里程碑：%(msg)s") % {"n": n, "msg": msg}
                )
        if sum(len(v) for v in errors.values()) == before:
            row.save()


def _check_complete(bid, listing, errors) -> None:
    """Submission needs every required section, an answer per indicator and a plan."""
    for name in REQUIRED_ON_SUBMIT[bid.kind]:
        if getattr(bid, name) in (None, ""):
            errors.setdefault(name, []).append(_("提交揭榜前请填写此项。"))
    if not bid.declares_no_related_party:
        errors.setdefault("declares_no_related_party", []).append(
            _("提交前请确认关联关系声明；如存在关联关系，请在方案中说明并联系平台。")
        )
    if bid.kind != ListingKind.DEMAND:
        return
    answered = set(bid.indicator_responses.values_list("indicator_id", flat=True))
    for indicator in listing.indicators.all():
        if indicator.pk not in answered:
            errors.setdefault(f"indicator_{indicator.pk}", []).append(
                _("请填写对指标“%(name)s”的承诺值。") % {"name": indicator.name}
            )
    if not bid.milestones.exists() and "milestones" not in errors:
        errors.setdefault("milestones", []).append(_("请至少填写一个里程碑。"))


def _submit(bid: Bid, listing, previous: str | None) -> None:
    bid.related_party_flags = related_party_flags(bid=bid, listing=listing)
    bid.status = BidStatus.SUBMITTED
    bid.submitted_at = bid.submitted_at or _now()
    bid.save(update_fields=["related_party_flags", "status", "submitted_at", "updated_at"])
    changed = previous == BidStatus.SUBMITTED
    if bid.is_sealed:
        _notify_owner_sealed(bid, listing, changed)
    else:
        _notify_owner_open(bid, listing, changed)
    _acknowledge_receipt(bid, listing, changed)


def _received_url(bid: Bid, listing) -> str:
    return reverse("bidding:received", kwargs={"kind": bid.kind, "page_id": listing.pk})


def _notify_owner_open(bid: Bid, listing, changed: bool) -> None:
    title = (
        _("揭榜方案已更新：%(org)s · %(listing)s")
        if changed
        else _("收到新的揭榜：%(org)s · %(listing)s")
    ) % {"org": bid.organisation.name, "listing": listing.title}
    notification_send(
        recipients=active_members(listing.organisation_id),
        verb="bid_changed" if changed else "bid_received",
        title=title,
        target_url=_received_url(bid, listing),
    )


def _sealed_count(listing) -> int:
    return Bid.objects.filter(
        demand=listing, status__in=(BidStatus.SUBMITTED, BidStatus.SHORTLISTED)
    ).count()


def _notify_owner_sealed(bid: Bid, listing, changed: bool) -> None:
    # Sealed until the deadline: the owner learns that a bid arrived and how many there
    # are, never who sent it (no organisation, person or proposal text in any channel).
    # An edit adds no bid, so it tells the owner nothing at all.
    if changed:
        return
    notification_send(
        recipients=active_members(listing.organisation_id),
        verb="bid_received",
        title=_("收到一份密封揭榜：%(listing)s") % {"listing": listing.title},
        body=_(
            "目前共收到 %(n)d 份密封揭榜。揭榜单位和方案在截止时间 %(deadline)s"
            "（北京时间）后开启，届时可在揭榜列表中查看。"
        )
        % {"n": _sealed_count(listing), "deadline": _local(listing.bid_deadline)},
        target_url=_received_url(bid, listing),
    )


def _acknowledge_receipt(bid: Bid, listing, changed: bool) -> None:
    """The bidder's receipt: what arrived, when, and what the owner can see of it."""
    title = (
        _("已收到您更新的揭榜方案：%(listing)s") if changed else _("已收到您的揭榜：%(listing)s")
    ) % {"listing": listing.title}
    lines = [_("接收时间（北京时间）：%(at)s") % {"at": _local(bid.updated_at or _now())}]
    if bid.is_sealed:
        lines.append(
            _(
                "本需求为密封揭榜：截止时间 %(deadline)s（北京时间）前，需求方只知道收到了揭榜，"
                "看不到揭榜单位和方案内容。"
            )
            % {"deadline": _local(listing.bid_deadline)}
        )
    _notify_bidder(bid, "bid_receipt", title, "\n".join(str(line) for line in lines))


def related_party_flags(*, bid: Bid, listing) -> list[dict[str, str]]:
    """What the platform knows that links the bidder (or a consortium member) to the owner."""
    owner = listing.organisation
    orgs = [bid.organisation, *bid.consortium_members.all()]
    flags = []
    for org in orgs:
        if org.pk == owner.pk or org.credit_code == owner.credit_code:
            flags.append(
                {
                    "code": "same_credit_code",
                    "detail": _("%(org)s 与需求方统一社会信用代码相同") % {"org": org.name},
                }
            )
    owner_users = Membership.objects.filter(
        organisation=owner, status=Membership.Status.ACTIVE
    ).values("user_id")
    shared = (
        Membership.objects.filter(
            organisation__in=[o.pk for o in orgs],
            status=Membership.Status.ACTIVE,
            user_id__in=owner_users,
        )
        .exclude(organisation=owner)
        .select_related("user", "organisation")
    )
    for m in shared:
        flags.append(
            {
                "code": "shared_member",
                "detail": _("%(user)s 同时是 %(org)s 和需求方的成员")
                % {"user": m.user.email, "org": m.organisation.name},
            }
        )
    return flags


def bid_withdraw(*, user, bid: Bid) -> Bid:
    """The bidder takes the bid back before a decision."""
    with transaction.atomic():
        _lock_listing(_listing_of(bid))
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if not is_member_of(user, bid.organisation_id):
            raise PermissionDenied
        if not perms.can_withdraw_bid(user, bid):
            raise BidError(_("该揭榜当前不能撤回。"), code="state")
        was_visible = perms.owner_can_see_bid(bid)
        bid.status, bid.withdrawn_at = BidStatus.WITHDRAWN, _now()
        bid.save(update_fields=["status", "withdrawn_at", "updated_at"])
        if was_visible or bid.submitted_at:
            _notify_owner_withdrawn(bid, _listing_of(bid))
    return bid


def _notify_owner_withdrawn(bid: Bid, listing) -> None:
    if bid.is_sealed:
        title = _("一份密封揭榜已撤回：%(listing)s") % {"listing": listing.title}
        body = _("目前共有 %(n)d 份密封揭榜，截止时间 %(deadline)s（北京时间）后开启。") % {
            "n": _sealed_count(listing),
            "deadline": _local(listing.bid_deadline),
        }
    else:
        title = _("揭榜已撤回：%(org)s · %(listing)s") % {
            "org": bid.organisation.name,
            "listing": listing.title,
        }
        body = ""
    notification_send(
        recipients=active_members(listing.organisation_id),
        verb="bid_withdrawn",
        title=title,
        body=body,
        target_url=listing.url or "",
    )


def _lock_for_decision(user, bid: Bid):
    listing = _lock_listing(_listing_of(bid))
    bid = Bid.objects.select_for_update().select_related("organisation").get(pk=bid.pk)
    bid.demand = listing if bid.kind == ListingKind.DEMAND else None
    bid.technology = listing if bid.kind == ListingKind.TECHNOLOGY else None
    if not perms.is_listing_owner(user, listing):
        raise PermissionDenied
    if bid.is_sealed:
        raise BidError(
            _("密封揭榜在截止时间 %(deadline)s（北京时间）前不能查看或处理。")
            % {"deadline": _local(listing.bid_deadline)},
            code="sealed",
        )
    if bid.status not in DECIDABLE_STATES:
        raise BidError(
            _("该揭榜当前状态为“%(status)s”，不能再处理。") % {"status": bid.get_status_display()},
            code="state",
        )
    return listing, bid


def _notify_bidder(bid: Bid, verb: str, title: str, body: str = "") -> None:
    members = active_members(
        bid.organisation_id, *bid.consortium_members.values_list("pk", flat=True)
    )
    notification_send(
        recipients=members, verb=verb, title=title, body=body, target_url=_bid_url(bid)
    )


def bid_shortlist(*, user, bid: Bid) -> Bid:
    """The owner puts a submitted bid on the shortlist."""
    with transaction.atomic():
        listing, bid = _lock_for_decision(user, bid)
        if bid.status != BidStatus.SUBMITTED:
            raise BidError(_("只有已提交的揭榜可以入围。"), code="state")
        bid.status = BidStatus.SHORTLISTED
        bid.save(update_fields=["status", "updated_at"])
        _audit_decision(user, "bid.shortlist", bid)
        body = ""
        if bid.kind == ListingKind.DEMAND and listing.confidential_details:
            body = _("签署保密承诺后可查看需求的保密信息。")
        _notify_bidder(
            bid,
            "bid_shortlisted",
            _("您的揭榜已入围：%(listing)s") % {"listing": listing.title},
            body,
        )
    return bid


def deal_parties(bid: Bid, listing) -> tuple[int, int]:
    """(buyer, seller) organisation ids: who pays and who delivers under the bid's deal."""
    if bid.kind == ListingKind.DEMAND:
        return listing.organisation_id, bid.organisation_id
    return bid.organisation_id, listing.organisation_id


def _brokered_deal_of_pair(bid: Bid, listing, buyer: int, seller: int) -> Deal | None:
    """A counted match deal between the same two organisations on this listing, if any."""
    return (
        Deal.objects.select_for_update(of=("self",))
        .filter(source=DealSource.MATCH, bid__isnull=True, buyer_id=buyer, seller_id=seller)
        .filter(**{bid.kind: listing})
        .exclude(status=Deal.Status.CANCELLED)
        .order_by("pk")
        .first()
    )


def bid_award(*, user, bid: Bid, amount: int | None = None) -> Bid:
    """Award a bid (up to the demand's number of winners) and record the deal."""
    with transaction.atomic():
        listing, bid = _lock_for_decision(user, bid)
        # Lock every bid of the listing in one order so two awards cannot both pass the count.
        siblings = list(
            Bid.objects.select_for_update().filter(**{bid.kind: listing}).order_by("pk")
        )
        if bid.kind == ListingKind.DEMAND:
            if not lifecycle.can_move(listing, Transition.AWARD):
                raise BidError(_("该需求当前状态不能定榜。"), code="state")
            awarded = sum(1 for b in siblings if b.status == BidStatus.AWARDED)
            if awarded >= listing.winners_count:
                raise BidError(
                    _("已达到拟择优揭榜方数量（%(n)d 家），不能再定榜。")
                    % {"n": listing.winners_count},
                    code="winners",
                )
        buyer, seller = deal_parties(bid, listing)
        today = timezone.localdate(_now(), SHANGHAI)
        deal = _brokered_deal_of_pair(bid, listing, buyer, seller)
        if deal is None:
            deal = Deal(
                source=DealSource.BID,
                bid=bid,
                demand=listing if bid.kind == ListingKind.DEMAND else None,
                technology=listing if bid.kind == ListingKind.TECHNOLOGY else None,
                buyer_id=buyer,
                seller_id=seller,
                amount=amount if amount is not None else bid.price,
                awarded_on=today,
                recorded_by=user,
            )
        else:
            # The pair's brokered match deal becomes the award's: one ledger row, counted once.
            deal.source, deal.bid = DealSource.BID, bid
            if amount is not None or deal.amount is None:
                deal.amount = amount if amount is not None else bid.price
            deal.awarded_on = min(deal.awarded_on, today)
        deal.full_clean(exclude=["bid"])
        bid.status, bid.decided_at = BidStatus.AWARDED, _now()
        bid.save(update_fields=["status", "decided_at", "updated_at"])
        deal.save()
        # A technology withdrawn while its take-up requests were pending keeps its status.
        lifecycle.move(listing, Transition.AWARD, strict=bid.kind == ListingKind.DEMAND)
        _audit_decision(user, "bid.award", bid, amount=deal.amount, deal=deal.pk)
        # In the same transaction: the project the award starts (marketplace.projects).
        bid_awarded.send(sender=Bid, bid=bid, deal=deal, listing=listing, user=user)
        _notify_bidder(
            bid,
            "bid_awarded",
            _("恭喜，您的揭榜已中榜：%(listing)s") % {"listing": listing.title},
            _("平台将与双方联系，完善成交与签约信息。"),
        )
    return bid


def bid_revoke_award(*, user, bid: Bid, reason: str) -> Bid:
    """A curator revokes an award (an objection upheld during 公示).

    The bid becomes ``revoked``, its deal leaves the counted ledger, and when no award of
    the listing is left standing the listing goes back (demand awarded → closed,
    technology taken_up → published) so its owner may award another bid.
    """
    if not is_curator(user):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写撤销定榜的原因。")]})
    with transaction.atomic():
        listing = _lock_listing(_listing_of(bid))
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if bid.status != BidStatus.AWARDED:
            raise BidError(
                _("该揭榜当前状态为“%(status)s”，不能撤销定榜。")
                % {"status": bid.get_status_display()},
                code="state",
            )
        bid.status, bid.decided_at = BidStatus.REVOKED, _now()
        bid.save(update_fields=["status", "decided_at", "updated_at"])
        deal = Deal.objects.filter(bid=bid).first()
        if deal is not None:
            deal_cancel(user=user, deal=deal, reason=reason)
        standing = Bid.objects.filter(**{bid.kind: listing}, status=BidStatus.AWARDED).exists()
        if not standing:
            # Not strict: a listing that moved on (withdrawn, work started) stays where it is.
            lifecycle.move(listing, Transition.REVOKE_AWARD, strict=False)
        _audit_decision(user, "bid.revoke_award", bid, note=reason)
        _notify_bidder(
            bid,
            "bid_award_revoked",
            _("定榜已撤销：%(listing)s") % {"listing": listing.title},
            reason,
        )
    return bid


def _audit_decision(user, action: str, bid: Bid, note: str = "", **extra: Any) -> None:
    """The listing owner's decisions on bids go to the audit log."""
    details = {"kind": bid.kind, "listing": bid.listing_id, "organisation": bid.organisation_id}
    audit_record(actor=user, action=action, obj=bid, note=note, details=details | extra)


def bid_decline(*, user, bid: Bid, reason: str, comment: str) -> Bid:
    """Decline with a reason code and a comment the bidder will read."""
    errors = {}
    if reason not in DeclineReason.values:
        errors["reason"] = [_("请选择未中榜原因。")]
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = [_("请简要说明原因，揭榜方将看到这段说明。")]
    elif len(comment) > 1000:
        errors["comment"] = [_("说明不超过1000字。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        listing, bid = _lock_for_decision(user, bid)
        bid.status, bid.decided_at = BidStatus.DECLINED, _now()
        bid.decline_reason, bid.decline_comment = reason, comment
        bid.save(
            update_fields=[
                "status",
                "decided_at",
                "decline_reason",
                "decline_comment",
                "updated_at",
            ]
        )
        _audit_decision(user, "bid.decline", bid, note=comment, reason=reason)
        _notify_bidder(
            bid,
            "bid_declined",
            _("揭榜结果：%(listing)s 未中榜") % {"listing": listing.title},
            f"{DeclineReason(reason).label}：{comment}",
        )
    return bid


def bid_message_post(*, user, bid: Bid, body: str) -> BidMessage:
    """A message in the thread between the owner and the bidder."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("请输入内容。")]})
    if len(body) > 4000:
        raise ValidationError({"body": [_("内容不超过4000字。")]})
    if bid.is_sealed and is_member_of(user, bid.organisation_id):
        raise BidError(SEALED_THREAD_MESSAGE, code="sealed")
    if not perms.can_message_bid(user, bid):
        raise PermissionDenied
    listing = _listing_of(bid)
    from_bidder = is_member_of(user, bid.organisation_id)
    org_id = bid.organisation_id if from_bidder else listing.organisation_id
    with transaction.atomic():
        msg = BidMessage.objects.create(
            bid=bid, author=user, author_organisation_id=org_id, body=body
        )
        recipients = active_members(listing.organisation_id if from_bidder else bid.organisation_id)
        notification_send(
            recipients=[u for u in recipients if u.pk != user.pk],
            verb="bid_message",
            title=_("揭榜沟通有新消息：%(listing)s") % {"listing": listing.title},
            body=body[:200],
            target_url=_bid_url(bid),
        )
    return msg


# ---------------------------------------------------------------------------
# the demand: public Q&A, closing, confidential details


def question_ask(*, user, demand: DemandPage, question: str) -> PublicQuestion:
    """Anyone signed in may ask a public question on an open demand before its deadline."""
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": [_("请输入问题。")]})
    if len(question) > 2000:
        raise ValidationError({"question": [_("问题不超过2000字。")]})
    if perms.is_listing_owner(user, demand):
        raise BidError({"question": [_("需求方请直接在答疑中发布说明。")]}, code="owner")
    with transaction.atomic():
        demand = _lock_listing(demand)
        _require_accepting(demand)
        item = PublicQuestion(demand=demand, asked_by=user, question=question)
        item.full_clean()
        item.save()
        notification_send(
            recipients=active_members(demand.organisation_id),
            verb="question_asked",
            title=_("需求收到新的提问：%(listing)s") % {"listing": demand.title},
            body=question[:200],
            target_url=(demand.url or "") + "#qa",
        )
    return item


def question_answer(*, user, question: PublicQuestion, answer: str) -> PublicQuestion:
    """The owner answers; the answer shows on the demand page and the asker is told."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("请输入答复。")]})
    if len(answer) > 4000:
        raise ValidationError({"answer": [_("答复不超过4000字。")]})
    with transaction.atomic():
        question = (
            PublicQuestion.objects.select_for_update().select_related("demand").get(pk=question.pk)
        )
        if not perms.is_listing_owner(user, question.demand):
            raise PermissionDenied
        question.answer, question.answered_by, question.answered_at = answer, user, _now()
        question.save(update_fields=["answer", "answered_by", "answered_at"])
        notification_send(
            recipients=[question.asked_by],
            verb="question_answered",
            title=_("您的提问已答复：%(listing)s") % {"listing": question.demand.title},
            body=answer[:200],
            target_url=(question.demand.url or "") + "#qa",
        )
    return question


def demand_close(*, user, demand: DemandPage) -> DemandPage:
    """The owner stops accepting bids; a submission racing with this is all in or all out."""
    with transaction.atomic():
        demand = _lock_listing(demand)
        if not perms.is_listing_owner(user, demand):
            raise PermissionDenied
        if not lifecycle.can_move(demand, Transition.CLOSE):
            raise BidError(_("只有揭榜中的需求可以截止。"), code="state")
        lifecycle.move(demand, Transition.CLOSE)
        audit_record(actor=user, action="listing.close", obj=demand, details={"kind": "demand"})
    return demand


def confidentiality_accept(
    *, user, demand: DemandPage, ip_address: str | None = None
) -> ConfidentialityAgreement:
    """A shortlisted bidder accepts the confidentiality terms (recorded once per version)."""
    bid = perms.shortlisted_bid_of(user, demand)
    if bid is None:
        raise PermissionDenied
    agreement, _created = ConfidentialityAgreement.objects.get_or_create(
        demand=demand,
        user=user,
        version=CONFIDENTIALITY_TERMS_VERSION,
        defaults={"organisation_id": bid.organisation_id, "ip_address": ip_address},
    )
    return agreement


def access_log_record(
    *,
    user,
    action: str,
    demand=None,
    technology=None,
    bid: Bid | None = None,
    attachment: BidAttachment | None = None,
    ip_address: str | None = None,
) -> AccessLogEntry:
    """Write one line of the access log (confidential details or a bid attachment)."""
    ids = sorted(active_organisation_ids(user))
    org_id = (
        bid.organisation_id if bid and bid.organisation_id in ids else (ids[0] if ids else None)
    )
    return AccessLogEntry.objects.create(
        action=action,
        user=user,
        organisation_id=org_id,
        demand=demand,
        technology=technology,
        bid=bid,
        attachment=attachment,
        ip_address=ip_address,
    )


# ---------------------------------------------------------------------------
# deadline reminders


REMINDER_WINDOWS = (("1d", datetime.timedelta(days=1)), ("3d", datetime.timedelta(days=3)))


def deadline_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind owners and bidders of demands closing within 3 days / 1 day; each once."""
    from .models import SentReminder

    now = now or _now()
    horizon = now + REMINDER_WINDOWS[-1][1]
    demands = (
        DemandPage.objects.filter(lifecycle.accepting_q(ListingKind.DEMAND, now=now))
        .filter(bid_deadline__lte=horizon)
        .select_related("organisation")
    )
    sent = 0
    for demand in demands:
        window = next(w for w, delta in REMINDER_WINDOWS if demand.bid_deadline - now <= delta)
        bidder_orgs = Bid.objects.filter(
            demand=demand, status__in=(BidStatus.DRAFT, BidStatus.SUBMITTED)
        ).values_list("organisation_id", flat=True)
        for user in active_members(demand.organisation_id, *bidder_orgs):
            sent += _reminder_send(SentReminder, demand, user, window)
    return sent


def _reminder_send(model, demand, user, window: str) -> int:
    with transaction.atomic():
        _row, created = model.objects.get_or_create(
            demand=demand, user=user, window=window, deadline=demand.bid_deadline
        )
        if not created:
            return 0
        left = _("3天") if window == "3d" else _("1天")
        notification_send(
            recipients=[user],
            verb=f"deadline_{window}",
            title=_("揭榜将于%(left)s后截止：%(listing)s")
            % {"left": left, "listing": demand.title},
            body=_("截止时间（北京时间）：%(deadline)s")
            % {"deadline": _local(demand.bid_deadline)},
            target_url=demand.url or "",
        )
    return 1
