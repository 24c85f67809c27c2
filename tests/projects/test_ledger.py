"""The one deal ledger: bid deals, match deals (one also via a bid), contracts, payments, and the
dashboard's totals and exports equal to sums over the ledger rows computed here, row by row."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from openpyxl import load_workbook

from cms.taxonomy import IndustryChain
from marketplace.bidding import ledger
from marketplace.bidding.models import Bid, Deal, DealPayment, TechContract
from marketplace.curation.dashboard import table_export
from marketplace.curation.selectors import DashboardFilter
from marketplace.curation.services import DEAL_HEADERS, deal_export_queryset
from marketplace.matches import services as match_services
from marketplace.matches.models import Match
from marketplace.organisations.models import Organisation
from marketplace.projects.models import Project
from marketplace.projects.selectors import project_deal
from tests.factories import (
    DemandPageFactory,
    MatchFactory,
    OrganisationFactory,
    TechnologyPageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/curation/dashboard/"
LIXIA, LICHENG, HUAIYIN = "370102", "370112", "370104"


def _days_ago(n: int) -> dt.date:
    return ledger._today() - dt.timedelta(days=n)


def _mutual(demand, technology) -> Match:
    now = timezone.now()
    return MatchFactory(
        demand=demand,
        technology=technology,
        state="recommended",
        decided_at=now,
        demand_answer="interested",
        technology_answer="interested",
        conversation_opened_at=now,
    )


@pytest.fixture
def book(awarded, enterprise_member, research_member, curator, university):
    """A ledger of every kind of row, built through the services where they exist."""
    chains = list(IndustryChain.objects.order_by("pk")[:2])
    # 1. The awarded demand bid (the project's deal), contract confirmed, two payments.
    bid_deal = project_deal(awarded)
    Deal.objects.filter(pk=bid_deal.pk).update(awarded_on=_days_ago(40), amount=700_000)
    bid_deal.refresh_from_db()
    contract = ledger.contract_register(
        user=research_member,
        deal=bid_deal,
        contract_type="development",
        number="2025370100000001",
        registry="济南市技术合同登记机构",
        signed_on=_days_ago(30),
        registered_on=_days_ago(20),
        amount=750_000,
        technology_amount=500_000,
    )
    ledger.contract_confirm(user=curator, contract=contract)
    ledger.payment_record(
        user=enterprise_member, deal=bid_deal, amount=300_000, received_on=_days_ago(15)
    )
    ledger.payment_record(user=curator, deal=bid_deal, amount=123_456, received_on=_days_ago(5))

    # 2. A match between the same demand and a technology of the winning university: the pair
    #    went through the bid, so the match completes the bid's row (no second row).
    through_bid = _mutual(
        awarded.demand,
        TechnologyPageFactory(organisation=university, district=LICHENG, industry_chain=chains[0]),
    )

    # 3. A brokered match deal of its own (another district and chain), with a payment.
    other_owner = OrganisationFactory(kind=Organisation.Kind.ENTERPRISE, name="历下测试企业")
    own_demand = DemandPageFactory(
        organisation=other_owner, district=LIXIA, industry_chain=chains[1]
    )
    own_match = _mutual(own_demand, TechnologyPageFactory(district=HUAIYIN))
    day = _days_ago(10)
    match_services.match_record_deal(
        match=own_match, curator=curator, amount=2_000_000, signed_on=day
    )
    own_deal = Match.objects.get(pk=own_match.pk).deal
    ledger.payment_record(user=curator, deal=own_deal, amount=1_000_000, received_on=day)

    # 4. A technology take-up, awarded: its district is the technology's.
    taker = OrganisationFactory(kind=Organisation.Kind.ENTERPRISE, name="槐荫测试企业")
    tech = TechnologyPageFactory(district=HUAIYIN, industry_chain=chains[1])
    tech_bid = Bid.objects.create(
        kind="technology", technology=tech, organisation=taker, status="awarded"
    )
    Deal.objects.create(
        bid=tech_bid,
        technology=tech,
        buyer=taker,
        seller=tech.organisation,
        amount=90_000,
        awarded_on=_days_ago(3),
    )

    # 5. A cancelled deal with a payment recorded before: out of every total.
    gone_demand = DemandPageFactory(district=LIXIA, industry_chain=chains[1])
    gone_bid = Bid.objects.create(
        kind="demand", demand=gone_demand, organisation=university, status="awarded"
    )
    gone = Deal.objects.create(
        bid=gone_bid,
        demand=gone_demand,
        buyer=gone_demand.organisation,
        seller=university,
        amount=5_000_000,
        awarded_on=_days_ago(9),
    )
    ledger.payment_record(user=curator, deal=gone, amount=40_000, received_on=_days_ago(8))
    ledger.deal_cancel(user=curator, deal=gone, reason="合作终止")

    # The match through the bid is recorded last: it corrects the bid's row.
    match_services.match_record_deal(
        match=through_bid, curator=curator, amount=760_000, signed_on=_days_ago(2)
    )
    return {"bid_deal": bid_deal, "own_deal": own_deal, "through_bid": through_bid}


def _listing(deal: Deal):
    return deal.demand or deal.technology


def _expected():
    """Sums over the ledger rows, in plain Python: the rule "not cancelled" applied here."""
    counted = [d for d in Deal.objects.all() if d.status != "cancelled"]
    paid = defaultdict(int)
    for payment in DealPayment.objects.all():
        paid[payment.deal_id] += payment.amount
    by = {"source": defaultdict(lambda: [0, 0, 0]), "district": defaultdict(lambda: [0, 0, 0])}
    by["chain"] = defaultdict(lambda: [0, 0, 0])
    for deal in counted:
        listing = _listing(deal)
        for axis, key in (
            ("source", deal.source),
            ("district", listing.district),
            ("chain", listing.industry_chain_id),
        ):
            row = by[axis][key]
            row[0] += 1
            row[1] += deal.amount or 0
            row[2] += paid[deal.pk]
    total = [len(counted), sum(d.amount or 0 for d in counted), sum(paid[d.pk] for d in counted)]
    return total, by


def _wan(yuan: int) -> float:
    return yuan / 10_000


def test_one_row_per_deal_and_the_match_through_a_bid_counts_once(book):
    bid_deal = book["bid_deal"]
    bid_deal.refresh_from_db()
    assert Match.objects.get(pk=book["through_bid"].pk).deal == bid_deal
    assert Deal.objects.filter(demand=bid_deal.demand).count() == 1
    # The curator's later figure corrects the bid's row (it was the confirmed contract's).
    assert (bid_deal.amount, bid_deal.signed_on) == (760_000, _days_ago(2))
    own = book["own_deal"]
    assert (own.source, own.buyer_id, own.seller_id) == (
        "match",
        own.demand.organisation_id,
        own.technology.organisation_id,
    )
    assert Deal.objects.count() == 4  # bid, own match, take-up, cancelled


def test_dashboard_totals_equal_the_sums_over_the_ledger(book):
    total, by = _expected()
    summary = table_export("ledger_summary", DashboardFilter())
    assert summary.rows[-1][1:] == [total[0], _wan(total[1]), _wan(total[2])]
    assert total == [3, 760_000 + 2_000_000 + 90_000, 423_456 + 1_000_000]
    sources = {row[0]: row[1:] for row in summary.rows[:-1]}
    assert sources["揭榜定榜"] == [by["source"]["bid"][0], *map(_wan, by["source"]["bid"][1:])]
    assert sources["对接推荐"] == [
        by["source"]["match"][0],
        *map(_wan, by["source"]["match"][1:]),
    ]

    districts = {
        row[0]: row[1:] for row in table_export("ledger_by_district", DashboardFilter()).rows
    }
    from marketplace.organisations.districts import District

    for code, (n, amount, paid) in by["district"].items():
        assert districts[str(District(code).label)] == [n, _wan(amount), _wan(paid)]
    assert sum(row[0] for row in districts.values()) == total[0]

    chains = dict(IndustryChain.objects.values_list("pk", "name"))
    by_chain = {row[0]: row[1:] for row in table_export("ledger_by_chain", DashboardFilter()).rows}
    for pk, (n, amount, paid) in by["chain"].items():
        assert by_chain[chains[pk]] == [n, _wan(amount), _wan(paid)]
    assert sum(row[0] for row in by_chain.values()) == total[0]


def test_district_filter_keeps_the_ledger_rule(book):
    _total, by = _expected()
    lixia = table_export("ledger_summary", DashboardFilter(district=LIXIA)).rows[-1]
    n, amount, paid = by["district"][LIXIA]
    assert lixia[1:] == [n, _wan(amount), _wan(paid)]  # the cancelled Lixia deal is left out


def test_projects_by_state_and_completion_rates(book, awarded, research_member):
    # A second project, completed, on a demand of another district.
    from marketplace.projects.models import ProjectState

    demand = DemandPageFactory(district=LIXIA)
    bid = Bid.objects.create(
        kind="demand", demand=demand, organisation=awarded.lead, status="awarded"
    )
    Project.objects.create(
        kind="demand",
        demand=demand,
        bid=bid,
        title=demand.title,
        owner=demand.organisation,
        lead=awarded.lead,
        awarded_on=_days_ago(50),
        notice_ends_on=_days_ago(40),
        state=ProjectState.COMPLETED,
    )
    projects = list(Project.objects.select_related("demand", "technology"))
    states = {row[0]: row[1] for row in table_export("projects_by_state", DashboardFilter()).rows}
    for value, label in ProjectState.choices:
        assert states[str(label)] == sum(1 for p in projects if p.state == value)
    assert states["合计"] == len(projects)

    from marketplace.organisations.districts import District

    rows = {r[0]: r[1:] for r in table_export("completion_by_district", DashboardFilter()).rows}
    for code in {p.listing.district for p in projects}:
        live = [p for p in projects if p.listing.district == code and p.state != "cancelled"]
        done = sum(1 for p in live if p.state == "completed")
        assert rows[str(District(code).label)] == [
            len(live),
            done,
            f"{round(100 * done / len(live), 1)}%",
        ]
    chains = {r[0]: r[1:] for r in table_export("completion_by_chain", DashboardFilter()).rows}
    assert sum(r[0] for r in chains.values()) == len(projects)


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return list(rows[0]), [list(r) for r in rows[1:]]


def test_contract_register_export_has_the_national_columns(client, curator, book):
    TechContract.objects.filter(deal=book["bid_deal"]).update(number="=HYPERLINK(1)")
    client.force_login(curator)
    headers, rows = _sheet(client.get(DASHBOARD + "export/contracts.xlsx"))
    assert headers == [
        "合同类型",
        "合同编号",
        "登记机构",
        "登记日期",
        "成交金额（元）",
        "技术交易额（元）",
        "项目",
        "买方",
        "卖方",
        "状态",
    ]
    contract = TechContract.objects.get()
    deal = contract.deal
    assert rows == [
        [
            "技术开发",
            "'=HYPERLINK(1)",  # a formula typed into a field stays text in the workbook
            "济南市技术合同登记机构",
            rows[0][3],
            750_000,
            500_000,
            deal.title,
            deal.buyer.name,
            deal.seller.name,
            "已确认",
        ]
    ]
    assert rows[0][3].date() == contract.registered_on
    assert "export/contracts.xlsx" in client.get(DASHBOARD + "ledger/").content.decode()


def test_deals_export_lists_every_ledger_row_match_deals_included(book):
    rows = list(deal_export_queryset())
    assert {d.pk for d in rows} == set(Deal.objects.values_list("pk", flat=True))
    assert {d.source for d in rows} == {"bid", "match"}
    assert "买方" in DEAL_HEADERS and "到账金额（万元）" in DEAL_HEADERS
    paid = {d.pk: d.paid for d in rows}
    assert paid[book["own_deal"].pk] == 1_000_000


def test_curator_only_ledger_page(client, book, research_member):
    client.force_login(research_member)
    assert client.get(DASHBOARD + "ledger/").status_code in (302, 403, 404)


# -- the data migration of the match deals -------------------------------------------------

BEFORE = [("matches", "0003_match_deal_ledger")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_match_deals_move_into_the_ledger():
    curator = UserFactory(email="ledger-curator@example.com")
    buyer = OrganisationFactory(kind=Organisation.Kind.ENTERPRISE, name="需求企业")
    solver = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY, name="揭榜大学")
    demand = DemandPageFactory(organisation=buyer)
    t_own, t_bid, t_none = (
        TechnologyPageFactory(),
        TechnologyPageFactory(organisation=solver),
        TechnologyPageFactory(),
    )
    bid = Bid.objects.create(kind="demand", demand=demand, organisation=solver, status="awarded")
    bid_deal = Deal.objects.create(
        bid=bid, demand=demand, buyer=buyer, seller=solver, awarded_on=dt.date(2025, 5, 1)
    )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("matches", "Match")
    now = timezone.now()
    own = old.objects.create(
        demand_id=demand.pk,
        technology_id=t_own.pk,
        state="recommended",
        deal_amount=500_000,
        deal_signed_on=dt.date(2025, 6, 1),
        deal_note="技术开发合同",
        deal_recorded_at=now,
        deal_recorded_by_id=curator.pk,
    )
    through = old.objects.create(
        demand_id=demand.pk,
        technology_id=t_bid.pk,
        state="recommended",
        deal_amount=300_000,
        deal_signed_on=dt.date(2025, 6, 2),
        deal_recorded_at=now,
        deal_id=bid_deal.pk,
    )
    none = old.objects.create(demand_id=demand.pk, technology_id=t_none.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    own_deal = Match.objects.get(pk=own.pk).deal
    assert (own_deal.source, own_deal.amount, own_deal.signed_on, own_deal.awarded_on) == (
        "match",
        500_000,
        dt.date(2025, 6, 1),
        dt.date(2025, 6, 1),
    )
    assert (own_deal.buyer_id, own_deal.seller_id) == (buyer.pk, t_own.organisation_id)
    assert (own_deal.note, own_deal.recorded_by_id, own_deal.status) == (
        "技术开发合同",
        curator.pk,
        "signed",
    )
    bid_deal.refresh_from_db()
    assert Match.objects.get(pk=through.pk).deal_id == bid_deal.pk
    # The bid's row had no amount: the match's fills it; no second row for the pair.
    assert (bid_deal.amount, bid_deal.signed_on) == (300_000, dt.date(2025, 6, 2))
    assert Match.objects.get(pk=none.pk).deal_id is None
    assert Deal.objects.count() == 2


def test_an_award_after_a_match_deal_takes_over_its_row(
    demand, technology, submitted_bid, enterprise_member, curator
):
    from marketplace.bidding.services import bid_award

    # The university's technology met the enterprise's demand through a curator first…
    match = _mutual(demand, technology)
    match_services.match_record_deal(
        match=match, curator=curator, amount=650_000, signed_on=_days_ago(1)
    )
    brokered = Match.objects.get(pk=match.pk).deal
    # …then the university's bid on the same demand is awarded: still one ledger row.
    bid_award(user=enterprise_member, bid=submitted_bid)
    assert Deal.objects.count() == 1
    deal = Deal.objects.get()
    assert deal.pk == brokered.pk and Match.objects.get(pk=match.pk).deal_id == deal.pk
    assert (deal.source, deal.bid_id, deal.amount) == ("bid", submitted_bid.pk, 650_000)
    assert deal.awarded_on == _days_ago(1)
    assert project_deal(Project.objects.get(bid=submitted_bid)) == deal
