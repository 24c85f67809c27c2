"""Writes for organisations: registration, join requests and curator verification."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.audit.services import audit_record
from marketplace.notifications.services import notification_send, site_url

from .credit_code import normalise_credit_code
from .models import EnterpriseTier, Membership, Organisation, VerificationDecision
from .permissions import is_curator
from .selectors import REGISTRABLE_KINDS, active_members, is_owner, owner_emails

logger = logging.getLogger(__name__)

ORGANISATION_FIELDS = (
    "kind",
    "name",
    "credit_code",
    "district",
    "address",
    "website",
    "description",
    "contact_name",
    "contact_phone",
    "contact_email",
)
DUPLICATE_CREDIT_CODE = gettext_lazy(
    "该统一社会信用代码已被注册。如果您是该单位的员工，请改为申请加入该单位。"
)
Status = Membership.Status
Verification = Organisation.Verification


def organisation_register(
    *, user, data: Mapping[str, Any], tiers: Iterable[Mapping[str, Any]] = ()
) -> Organisation:
    """Create a pending organisation with its tiers and make the user its owner."""
    values = {f: data[f] for f in ORGANISATION_FIELDS if f in data}
    values["credit_code"] = normalise_credit_code(values.get("credit_code", ""))
    organisation = Organisation(**values, verification=Verification.PENDING)
    _check_registrable(organisation)
    tier_rows = [EnterpriseTier(organisation=organisation, **tier) for tier in tiers]
    if tier_rows and not organisation.is_enterprise:
        raise ValidationError(_("只有企业可以填写企业梯度认定。"), code="tiers")
    try:
        with transaction.atomic():
            organisation.save()
            for tier in tier_rows:
                tier.organisation = organisation
                tier.full_clean()
                tier.save()
            Membership.objects.create(
                user=user,
                organisation=organisation,
                role=Membership.Role.OWNER,
                status=Status.ACTIVE,
            )
    except IntegrityError:  # another registration of the same code won the race
        raise _duplicate_code() from None
    return organisation


def _check_registrable(organisation: Organisation) -> None:
    if organisation.kind and organisation.kind not in REGISTRABLE_KINDS:
        raise ValidationError({"kind": _("请选择企业、高校或科研院所。")}, code="kind")
    organisation.full_clean(validate_unique=False)
    others = Organisation.objects.exclude(pk=organisation.pk)
    if others.filter(credit_code=organisation.credit_code).exists():
        raise _duplicate_code()


def _duplicate_code() -> ValidationError:
    return ValidationError(
        {"credit_code": ValidationError(DUPLICATE_CREDIT_CODE, code="duplicate")}
    )


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, actor, data: Mapping[str, Any]
) -> Organisation:
    """An owner corrects an unverified organisation; a rejected one goes back to review."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not is_owner(actor, organisation):
        raise PermissionDenied
    if organisation.is_verified:
        raise ValidationError(_("已认证单位的信息变更请联系平台工作人员。"), code="verified")
    for field in ORGANISATION_FIELDS:
        if field in data and field != "kind":
            setattr(organisation, field, data[field])
    organisation.credit_code = normalise_credit_code(organisation.credit_code)
    organisation.verification = Verification.PENDING
    _check_registrable(organisation)
    organisation.save()
    return organisation


@transaction.atomic
def membership_request(*, user, organisation: Organisation) -> Membership:
    """Ask to join an organisation; its owners approve or decline the request."""
    if organisation.kind not in REGISTRABLE_KINDS or (
        organisation.verification == Verification.REJECTED
    ):
        raise ValidationError(_("该单位目前不接受加入申请。"), code="closed")
    membership = (
        Membership.objects.select_for_update().filter(user=user, organisation=organisation).first()
    )
    if membership is not None and membership.status == Status.ACTIVE:
        raise ValidationError(_("您已是该单位的成员。"), code="member")
    if membership is not None and membership.status == Status.PENDING:
        raise ValidationError(_("您已提交过加入申请，请等待单位管理员审批。"), code="pending")
    membership = membership or Membership(user=user, organisation=organisation)
    membership.role, membership.status = Membership.Role.MEMBER, Status.PENDING
    membership.decided_at = membership.decided_by = None
    membership.full_clean()
    membership.save()
    _notify(
        "membership_requested",
        owner_emails(organisation),
        _("【揭榜】%(name)s 申请加入 %(org)s") % {"name": user, "org": organisation},
        membership=membership,
    )
    return membership


def membership_approve(*, membership: Membership, actor) -> Membership:
    """An owner accepts a pending join request."""
    membership = _decide_membership(membership, actor, Status.ACTIVE)
    _notify(
        "membership_approved",
        [membership.user.email],
        _("【揭榜】您已加入 %(org)s") % {"org": membership.organisation},
        membership=membership,
    )
    return membership


def membership_decline(*, membership: Membership, actor) -> Membership:
    """An owner turns down a pending join request."""
    membership = _decide_membership(membership, actor, Status.DECLINED)
    _notify(
        "membership_declined",
        [membership.user.email],
        _("【揭榜】您加入 %(org)s 的申请未获批准") % {"org": membership.organisation},
        membership=membership,
    )
    return membership


@transaction.atomic
def _decide_membership(membership: Membership, actor, status: str) -> Membership:
    # Two owners may answer the same request at once: lock it and re-check its state.
    membership = (
        Membership.objects.select_for_update()
        .select_related("organisation", "user")
        .get(pk=membership.pk)
    )
    if not is_owner(actor, membership.organisation):
        raise PermissionDenied
    if membership.status != Status.PENDING:
        raise ValidationError(_("该申请已经处理过了。"), code="decided")
    membership.status, membership.decided_by = status, actor
    membership.decided_at = timezone.now()
    membership.full_clean()
    membership.save()
    action = "membership.approve" if status == Status.ACTIVE else "membership.decline"
    audit_record(
        actor=actor,
        action=action,
        obj=membership,
        details={"organisation": membership.organisation_id, "user": membership.user_id},
    )
    return membership


def organisation_verify(*, organisation: Organisation, curator, note: str = "") -> Organisation:
    """A curator confirms the organisation; its members may then submit listings and bid.

    Every active member hears of it in the site and by e-mail, with a link to /workspace/.
    """
    organisation = _decide_organisation(organisation, curator, Verification.VERIFIED, note)
    body = _("单位成员现在可以在工作台提交技术需求或科技成果供审核发布，并参与揭榜。")
    if organisation.verification_note:
        body += "\n" + _("审核意见：%(note)s") % {"note": organisation.verification_note}
    notification_send(
        recipients=active_members(organisation.pk),
        verb="organisation_verified",
        title=_("%(org)s 已通过认证") % {"org": organisation},
        body=body,
        target_url=reverse("workspace:dashboard"),
    )
    return organisation


def organisation_reject(*, organisation: Organisation, curator, note: str) -> Organisation:
    """A curator turns the organisation down, telling its members why and where to correct it."""
    if not (note or "").strip():
        raise ValidationError(
            {"note": _("驳回时请填写审核意见，说明需要补充或更正的内容。")}, code="required"
        )
    organisation = _decide_organisation(organisation, curator, Verification.REJECTED, note)
    notification_send(
        recipients=active_members(organisation.pk),
        verb="organisation_rejected",
        title=_("%(org)s 的认证申请未通过") % {"org": organisation},
        body=_("审核意见：%(note)s") % {"note": organisation.verification_note}
        + "\n"
        + _("请按审核意见更正单位信息后重新提交。"),
        target_url=reverse("organisations:edit", args=[organisation.pk]),
    )
    return organisation


@transaction.atomic
def _decide_organisation(
    organisation: Organisation, curator, decision: str, note: str
) -> Organisation:
    if not is_curator(curator):
        raise PermissionDenied
    # Two curators may decide at once: lock the row and re-check its state.
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.verification == decision:
        raise ValidationError(_("该单位已经是这个审核状态了。"), code="unchanged")
    organisation.verification, organisation.verification_note = decision, note.strip()
    organisation.verified_by = curator
    organisation.verified_at = timezone.now() if decision == Verification.VERIFIED else None
    organisation.full_clean()
    organisation.save()
    VerificationDecision.objects.create(
        organisation=organisation, decision=decision, note=note.strip(), curator=curator
    )
    action = "organisation.verify" if decision == Verification.VERIFIED else "organisation.reject"
    audit_record(
        actor=curator,
        action=action,
        obj=organisation,
        note=note.strip(),
        details={"credit_code": organisation.credit_code},
    )
    return organisation


def _notify(template: str, recipients: list[str], subject: str, **context: Any) -> None:
    """Render the email now and send it once the surrounding transaction commits."""
    recipients = [address for address in recipients if address]
    if not recipients:
        return
    # The configured public site root, never the admin's setting or the sender's host.
    context["base_url"] = site_url().rstrip("/")
    body = render_to_string(f"organisations/email/{template}.txt", context)
    transaction.on_commit(lambda: _send(subject, body, recipients))


def _send(subject: str, body: str, recipients: list[str]) -> None:
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # a mail outage must not undo a decision already committed
        logger.exception("Could not send %r to %s", subject, recipients)
