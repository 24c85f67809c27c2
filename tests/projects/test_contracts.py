"""技术合同登记 and 到账 on the project page: every role, every rule, bad input changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from marketplace.audit.models import AuditEntry
from marketplace.bidding import ledger
from marketplace.bidding.models import ContractState, Deal, DealPayment, TechContract
from marketplace.notifications.models import Notification
from marketplace.projects import services
from marketplace.projects.models import ObjectionState
from marketplace.projects.selectors import project_deal

from .conftest import ROLES
from .test_views import _client, _status

pytestmark = pytest.mark.django_db

TODAY = ledger._today


def _days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


@pytest.fixture
def deal(awarded) -> Deal:
    """The award's ledger row, awarded 30 days ago so that dates after it can be chosen."""
    row = project_deal(awarded)
    Deal.objects.filter(pk=row.pk).update(awarded_on=_days_ago(30), amount=800_000)
    row.refresh_from_db()
    return row


def contract_data(**overrides) -> dict:
    data = {
        "contract_type": "development",
        "number": "2025370100000123",
        "registry": "济南市技术合同登记机构",
        "signed_on": _days_ago(10).isoformat(),
        "registered_on": _days_ago(5).isoformat(),
        "amount": "800000",
        "technology_amount": "600000",
    }
    data.update(overrides)
    return data


def register(user, deal, **overrides) -> TechContract:
    data = contract_data(**overrides)
    for key in ("signed_on", "registered_on"):
        data[key] = datetime.date.fromisoformat(data[key])
    return ledger.contract_register(user=user, deal=deal, **data)


def _snapshot(deal: Deal):
    deal.refresh_from_db()
    return (
        list(TechContract.objects.values_list("pk", "state", "amount", "number")),
        list(DealPayment.objects.values_list("pk", "amount")),
        (deal.amount, deal.signed_on, deal.status),
        AuditEntry.objects.filter(action__startswith="contract.").count(),
    )


# -- the page --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_contract_form_is_shown_to_the_two_parties_only(client, people, deal, awarded, role):
    response = _client(client, people, role).get(
        reverse("projects:detail", kwargs={"pk": awarded.pk})
    )
    if role in ("other", "anonymous"):
        assert _status(response) in (404, 401)
        return
    body = response.content.decode()
    assert "技术合同登记" in body
    assert ("登记合同" in body) == (role in ("owner", "winner"))
    # The owner of a demand pays: the payment form is the owner's and the curators'.
    assert ("登记到账" in body) == (role in ("owner", "curator"))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 302),
        ("winner", 302),
        ("consortium", 404),
        ("other", 404),
        ("anonymous", 401),
        ("curator", 404),
    ],
)
def test_who_may_register_the_contract(client, people, deal, awarded, role, expected):
    response = _client(client, people, role).post(
        reverse("projects:contract_register", kwargs={"pk": awarded.pk}), contract_data()
    )
    assert _status(response) == expected
    assert TechContract.objects.filter(deal=deal).exists() == (expected == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 404),
        ("winner", 404),
        ("consortium", 404),
        ("other", 404),
        ("anonymous", 401),
        ("curator", 302),
    ],
)
def test_only_a_curator_confirms(client, people, deal, research_member, role, expected):
    contract = register(research_member, deal)
    response = _client(client, people, role).post(
        reverse("projects:contract_confirm", kwargs={"pk": contract.pk})
    )
    assert _status(response) == expected
    contract.refresh_from_db()
    deal.refresh_from_db()
    confirmed = expected == 302
    assert (contract.state == ContractState.CONFIRMED) == confirmed
    assert (deal.status == Deal.Status.SIGNED) == confirmed


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 404),
        ("winner", 404),
        ("consortium", 404),
        ("other", 404),
        ("anonymous", 401),
        ("curator", 302),
    ],
)
def test_only_a_curator_returns(client, people, deal, research_member, role, expected):
    contract = register(research_member, deal)
    response = _client(client, people, role).post(
        reverse("projects:contract_return", kwargs={"pk": contract.pk}),
        {"reason": "合同编号与登记证明不一致"},
    )
    assert _status(response) == expected
    contract.refresh_from_db()
    assert (contract.state == ContractState.RETURNED) == (expected == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 302),
        ("winner", 404),
        ("consortium", 404),
        ("other", 404),
        ("anonymous", 401),
        ("curator", 302),
    ],
)
def test_who_may_record_a_payment(client, people, deal, awarded, role, expected):
    response = _client(client, people, role).post(
        reverse("projects:payment_record", kwargs={"pk": awarded.pk}),
        {"amount": "200000", "received_on": _days_ago(3).isoformat(), "note": "首付款"},
    )
    assert _status(response) == expected
    assert DealPayment.objects.filter(deal=deal).count() == (1 if expected == 302 else 0)


# -- the whole path ----------------------------------------------------------------------


def test_register_return_resubmit_confirm_and_pay(
    client, deal, awarded, enterprise_member, research_member, curator
):
    client.force_login(research_member)
    url = reverse("projects:contract_register", kwargs={"pk": awarded.pk})
    assert client.post(url, contract_data()).status_code == 302
    contract = TechContract.objects.get(deal=deal)
    assert (contract.state, contract.amount, contract.technology_amount) == (
        ContractState.SUBMITTED,
        800_000,
        600_000,
    )
    # The other side and the curators are told; the decision is audited.
    assert Notification.objects.filter(
        recipient=enterprise_member, verb="contract_registered"
    ).exists()
    assert Notification.objects.filter(recipient=curator, verb="contract_registered").exists()
    assert AuditEntry.objects.filter(action="contract.register").exists()

    ledger.contract_return(user=curator, contract=contract, reason="登记日期有误")
    client.force_login(enterprise_member)
    assert (
        "登记日期有误"
        in client.get(reverse("projects:detail", kwargs={"pk": awarded.pk})).content.decode()
    )
    assert client.post(url, contract_data(amount="900000")).status_code == 302
    contract.refresh_from_db()
    assert (contract.state, contract.amount) == (ContractState.SUBMITTED, 900_000)
    assert AuditEntry.objects.filter(action="contract.resubmit").exists()

    ledger.contract_confirm(user=curator, contract=contract)
    deal.refresh_from_db()
    # The ledger row takes the confirmed contract's amount and date.
    assert (deal.amount, deal.signed_on, deal.status) == (900_000, _days_ago(10), "signed")
    assert AuditEntry.objects.filter(action="contract.confirm").exists()

    pay = reverse("projects:payment_record", kwargs={"pk": awarded.pk})
    client.post(pay, {"amount": "300000", "received_on": _days_ago(4).isoformat()})
    client.post(pay, {"amount": "100000", "received_on": _days_ago(2).isoformat()})
    body = client.get(reverse("projects:detail", kwargs={"pk": awarded.pk})).content.decode()
    assert "30万元" in body and "10万元" in body and "40万元" in body  # the total, in 万元
    assert AuditEntry.objects.filter(action="payment.record").count() == 2


# -- bad input: a clear error, nothing changed -------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "金额不能为负数"),
        ({"amount": "八十万"}, "amount", "金额请填写整数"),
        ({"technology_amount": "1.5"}, "technology_amount", "金额请填写整数"),
        ({"technology_amount": "900000"}, "technology_amount", "技术交易额不能大于成交金额"),
        ({"signed_on": "2000-01-01"}, "signed_on", "签订日期不能早于成交（定榜）日期"),
        ({"registered_on": "2000-01-01"}, "registered_on", "登记日期不能早于成交（定榜）日期"),
        ({"registered_on": "2999-01-01"}, "registered_on", "登记日期不能晚于今天"),
        ({"contract_type": "gift"}, "contract_type", "请选择合同类型"),
        ({"number": " "}, "number", "请填写合同编号"),
    ],
)
def test_bad_contract_input_is_refused_and_changes_nothing(
    client, deal, awarded, research_member, overrides, field, message
):
    before = _snapshot(deal)
    client.force_login(research_member)
    response = client.post(
        reverse("projects:contract_register", kwargs={"pk": awarded.pk}),
        contract_data(**overrides),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot(deal) == before


def test_registration_before_signing_is_refused(deal, research_member):
    with pytest.raises(ledger.LedgerError) as error:
        register(
            research_member,
            deal,
            signed_on=_days_ago(3).isoformat(),
            registered_on=_days_ago(5).isoformat(),
        )
    assert "登记日期不能早于签订日期" in str(error.value.message_dict["registered_on"])
    assert not TechContract.objects.exists()


def test_a_second_contract_is_refused(client, deal, awarded, research_member, enterprise_member):
    first = register(research_member, deal)
    before = _snapshot(deal)
    client.force_login(enterprise_member)
    response = client.post(
        reverse("projects:contract_register", kwargs={"pk": awarded.pk}),
        contract_data(number="OTHER-1", amount="1"),
    )
    assert response.status_code == 400
    assert "该项目已登记技术合同" in response.content.decode()
    assert _snapshot(deal) == before
    first.refresh_from_db()
    assert first.number == "2025370100000123"


@pytest.mark.parametrize(
    ("amount", "received_on", "message"),
    [
        ("0", None, "金额须大于零"),
        ("-100", None, "金额不能为负数"),
        ("一百", None, "金额请填写整数"),
        ("100", "2000-01-01", "到账日期不能早于成交（定榜）日期"),
        ("100", "2999-01-01", "到账日期不能晚于今天"),
        ("800001", None, "将超过合同金额"),
    ],
)
def test_bad_payment_is_refused_and_changes_nothing(
    client, deal, awarded, enterprise_member, amount, received_on, message
):
    before = _snapshot(deal)
    client.force_login(enterprise_member)
    response = client.post(
        reverse("projects:payment_record", kwargs={"pk": awarded.pk}),
        {"amount": amount, "received_on": received_on or _days_ago(1).isoformat()},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot(deal) == before


def test_payments_add_up_to_the_contract_amount_and_no_further(deal, enterprise_member):
    ledger.payment_record(
        user=enterprise_member, deal=deal, amount="500000", received_on=_days_ago(2)
    )
    ledger.payment_record(
        user=enterprise_member, deal=deal, amount=300_000, received_on=_days_ago(1)
    )
    with pytest.raises(ledger.LedgerError):
        ledger.payment_record(user=enterprise_member, deal=deal, amount=1, received_on=TODAY())
    assert DealPayment.objects.filter(deal=deal).count() == 2


def test_a_revoked_award_leaves_the_ledger_and_takes_no_contract(
    deal, awarded, research_member, curator, outsider
):
    from marketplace.projects.models import Objection

    objection = Objection.objects.create(project=awarded, user=outsider, reason="关联关系")
    services.objection_resolve(
        user=curator, objection=objection, upheld=True, resolution="存在关联关系"
    )
    assert Objection.objects.get(pk=objection.pk).state == ObjectionState.UPHELD
    deal.refresh_from_db()
    assert deal.status == Deal.Status.CANCELLED
    assert AuditEntry.objects.filter(action="deal.cancel").exists()
    with pytest.raises(ledger.LedgerError):
        register(research_member, deal)
    assert not TechContract.objects.exists()
