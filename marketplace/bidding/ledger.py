"""Writes of the deal ledger (成交台账): match deals, 技术合同登记, 到账, cancellation.

``bidding.Deal`` is the one record of a deal: a bid's award writes its row
(``services.bid_award``), a curator's match deal writes or completes one
(``deal_record_for_match``). A deal's parties are its buyer (who pays) and its seller
(who delivers); either side registers the technology contract, a curator confirms or
returns it; the buyer (or a curator) records payments received. Each write checks its
rule here, changes nothing when it refuses, is audited and tells the other side
(``target_url``: the page the notification links to, e.g. the project's).
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.audit.services import audit_record
from marketplace.notifications.services import notification_send
from marketplace.organisations.permissions import active_organisation_ids, is_curator
from marketplace.organisations.selectors import active_members

from .models import (
    MAX_PRICE_YUAN,
    ContractState,
    ContractType,
    Deal,
    DealPayment,
    DealSource,
    TechContract,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_NOTE = 200


class LedgerError(ValidationError):
    """A ledger rule refused the request; nothing was changed."""


# -- helpers ----------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate(timezone.now(), SHANGHAI)


def default_registry() -> str:
    """The registration office a new contract form suggests (``JIEBANG_CONTRACT_REGISTRY``)."""
    return str(getattr(settings, "JIEBANG_CONTRACT_REGISTRY", ""))


def is_party(user, deal: Deal) -> bool:
    """A member of the buyer or of the seller."""
    return bool({deal.buyer_id, deal.seller_id} & active_organisation_ids(user))


def is_payer(user, deal: Deal) -> bool:
    return deal.buyer_id in active_organisation_ids(user)


def can_register_contract(user, deal: Deal) -> bool:
    return deal.is_counted and is_party(user, deal)


def can_record_payment(user, deal: Deal) -> bool:
    return deal.is_counted and (is_payer(user, deal) or is_curator(user))


def _curators() -> list:
    return list(
        get_user_model()
        .objects.filter(
            Q(groups__name=settings.JIEBANG_CURATORS_GROUP) | Q(is_superuser=True), is_active=True
        )
        .distinct()
    )


def _notify(people, verb: str, title: str, body: str = "", target_url: str = "") -> None:
    notification_send(recipients=people, verb=verb, title=title, body=body, target_url=target_url)


def _audit(user, action: str, obj, note: str = "", **details: Any) -> None:
    audit_record(actor=user, action=action, obj=obj, note=note, details=details)


def _lock(deal: Deal) -> Deal:
    return (
        Deal.objects.select_for_update(of=("self",))
        .select_related("demand", "technology")
        .get(pk=deal.pk)
    )


def parse_yuan(raw: Any, field: str, *, minimum: int = 0) -> int:
    """An amount in yuan: a whole number within range; anything else is a clear error."""
    text = str(raw if raw is not None else "").strip().replace(",", "")
    if not text:
        raise LedgerError({field: [_("请填写金额（元）。")]})
    try:
        value = int(text)
    except ValueError:
        raise LedgerError({field: [_("金额请填写整数（元）。")]}) from None
    if value < 0:
        raise LedgerError({field: [_("金额不能为负数。")]})
    if value < minimum:
        raise LedgerError({field: [_("金额须大于零。")]})
    if value > MAX_PRICE_YUAN:
        raise LedgerError({field: [_("金额超出合理范围。")]})
    return value


def _check_date(day, field: str, deal: Deal, label: str) -> None:
    if not isinstance(day, datetime.date):
        raise LedgerError({field: [_("请填写%(label)s。") % {"label": label}]})
    if day < deal.awarded_on:
        raise LedgerError(
            {
                field: [
                    _("%(label)s不能早于成交（定榜）日期 %(date)s。")
                    % {"label": label, "date": deal.awarded_on.isoformat()}
                ]
            }
        )
    if day > _today():
        raise LedgerError({field: [_("%(label)s不能晚于今天。") % {"label": label}]})


def _require_counted(deal: Deal) -> None:
    if not deal.is_counted:
        raise LedgerError(_("该成交已取消。"), code="state")


# -- deals --------------------------------------------------------------------------


def _bid_deal_between(demand, technology) -> Deal | None:
    """The deal of a bid between the pair: the technology's owner on the demand, or back."""
    return (
        Deal.objects.select_for_update(of=("self",))
        .filter(source=DealSource.BID)
        .filter(
            Q(bid__demand_id=demand.pk, bid__organisation_id=technology.organisation_id)
            | Q(bid__technology_id=technology.pk, bid__organisation_id=demand.organisation_id)
        )
        .order_by("-awarded_on", "-pk")
        .first()
    )


def deal_record_for_match(
    *,
    user,
    demand,
    technology,
    amount: int,
    signed_on: datetime.date,
    note: str = "",
    current: Deal | None = None,
) -> tuple[Deal, dict | None]:
    """The ledger row of a brokered match's deal, and its previous values (None when new).

    When the pair also went through a bid, the bid's row is completed (the deal counts
    once); otherwise the match's own row (``current``, source "match") is created or corrected.
    The caller (``matches.services.match_record_deal``) checks the match and audits.
    """
    if not is_curator(user):
        raise PermissionDenied
    note = (note or "").strip()
    deal = _bid_deal_between(demand, technology)
    if deal is None and current is not None and current.source == DealSource.MATCH:
        deal = Deal.objects.select_for_update().get(pk=current.pk)
    elif deal is not None and current is not None and current.pk != deal.pk:
        # The pair's own match row predates the bid's: the bid's row now holds the deal.
        Deal.objects.filter(pk=current.pk, source=DealSource.MATCH).update(
            status=Deal.Status.CANCELLED
        )
    previous = None
    if deal is None:
        deal = Deal(
            source=DealSource.MATCH,
            demand=demand,
            technology=technology,
            buyer_id=demand.organisation_id,
            seller_id=technology.organisation_id,
            awarded_on=signed_on,
            recorded_by=user,
        )
    else:
        previous = {
            "amount": deal.amount,
            "signed_on": deal.signed_on.isoformat() if deal.signed_on else None,
        }
    deal.amount, deal.signed_on = amount, signed_on
    if deal.source == DealSource.MATCH:
        deal.awarded_on = signed_on
    if note:
        deal.note = note if deal.source == DealSource.MATCH else deal.note or note
    if deal.status == Deal.Status.RECORDED:
        deal.status = Deal.Status.SIGNED
    deal.full_clean(exclude=["bid"])
    deal.save()
    return deal, previous


def deal_cancel(*, user, deal: Deal, reason: str) -> Deal:
    """Take a deal out of the counted ledger (an award revoked, a deal that fell through)."""
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError({"reason": [_("请填写取消原因。")]})
    with transaction.atomic():
        deal = _lock(deal)
        if deal.status == Deal.Status.CANCELLED:
            return deal
        previous = deal.status
        deal.status = Deal.Status.CANCELLED
        deal.save(update_fields=["status", "updated_at"])
        _audit(user, "deal.cancel", deal, note=reason, previous=previous)
    return deal


# -- 技术合同登记 ------------------------------------------------------------------------


def _contract_values(
    deal: Deal,
    *,
    contract_type: str,
    number: str,
    registry: str,
    signed_on,
    registered_on,
    amount,
    technology_amount,
) -> dict[str, Any]:
    """Every field checked at once: all the errors of one form come back together."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if contract_type not in ContractType.values:
        errors["contract_type"] = [_("请选择合同类型。")]
    values["contract_type"] = contract_type
    for field, raw, message, limit in (
        ("number", number, _("请填写合同编号。"), 64),
        ("registry", registry, _("请填写登记机构。"), 120),
    ):
        text = (raw or "").strip()
        if not text:
            errors[field] = [message]
        elif len(text) > limit:
            errors[field] = [_("内容过长。")]
        values[field] = text
    for field, day, label in (
        ("signed_on", signed_on, _("签订日期")),
        ("registered_on", registered_on, _("登记日期")),
    ):
        try:
            _check_date(day, field, deal, label)
        except LedgerError as exc:
            errors.update(exc.message_dict)
        values[field] = day
    if "signed_on" not in errors and "registered_on" not in errors:
        if registered_on < signed_on:
            errors["registered_on"] = [_("登记日期不能早于签订日期。")]
    for field, raw in (("amount", amount), ("technology_amount", technology_amount)):
        try:
            values[field] = parse_yuan(raw, field)
        except LedgerError as exc:
            errors.update(exc.message_dict)
    if "amount" not in errors and "technology_amount" not in errors:
        if values["technology_amount"] > values["amount"]:
            errors["technology_amount"] = [_("技术交易额不能大于成交金额。")]
    if errors:
        raise LedgerError(errors)
    return values


def contract_register(
    *,
    user,
    deal: Deal,
    contract_type: str,
    number: str,
    registry: str,
    signed_on: datetime.date,
    registered_on: datetime.date,
    amount: int | str,
    technology_amount: int | str,
    target_url: str = "",
) -> TechContract:
    """Either party registers the deal's technology contract, or resubmits a returned one."""
    if not is_party(user, deal):
        raise PermissionDenied
    with transaction.atomic():
        deal = _lock(deal)
        _require_counted(deal)
        contract = TechContract.objects.select_for_update().filter(deal=deal).first()
        if contract is not None and contract.state != ContractState.RETURNED:
            raise LedgerError(_("该项目已登记技术合同。"), code="duplicate")
        values = _contract_values(
            deal,
            contract_type=contract_type,
            number=number,
            registry=registry,
            signed_on=signed_on,
            registered_on=registered_on,
            amount=amount,
            technology_amount=technology_amount,
        )
        resubmitted = contract is not None
        contract = contract or TechContract(deal=deal)
        for field, value in values.items():
            setattr(contract, field, value)
        contract.state, contract.return_reason = ContractState.SUBMITTED, ""
        contract.submitted_by, contract.submitted_at = user, timezone.now()
        contract.decided_by, contract.decided_at = None, None
        contract.full_clean()
        contract.save()
        _audit(
            user,
            "contract.resubmit" if resubmitted else "contract.register",
            deal,
            contract=contract.pk,
            number=contract.number,
            amount=contract.amount,
            technology_amount=contract.technology_amount,
        )
        other = deal.seller_id if deal.buyer_id in active_organisation_ids(user) else deal.buyer_id
        _notify(
            active_members(other) + _curators(),
            "contract_registered",
            _("技术合同已登记，待管理部门确认：%(title)s") % {"title": deal.title},
            _("合同编号：%(number)s") % {"number": contract.number},
            target_url,
        )
    return contract


def _decide_contract(user, contract: TechContract) -> tuple[TechContract, Deal]:
    if not is_curator(user):
        raise PermissionDenied
    contract = TechContract.objects.select_for_update().get(pk=contract.pk)
    deal = _lock(contract.deal)
    if contract.state != ContractState.SUBMITTED:
        raise LedgerError(
            _("该合同当前状态为“%(state)s”，不能确认或退回。")
            % {"state": contract.get_state_display()},
            code="state",
        )
    return contract, deal


def contract_confirm(*, user, contract: TechContract, target_url: str = "") -> TechContract:
    """A curator confirms the registration: the ledger row takes the contract's amount and date."""
    with transaction.atomic():
        contract, deal = _decide_contract(user, contract)
        _require_counted(deal)
        contract.state = ContractState.CONFIRMED
        contract.decided_by, contract.decided_at = user, timezone.now()
        contract.save()
        previous = {
            "amount": deal.amount,
            "signed_on": deal.signed_on.isoformat() if deal.signed_on else None,
        }
        deal.amount, deal.signed_on = contract.amount, contract.signed_on
        deal.status = Deal.Status.SIGNED
        deal.save(update_fields=["amount", "signed_on", "status", "updated_at"])
        _audit(user, "contract.confirm", deal, contract=contract.pk, previous=previous)
        _notify(
            active_members(deal.buyer_id, deal.seller_id),
            "contract_confirmed",
            _("技术合同登记已确认：%(title)s") % {"title": deal.title},
            _("合同编号：%(number)s") % {"number": contract.number},
            target_url,
        )
    return contract


def contract_return(
    *, user, contract: TechContract, reason: str, target_url: str = ""
) -> TechContract:
    """A curator returns the registration with a reason; the parties correct and resubmit."""
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError({"reason": [_("请填写退回原因。")]})
    with transaction.atomic():
        contract, deal = _decide_contract(user, contract)
        contract.state, contract.return_reason = ContractState.RETURNED, reason[:4000]
        contract.decided_by, contract.decided_at = user, timezone.now()
        contract.save()
        _audit(user, "contract.return", deal, note=reason, contract=contract.pk)
        _notify(
            active_members(deal.buyer_id, deal.seller_id),
            "contract_returned",
            _("技术合同登记被退回：%(title)s") % {"title": deal.title},
            reason,
            target_url,
        )
    return contract


# -- 到账 ------------------------------------------------------------------------------


def payment_record(
    *,
    user,
    deal: Deal,
    amount: int | str,
    received_on: datetime.date,
    note: str = "",
    target_url: str = "",
) -> DealPayment:
    """The buyer (payer) or a curator records a payment received under the deal.

    The total received may not exceed the contract amount (the confirmed or submitted
    contract's 成交金额, else the deal's amount): a larger figure is refused, not warned.
    """
    if not (is_payer(user, deal) or is_curator(user)):
        raise PermissionDenied
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        value = parse_yuan(amount, "amount", minimum=1)
    except LedgerError as exc:
        errors.update(exc.message_dict)
    try:
        _check_date(received_on, "received_on", deal, _("到账日期"))
    except LedgerError as exc:
        errors.update(exc.message_dict)
    if len(note) > MAX_NOTE:
        errors["note"] = [_("备注不超过200字。")]
    if errors:
        raise LedgerError(errors)
    with transaction.atomic():
        deal = _lock(deal)
        _require_counted(deal)
        ceiling = contract_amount(deal)
        paid = deal.payments.aggregate(total=Sum("amount"))["total"] or 0
        if ceiling is not None and paid + value > ceiling:
            raise LedgerError(
                {
                    "amount": [
                        _(
                            "到账合计（%(total)s元）将超过合同金额（%(ceiling)s元），"
                            "请核对金额；合同金额有变化时请先更正成交或合同。"
                        )
                        % {"total": paid + value, "ceiling": ceiling}
                    ]
                }
            )
        payment = DealPayment(
            deal=deal, amount=value, received_on=received_on, note=note, recorded_by=user
        )
        payment.full_clean()
        payment.save()
        _audit(
            user,
            "payment.record",
            deal,
            note=note,
            payment=payment.pk,
            amount=value,
            received_on=received_on.isoformat(),
        )
        _notify(
            active_members(deal.buyer_id, deal.seller_id),
            "payment_recorded",
            _("到账已登记：%(title)s") % {"title": deal.title},
            _("到账 %(amount)s 元（%(date)s）")
            % {"amount": value, "date": received_on.isoformat()},
            target_url,
        )
    return payment


def contract_amount(deal: Deal) -> int | None:
    """The amount payments are checked against: the contract's (unless returned), else the deal's."""
    contract = TechContract.objects.filter(deal=deal).first()
    if contract is not None and contract.state != ContractState.RETURNED:
        return contract.amount
    return deal.amount
