"""Demo projects: every stage after the award, made through the real services.

``manage.py seed_demo`` (cms) sends ``cms.demo.signals.demo_seeded`` inside its
transaction; :func:`seed_demo_projects` answers it (connected in ``ProjectsConfig.ready``),
so cms never imports this layer. Each scenario submits a bid (``bid_submit``), awards
it (``bid_award`` → the project), and walks the project with the services a person's
click would call (objections, start, milestone reports and decisions, 验收 and both
signatures, then ``bidding.ledger``'s 技术合同登记, its confirmation and 到账). No state
is written here.

Only *dates* are set directly, and only here: an award made today is moved into the
past (``_backdate``) so the stages are true relative to today — a running project's
notice period has ended, an overdue milestone's date has passed — and the times of
the steps that followed are set to plausible days (``_retime``). The demo is seeded
from ``now``; :func:`seed_demo_projects` passes that day to the services that take one.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from cms import lifecycle
from cms.demo.builder import DEMO_LOGINS
from cms.demo.vocab import RESEARCH_CHAINS
from cms.lifecycle import ListingKind
from cms.models import DemandPage, TechnologyPage
from cms.taxonomy import CooperationMode
from marketplace.accounts.models import User
from marketplace.bidding import ledger
from marketplace.bidding.models import Bid, ContractType, Deal, TechContract
from marketplace.bidding.services import BidInput, MilestoneInput, bid_award, bid_submit
from marketplace.organisations.models import Membership, Organisation

from . import services
from .models import (
    Acceptance,
    MilestoneReport,
    Objection,
    Project,
    ProjectMilestone,
    ProjectState,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Where a contract is registered when JIEBANG_CONTRACT_REGISTRY is not set (demo only).
REGISTRY = "济南市技术合同登记机构（演示）"
# Cooperation mode (slug prefix) → 合同类型.
CONTRACT_TYPES = (
    ("development", ContractType.DEVELOPMENT),
    ("transfer", ContractType.TRANSFER),
    ("licence", ContractType.LICENCE),
    ("service", ContractType.SERVICE),
    ("consulting", ContractType.CONSULTING),
)


@dataclass(frozen=True)
class Scenario:
    """One demo project: its kind, where it stops, and when (days before today) it was awarded."""

    key: str
    kind: str
    stage: str
    awarded_days_ago: int
    # Which demo login takes part: "owner" (its listing) or "lead" (it wins), or neither.
    demo_owner: bool = False
    demo_lead: bool = False
    # Milestone due dates, days after the award (demands only).
    milestones: tuple[int, ...] = (60, 150)
    # 技术合同登记 (bidding.ledger): "" none, "submitted" (awaiting a curator), "confirmed".
    contract: str = ""
    # Payments received (到账), as shares of the contract amount in per cent.
    payments: tuple[int, ...] = ()


# In order of importance: with few suitable listings (a small --size) the first ones win.
SCENARIOS = (
    Scenario("d-reported", "demand", "reported", 110, demo_owner=True, demo_lead=True,
             milestones=(50, 125, 240)),
    Scenario("d-objection", "demand", "objection", 1),
    Scenario("d-overdue", "demand", "overdue", 80, demo_lead=True, milestones=(30, 70, 200)),
    Scenario("d-acceptance", "demand", "acceptance", 210, demo_owner=True,
             milestones=(60, 180)),
    Scenario("d-completed", "demand", "completed", 300, demo_lead=True, milestones=(80, 230),
             contract="confirmed", payments=(40, 30)),
    Scenario("t-notice", "technology", "notice", 2, demo_lead=True),
    Scenario("t-running", "technology", "running", 45, demo_owner=True, demo_lead=True,
             contract="submitted"),
    Scenario("t-completed", "technology", "completed", 160, demo_owner=True,
             contract="confirmed", payments=(100,)),
    Scenario("t-cancelled", "technology", "cancelled", 30),
)  # fmt: skip

DELIVERABLES = (
    "技术方案论证与小试报告",
    "关键工艺参数优化及中试验证报告",
    "样机（样品）交付与第三方检测报告",
    "产业化应用示范与总结报告",
)
REPORTS = {
    "accepted": "已按计划完成本阶段工作，提交阶段报告及检测数据，关键指标达到阶段目标。",
    "returned": "完成了部分试验，检测报告尚在第三方机构出具中，先行提交阶段小结。",
    "reported": "本阶段中试已完成，连续运行数据和检测报告见附件说明，请需求方确认。",
}
RETURN_REASON = "缺少第三方检测报告原件，且试验样本量不足30件，请补充后重新报告。"
OBJECTION_REASON = (
    "中榜单位团队负责人同时参与需求方另一在研项目，请核实是否存在关联关系及利益冲突。"
)
UPHOLD_REASON = "经核实，中榜单位与发榜单位存在未申报的关联关系，撤销本次定榜形成的项目。"


@dataclass
class Made:
    """What the seeding made, for the summary and the tests."""

    projects: dict[str, Project] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def seed_demo_projects(sender=None, *, now: dt.datetime, seed: int, curator: User, **kwargs):
    """``demo_seeded`` receiver: make the demo projects; return the summary lines."""
    started = time.perf_counter()
    made = DemoProjects(now=now, seed=seed, curator=curator).run()
    seconds = time.perf_counter() - started
    counts: dict[str, int] = {}
    for project in made.projects.values():
        state = ProjectState(project.state).label
        counts[str(state)] = counts.get(str(state), 0) + 1
    lines = [
        f"攻关项目 {len(made.projects)} 个："
        + "，".join(f"{label} {n}" for label, n in counts.items())
        + f"（用时 {seconds:.1f} 秒）"
    ]
    if made.skipped:
        lines.append("可用的揭榜中需求或已发布成果不足，未生成：" + "、".join(made.skipped))
    return lines


class DemoProjects:
    def __init__(self, *, now: dt.datetime, seed: int, curator: User) -> None:
        self.now = now
        self.today = timezone.localdate(now, SHANGHAI)
        self.rng = random.Random(seed * 7 + 10)
        self.curator = curator
        self.used_listings: set[int] = set()
        self.used_bidders: set[int] = set()
        self.contract_serial = 0
        self.demo_enterprise = self._org_of(DEMO_LOGINS["enterprise"])
        self.demo_research = self._org_of(DEMO_LOGINS["research"])

    # -- people -------------------------------------------------------------

    @staticmethod
    def _org_of(email: str) -> Organisation | None:
        membership = Membership.objects.filter(user__email=email).select_related("organisation")
        first = membership.first()
        return first.organisation if first else None

    @staticmethod
    def _member(org: Organisation) -> User:
        return (
            Membership.objects.filter(organisation=org, status="active")
            .select_related("user")
            .order_by("pk")
            .first()
            .user
        )

    def _verified(self, kind_in) -> list[Organisation]:
        return list(
            Organisation.objects.filter(
                kind__in=kind_in, verification=Organisation.Verification.VERIFIED
            ).order_by("pk")
        )

    # -- the run --------------------------------------------------------------

    def run(self) -> Made:
        made = Made()
        if self.demo_enterprise is None or self.demo_research is None:
            made.skipped = [s.key for s in SCENARIOS]
            return made
        research = self._verified([Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE])
        enterprises = self._verified([Organisation.Kind.ENTERPRISE])
        self.enterprises = enterprises
        for scenario in SCENARIOS:
            listing = self._listing(scenario)
            if listing is None:
                made.skipped.append(scenario.key)
                continue
            candidates = research if scenario.kind == ListingKind.DEMAND else enterprises
            lead = self._lead(scenario, listing, candidates)
            made.projects[scenario.key] = self._play(scenario, listing, lead)
        return made

    def _listing(self, scenario: Scenario):
        """A listing that takes bids now (a demand: not sealed, with indicators).

        A scenario with ``demo_owner`` takes one of the demo login's listings while it keeps
        another that still takes bids (its catalogue shows every state); else another's.
        """
        kind = scenario.kind
        model = DemandPage if kind == ListingKind.DEMAND else TechnologyPage
        demo_org = self.demo_enterprise if kind == ListingKind.DEMAND else self.demo_research
        accepting = model.objects.filter(lifecycle.accepting_q(kind, now=self.now))
        usable = accepting.exclude(pk__in=self.used_listings)
        if kind == ListingKind.DEMAND:
            usable = usable.filter(sealed_bids=False, indicators__isnull=False).distinct()
        candidates = []
        if scenario.demo_owner:
            first_state = lifecycle.PUBLISHED_STATE[kind]
            left = accepting.filter(organisation=demo_org, status=first_state).count()
            candidates = [
                page
                for page in usable.filter(organisation=demo_org).order_by("pk")
                if page.status != first_state or left >= 2
            ][:1]
        if not candidates:
            candidates = list(usable.exclude(organisation=demo_org).order_by("pk")[:50])
            self.rng.shuffle(candidates)
        listing = candidates[0] if candidates else None
        if listing is not None:
            self.used_listings.add(listing.pk)
        return listing

    def _lead(self, scenario: Scenario, listing, candidates: list[Organisation]) -> Organisation:
        demo_org = (
            self.demo_research if scenario.kind == ListingKind.DEMAND else self.demo_enterprise
        )
        if scenario.demo_lead and demo_org.pk != listing.organisation_id:
            return demo_org
        taken = {listing.organisation_id, demo_org.pk}
        others = [o for o in candidates if o.pk not in taken]
        fresh = [o for o in others if o.pk not in self.used_bidders] or others
        # A research organisation that works in the demand's industry chain, when there is one.
        chain = getattr(listing.industry_chain, "slug", "")
        near = [o for o in fresh if chain in RESEARCH_CHAINS.get(o.name, ())] or fresh
        lead = self.rng.choice(near)
        self.used_bidders.add(lead.pk)
        return lead

    # -- one scenario -------------------------------------------------------

    def _play(self, scenario: Scenario, listing, lead: Organisation) -> Project:
        owner_user = self._member(listing.organisation)
        lead_user = self._member(lead)
        awarded_on = self._award_day(scenario.awarded_days_ago)
        bid = bid_submit(
            user=lead_user, listing=listing, data=self._bid_input(scenario, listing, awarded_on)
        )
        bid_award(user=owner_user, bid=bid)
        project = Project.objects.get(bid=bid)
        stage = scenario.stage
        if stage in ("objection", "cancelled"):
            # A member of an enterprise with no part in the project objects.
            parties = {project.owner_id, project.lead_id, self.demo_enterprise.pk}
            objector = self._member(next(o for o in self.enterprises if o.pk not in parties))
            objection = services.objection_file(
                user=objector, project=project, reason=OBJECTION_REASON
            )
            if stage == "cancelled":
                services.objection_resolve(
                    user=self.curator, objection=objection, upheld=True, resolution=UPHOLD_REASON
                )
        project = self._backdate(project, awarded_on)
        if stage in ("notice", "objection", "cancelled"):
            return self._refresh(project)
        services.project_start(project=project, today=self.today)
        milestones = list(project.milestones.order_by("position"))
        values = self._indicator_values(project)
        plan = self._milestone_plan(stage, len(milestones))
        for milestone, outcome in zip(milestones, plan, strict=True):
            self._milestone(milestone, outcome, lead_user, owner_user, values)
        if stage in ("acceptance", "completed"):
            acceptance = services.acceptance_request(
                user=owner_user,
                project=project,
                summary="各阶段成果均已交付，核心指标经第三方检测，申请验收。",
                results={
                    pk: services.IndicatorResult(measured_value=v, test_method=m, met=True)
                    for pk, (v, m) in values.items()
                },
            )
            services.acceptance_sign(user=owner_user, acceptance=acceptance)
            if stage == "completed":
                services.acceptance_sign(user=self.curator, acceptance=acceptance)
        self._retime(project)
        if scenario.contract:
            self._contract(scenario, project, owner_user, lead_user)
        return self._refresh(project)

    @staticmethod
    def _refresh(project: Project) -> Project:
        return Project.objects.get(pk=project.pk)

    @staticmethod
    def _milestone_plan(stage: str, count: int) -> list[str]:
        """What happened to each milestone, in order (the rest stay pending)."""
        plans = {
            "reported": ["accepted", "reported"],
            "overdue": ["accepted", "returned"],  # the returned one is past its date: overdue
            "acceptance": ["accepted"] * count,
            "completed": ["accepted"] * count,
        }
        plan = plans.get(stage, [])[:count]
        return plan + ["pending"] * (count - len(plan))

    def _milestone(self, milestone, outcome: str, lead_user, owner_user, values) -> None:
        if outcome == "pending":
            return
        services.milestone_report(
            user=lead_user,
            milestone=milestone,
            text=REPORTS[outcome],
            values={pk: v for pk, (v, _m) in values.items()},
        )
        if outcome == "accepted":
            services.milestone_accept(user=owner_user, milestone=milestone)
        elif outcome == "returned":
            services.milestone_return(user=owner_user, milestone=milestone, reason=RETURN_REASON)

    # -- 技术合同登记 and 到账 (bidding.ledger) ----------------------------------

    def _contract(self, scenario: Scenario, project: Project, owner_user, lead_user) -> None:
        """The seller registers the contract, a curator confirms it, the buyer records payments."""
        deal = Deal.objects.get(bid_id=project.bid_id)
        seller = lead_user if project.kind == ListingKind.DEMAND else owner_user
        buyer = owner_user if project.kind == ListingKind.DEMAND else lead_user
        signed = min(project.awarded_on + dt.timedelta(days=14), self.today)
        registered = min(signed + dt.timedelta(days=10), self.today)
        amount, url = deal.amount, services.project_url(project)
        self.contract_serial += 1
        contract = ledger.contract_register(
            user=seller,
            deal=deal,
            contract_type=self._contract_type(project),
            number=f"{signed.year}370100{self.contract_serial:06d}",
            registry=ledger.default_registry() or REGISTRY,
            signed_on=signed,
            registered_on=registered,
            amount=amount,
            technology_amount=amount * 85 // 100,
            target_url=url,
        )
        submitted_at = self._at(registered, 15)
        decided_at = None
        if scenario.contract == "confirmed":
            ledger.contract_confirm(user=self.curator, contract=contract, target_url=url)
            decided_at = self._at(min(registered + dt.timedelta(days=3), self.today), 11)
        TechContract.objects.filter(pk=contract.pk).update(  # demo dates, as _retime
            submitted_at=submitted_at, decided_at=decided_at
        )
        received = registered
        for n, share in enumerate(scenario.payments, start=1):
            received = min(received + dt.timedelta(days=30), self.today)
            ledger.payment_record(
                user=buyer,
                deal=deal,
                amount=amount * share // 100,
                received_on=received,
                note=f"第{n}笔合同款",
                target_url=url,
            )

    @staticmethod
    def _contract_type(project: Project) -> str:
        """技术开发 for a demand's work; a technology's by the take-up's cooperation mode."""
        if project.kind == ListingKind.DEMAND:
            return ContractType.DEVELOPMENT
        slug = getattr(project.bid.cooperation_mode, "slug", "")
        for prefix, kind in CONTRACT_TYPES:
            if slug.startswith(prefix):
                return kind
        return ContractType.TRANSFER

    # -- bids -----------------------------------------------------------------

    def _award_day(self, days_ago: int) -> dt.date:
        day = self.today - dt.timedelta(days=days_ago)
        while day.weekday() >= 5 and days_ago > 0:  # awards are made on working days
            day -= dt.timedelta(days=1)
        return day

    def _bid_input(self, scenario: Scenario, listing, awarded_on: dt.date) -> BidInput:
        if scenario.kind == ListingKind.DEMAND:
            deadline = listing.delivery_deadline
            milestones = []
            for n, days in enumerate(scenario.milestones):
                due = awarded_on + dt.timedelta(days=days)
                if deadline and due > deadline:
                    due = deadline
                milestones.append(MilestoneInput(due, DELIVERABLES[n % len(DELIVERABLES)]))
            return BidInput(
                fields={
                    "background": "团队长期从事该方向研究，拥有省级工程技术研究中心和中试平台。",
                    "research_status": "国内同类工艺仍以经验调参为主，国外领先企业已实现在线闭环控制。",
                    "technical_approach": "以机理建模结合试验设计确定关键参数，分小试、中试两步验证。",
                    "existing_work": "已完成实验室阶段验证，相关成果获授权发明专利2项。",
                    "industrialisation_plan": "与需求方共建中试线，验证后在其生产线推广应用。",
                    "team": "教授1名，副教授2名，工程师3名，博士研究生4名。",
                    "price": self._demand_price(listing),
                    "declares_no_related_party": True,
                },
                responses={
                    i.pk: (self._committed(i.target_value, i.unit), i.verification or "第三方检测")
                    for i in listing.indicators.all()
                },
                milestones=milestones,
            )
        modes = list(listing.cooperation_modes.all()) or list(CooperationMode.objects.all()[:1])
        return BidInput(
            fields={
                "cooperation_mode": modes[0] if modes else None,
                "intended_use": "拟在本公司生产线上应用该成果，替代现有工艺，提升产品合格率。",
                "message": "希望尽快安排技术对接和现场考察。",
                "price": listing.asking_price or self.rng.choice([300_000, 500_000, 800_000]),
                "declares_no_related_party": True,
            }
        )

    def _demand_price(self, listing) -> int:
        top = listing.budget_max or 1_000_000
        low = listing.budget_min or top // 2
        return max(10_000, round(self.rng.uniform(low, top) / 10_000) * 10_000)

    @staticmethod
    def _committed(target: str, unit: str) -> str:
        """A value meeting the target (≤ x: 90% of x; ≥ x: x, or 110% of x when not a percentage)."""
        match = re.match(r"^\s*(≤|≥|<=|>=|<|>|=)?\s*(\d+(?:\.\d+)?)\s*$", target or "")
        if not match:
            return "1"
        op, number = match.group(1) or "=", Decimal(match.group(2))
        if op in ("≤", "<=", "<"):
            value = number * Decimal("0.9")
        elif op in ("≥", ">=", ">") and unit != "%":
            value = number * Decimal("1.1")
        elif op == ">":
            value = number + Decimal("0.1")
        else:
            value = number
        return format(round(value, 2).normalize(), "f")

    def _indicator_values(self, project: Project) -> dict[int, tuple[str, str]]:
        """Per demand indicator: the committed value reached, and its test method."""
        if project.demand_id is None:
            return {}
        return {
            i.pk: (self._committed(i.target_value, i.unit), i.verification or "第三方检测")
            for i in project.demand.indicators.all()
        }

    # -- dates (the only direct writes: see the module docstring) ------------

    def _backdate(self, project: Project, awarded_on: dt.date) -> Project:
        """Demo only: the award (made today by the service) happened on ``awarded_on``."""
        notice_ends_on = services.working_days_after(awarded_on, services.notice_working_days())
        deadline = self._move_listing_dates(project, awarded_on)
        submitted = self._at(deadline - dt.timedelta(days=self.rng.randint(2, 10)), 15)
        decided = self._at(awarded_on, 10)
        Bid.objects.filter(pk=project.bid_id).update(
            created_at=submitted, submitted_at=submitted, decided_at=decided
        )
        Deal.objects.filter(bid_id=project.bid_id).update(awarded_on=awarded_on)
        Project.objects.filter(pk=project.pk).update(
            awarded_on=awarded_on, notice_ends_on=notice_ends_on
        )
        Objection.objects.filter(project=project).update(
            created_at=self._at(awarded_on + dt.timedelta(days=1), 16)
        )
        Objection.objects.filter(project=project, resolved_at__isnull=False).update(
            resolved_at=self._at(notice_ends_on, 11)
        )
        return self._refresh(project)

    def _move_listing_dates(self, project: Project, awarded_on: dt.date) -> dt.date:
        """Demo only: the listing was published, and a demand's bids closed, before the award.

        Returns the last day bids were taken. The latest revision gets the same deadline, so
        an edit in the admin starts from the dates the page shows.
        """
        listing = project.listing
        published = self._at(awarded_on - dt.timedelta(days=self.rng.randint(45, 90)), 10)
        fields = {}
        if listing.first_published_at is None or listing.first_published_at > published:
            fields.update(first_published_at=published, last_published_at=published)
        closed_on = awarded_on - dt.timedelta(days=self.rng.randint(3, 15))
        if project.kind == ListingKind.DEMAND:
            deadline = self._at(closed_on, 17)
            if listing.bid_deadline is None or listing.bid_deadline > deadline:
                fields["bid_deadline"] = deadline
                revision = listing.latest_revision
                if revision is not None and "bid_deadline" in revision.content:
                    revision.content["bid_deadline"] = DjangoJSONEncoder().default(deadline)
                    revision.save(update_fields=["content"])
        if fields:
            type(listing).objects.filter(pk=listing.pk).update(**fields)
        return closed_on

    def _retime(self, project: Project) -> None:
        """Demo only: the steps after the start happened on plausible past days, not today."""
        project = self._refresh(project)
        start = project.notice_ends_on + dt.timedelta(days=1)
        Project.objects.filter(pk=project.pk).update(started_at=self._at(start, 9))
        last = start
        for m in project.milestones.order_by("position"):
            if m.reported_at is None:
                continue
            reported = min(max(m.due_date - dt.timedelta(days=3), last), self.today)
            decided = min(reported + dt.timedelta(days=4), self.today)
            ProjectMilestone.objects.filter(pk=m.pk).update(
                reported_at=self._at(reported, 16),
                decided_at=self._at(decided, 10) if m.decided_at else None,
            )
            MilestoneReport.objects.filter(milestone=m).update(created_at=self._at(reported, 16))
            last = decided
        acceptance = project.acceptances.first()
        if acceptance is None:
            return
        requested = min(last + dt.timedelta(days=10), self.today)
        owner_signed = min(requested + dt.timedelta(days=3), self.today)
        curator_signed = min(owner_signed + dt.timedelta(days=7), self.today)
        Acceptance.objects.filter(pk=acceptance.pk).update(
            requested_at=self._at(requested, 14),
            owner_signed_at=self._at(owner_signed, 10) if acceptance.owner_signed_at else None,
            curator_signed_at=self._at(curator_signed, 15)
            if acceptance.curator_signed_at
            else None,
        )
        if project.completed_at:
            Project.objects.filter(pk=project.pk).update(completed_at=self._at(curator_signed, 15))

    @staticmethod
    def _at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)
