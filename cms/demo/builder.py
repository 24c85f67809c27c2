"""Write the demo data set: organisations, the three demo logins and both catalogues.

Two ways to write listings, chosen by size:

* the *page* path — ``add_child`` + ``save_revision`` + ``publish`` per page, with real
  moderation workflows — is what a curator would have produced, and is used for the
  demo (a few hundred listings);
* the *bulk* path writes tree rows directly (see :mod:`cms.demo.bulk`) for benchmark
  sizes. Only the listings that must sit in a real workflow (in review, rejected) still
  go through the page path, and there are few of them.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.models import Locale, Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from cms.lifecycle import (
    PUBLIC_DEMAND_STATES,
    PUBLIC_TECHNOLOGY_STATES,
    DemandStatus,
    TechnologyStatus,
)
from cms.models import (
    DemandIndexPage,
    DemandIndicator,
    DemandPage,
    TechnologyIndexPage,
    TechnologyIP,
    TechnologyPage,
)
from cms.setup import INDUSTRY_CHAINS
from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField
from marketplace.accounts.models import User
from marketplace.organisations.districts import District
from marketplace.organisations.models import EnterpriseTier, Membership, Organisation

from . import bulk
from .content import contact, demand_content, technology_content, weighted
from .names import (
    DEMO_ENTERPRISE_CHAIN,
    DEMO_ENTERPRISE_NAME,
    DEMO_RESEARCH_NAME,
    RESEARCH_ORGANISATIONS,
    address,
    credit_code,
    enterprise_name,
    person_name,
    phone,
    region_code,
)
from .signals import demo_seeded
from .vocab import CHAIN_DISTRICTS, CHAINS, RESEARCH_CHAINS, supplied_topics

DEMO_PASSWORD = "jiebang-demo"
DEMO_LOGINS = {
    "enterprise": "enterprise@example.com",
    "research": "research@example.com",
    "curator": "curator@example.com",
}
DEMAND_SHARE = 0.4
# Shares of each lifecycle state; every state gets at least one listing.
DEMAND_WEIGHTS = {
    "draft": 8,
    "in_review": 6,
    "rejected": 4,
    "open": 40,
    "closed": 10,
    "awarded": 8,
    "in_progress": 10,
    "completed": 9,
    "withdrawn": 5,
}
TECHNOLOGY_WEIGHTS = {
    "draft": 8,
    "in_review": 6,
    "rejected": 4,
    "published": 62,
    "taken_up": 14,
    "withdrawn": 6,
}
# Listings the demo logins own beyond the first of each state (see _write).
DEMO_EXTRA_SLOTS = {"open": 2, "published": 2}
WORKFLOW_STATES = {"in_review", "rejected"}
# In bulk mode each workflow state is capped (each costs a real workflow run).
WORKFLOW_CAP = 25
BULK_THRESHOLD = 2000
LIVE_STATES = PUBLIC_DEMAND_STATES | PUBLIC_TECHNOLOGY_STATES
REVIEW_COMMENTS = [
    "核心技术指标缺少考核方式，请补充第三方检测要求后重新提交。",
    "主要技术问题描述过于笼统，请补充现有工艺参数和量化目标。",
    "预算区间与攻关内容不匹配，请核实资金投入后重新提交。",
    "成果简介未说明技术所处阶段与验证情况，请补充中试数据。",
    "知识产权信息不完整，请补充专利号及法律状态。",
]
TIERS = [
    ("innovative_sme", 40, 3),
    ("specialised", 30, 3),
    ("little_giant", 10, 3),
    ("gazelle", 12, 2),
    ("unicorn", 1, 2),
    ("champion", 2, 3),
]

# Every GAP_EVERY-th open demand is about a topic no technology covers (vocab: demand_only).
GAP_EVERY = 10


def allocate(
    total: int, weights: dict[str, int], caps: dict[str, int] | None = None, overflow: str = ""
) -> dict[str, int]:
    """Split ``total`` over the states by weight, at least one each (largest remainder)."""
    counts = dict.fromkeys(weights, 1)
    rest = total - len(weights)
    shares = {k: rest * w / sum(weights.values()) for k, w in weights.items()}
    for k in weights:
        counts[k] += int(shares[k])
    leftovers = sorted(weights, key=lambda k: shares[k] - int(shares[k]), reverse=True)
    for k in leftovers[: total - sum(counts.values())]:
        counts[k] += 1
    for state, cap in (caps or {}).items():
        if counts[state] > cap:
            counts[overflow] += counts[state] - cap
            counts[state] = cap
    return counts


@dataclass
class Org:
    """What the generator needs to know about an organisation it created."""

    obj: Organisation
    owner: User
    short: str
    chains: list[str]
    specialty: int = 0


@dataclass
class Summary:
    demands: Counter = field(default_factory=Counter)
    technologies: Counter = field(default_factory=Counter)
    organisations: Counter = field(default_factory=Counter)
    bulk: bool = False
    seconds: float = 0.0
    # Lines from the demo_seeded receivers (e.g. the demo projects), printed by seed_demo.
    extra: list[str] = field(default_factory=list)


class DemoSeeder:
    """Fill an empty database with the demo data set (see docs/demo-data.md)."""

    def __init__(
        self,
        *,
        size: int,
        seed: int,
        bulk_mode: bool | None = None,
        now: dt.datetime | None = None,
        progress=None,
    ) -> None:
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        self.bulk = size > BULK_THRESHOLD if bulk_mode is None else bulk_mode
        self.now = now or timezone.now()
        self.progress = progress or (lambda message: None)
        self.codes: set[str] = set()

    # -- entry point ------------------------------------------------------

    def run(self) -> Summary:
        # Demo data sends no email (Wagtail notifies curators of every workflow submission).
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        with quiet, translation.override("zh-hans"), transaction.atomic():
            self._load_taxonomies()
            self.curator = self._demo_user("curator", "平台审核员", is_staff=True)
            self.curator.groups.add(Group.objects.get(name=settings.JIEBANG_CURATORS_GROUP))
            self._create_organisations()
            self._create_listings()
            # Higher layers add their demo rows in the same transaction (cms imports none).
            responses = demo_seeded.send(
                sender=DemoSeeder, now=self.now, seed=self.seed, curator=self.curator
            )
        result = self.summary()
        result.extra = [line for _receiver, lines in responses for line in lines or ()]
        return result

    def summary(self) -> Summary:
        result = Summary(bulk=self.bulk)
        for status in DemandPage.objects.values_list("status", flat=True):
            result.demands[status] += 1
        for status in TechnologyPage.objects.values_list("status", flat=True):
            result.technologies[status] += 1
        for kind in Organisation.objects.values_list("kind", flat=True):
            result.organisations[kind] += 1
        return result

    # -- reference data ---------------------------------------------------

    def _load_taxonomies(self) -> None:
        self.chain_objs = {c.slug: c for c in IndustryChain.objects.all()}
        self.field_objs = {f.slug: f for f in TechnologyField.objects.all()}
        self.mode_objs = {m.slug: m for m in CooperationMode.objects.all()}
        self.chain_names = dict(INDUSTRY_CHAINS)
        self.demand_index = DemandIndexPage.objects.get()
        self.technology_index = TechnologyIndexPage.objects.get()
        self.locale_id = Locale.get_default().pk

    def _code(self, district: str, category: str) -> str:
        while True:
            code = credit_code(self.rng, region=region_code(district), category=category)
            if code not in self.codes:
                self.codes.add(code)
                return code

    # -- people -----------------------------------------------------------

    def _demo_user(self, role: str, display_name: str, **extra) -> User:
        email = DEMO_LOGINS[role]
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            display_name=display_name,
            phone=phone(self.rng),
            **extra,
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def _owners(self, count: int, start: int) -> list[User]:
        """Owner accounts of the other organisations; they cannot log in (unusable password)."""
        users = []
        for n in range(start, start + count):
            email = f"owner{n:04d}@example.com"
            users.append(
                User(
                    email=email,
                    username=email,
                    display_name=person_name(self.rng),
                    password=make_password(None),
                )
            )
        return User.objects.bulk_create(users)

    # -- organisations ----------------------------------------------------

    def _create_organisations(self) -> None:
        self.progress("单位与账号 …")
        research = self._research_organisations()
        enterprises = self._enterprises()
        self.research_by_chain: dict[str, list[Org]] = {}
        for org in research:
            for chain in org.chains:
                self.research_by_chain.setdefault(chain, []).append(org)
        self.enterprises_by_chain: dict[str, list[Org]] = {}
        for org in enterprises:
            self.enterprises_by_chain.setdefault(org.chains[0], []).append(org)
        self.demo_research = research[0]
        self.demo_enterprise = enterprises[0]

    def _org(
        self,
        *,
        kind: str,
        name: str,
        district: str,
        description: str,
        category: str,
        status: str = "verified",
    ) -> Organisation:
        label = District(district).label
        return Organisation(
            kind=kind,
            name=name,
            credit_code=self._code(district, category),
            district=district,
            address=address(self.rng, str(label), district),
            description=description,
            contact_name=person_name(self.rng),
            contact_phone=phone(self.rng),
            contact_email=f"contact{len(self.codes):04d}@example.com",
            verification=status,
            verified_at=self.now - dt.timedelta(days=self.rng.randint(30, 700))
            if status != "pending"
            else None,
            verified_by=self.curator if status != "pending" else None,
            verification_note="单位名称与营业执照不一致，请上传最新营业执照后重新提交。"
            if status == "rejected"
            else "",
        )

    def _research_organisations(self) -> list[Org]:
        # The demo research login owns the first one.
        ordered = sorted(RESEARCH_ORGANISATIONS, key=lambda r: r[0] != DEMO_RESEARCH_NAME)
        objs = []
        for name, kind, district, _short in ordered:
            chains = RESEARCH_CHAINS[name]
            description = (
                f"{name}技术转移中心面向{'、'.join(self.chain_names[c] for c in chains[:3])}"
                "等产业链开展科技成果转化与产学研合作。（演示数据：联系人、电话、信用代码均为生成数据）"
            )
            objs.append(
                self._org(
                    kind=kind, name=name, district=district, description=description, category="12"
                )
            )
        objs = Organisation.objects.bulk_create(objs)
        owners = [self._demo_user("research", "科研处演示账号")]
        owners += self._owners(len(objs) - 1, start=1)
        self._memberships(objs, owners)
        return [
            Org(o, u, short, RESEARCH_CHAINS[o.name])
            for o, u, (_n, _k, _d, short) in zip(objs, owners, ordered, strict=True)
        ]

    def _enterprise_count(self) -> int:
        return max(40, min(3000, self.size // 8))

    def _enterprises(self) -> list[Org]:
        count = self._enterprise_count()
        chain_slugs = list(CHAINS)
        chain_weights = [CHAINS[c]["weight"] for c in chain_slugs]
        districts = [d.value for d in District]
        taken = {DEMO_ENTERPRISE_NAME}
        specs = [(DEMO_ENTERPRISE_NAME, DEMO_ENTERPRISE_CHAIN, "zone-hitech", 0)]
        for n in range(1, count):
            # The first ones cover every chain and every district; then by affinity.
            chain = (
                chain_slugs[n % len(chain_slugs)]
                if n < len(chain_slugs)
                else self.rng.choices(chain_slugs, weights=chain_weights)[0]
            )
            if n <= len(districts):
                district = districts[n - 1]
            elif self.rng.random() < 0.75:
                district = self.rng.choice(CHAIN_DISTRICTS[chain])
            else:
                district = self.rng.choice(districts)
            name = enterprise_name(self.rng, self.rng.choice(CHAINS[chain]["stems"]), taken)
            specs.append((name, chain, district, self.rng.randrange(3)))
        objs = []
        for name, chain, district, specialty in specs:
            business = self._business(chain, specialty)
            label = District(district).label
            description = (
                f"{name}成立于{self.rng.randint(2003, 2021)}年，位于{label}，主要从事{business}，"
                f"现有员工{self.rng.randint(40, 900)}人，其中研发人员占"
                f"{self.rng.randint(10, 35)}%。（演示数据，虚构企业）"
            )
            objs.append(
                self._org(
                    kind="enterprise",
                    name=name,
                    district=district,
                    description=description,
                    category="91",
                )
            )
        objs = Organisation.objects.bulk_create(objs)
        owners = [self._demo_user("enterprise", "企业演示账号")]
        owners += self._owners(len(objs) - 1, start=len(RESEARCH_ORGANISATIONS))
        self._memberships(objs, owners)
        self._tiers(objs)
        self._unverified_enterprises(start=len(RESEARCH_ORGANISATIONS) + len(objs))
        return [
            Org(o, u, "我公司", [chain], specialty)
            for o, u, (_n, chain, _d, specialty) in zip(objs, owners, specs, strict=True)
        ]

    def _business(self, chain: str, specialty: int) -> str:
        options = CHAINS[chain]["business"]
        return options[specialty % len(options)]

    def _unverified_enterprises(self, start: int) -> None:
        """A few registrations waiting for (or refused) verification, for the curators' queue."""
        taken: set[str] = set()
        specs = [
            ("pending", "zone-hitech"),
            ("pending", "370114"),
            ("pending", "370116"),
            ("rejected", "370126"),
        ]
        objs = []
        for status, district in specs:
            chain = self.rng.choice(list(CHAINS))
            name = enterprise_name(self.rng, self.rng.choice(CHAINS[chain]["stems"]), taken)
            objs.append(
                self._org(
                    kind="enterprise",
                    name=name,
                    district=district,
                    category="91",
                    description="新注册单位，等待平台审核。（演示数据，虚构企业）",
                    status=status,
                )
            )
        objs = Organisation.objects.bulk_create(objs)
        self._memberships(objs, self._owners(len(objs), start=start))

    def _memberships(self, orgs, owners) -> None:
        Membership.objects.bulk_create(
            Membership(user=u, organisation=o, role="owner", status="active")
            for o, u in zip(orgs, owners, strict=True)
        )

    def _tiers(self, orgs: list[Organisation]) -> None:
        rows = []
        for n, org in enumerate(orgs):
            if n and self.rng.random() < 0.45:
                continue
            picks = {
                weighted(self.rng, [(t, w) for t, w, _ in TIERS])
                for _ in range(self.rng.randint(1, 2))
            }
            if n == 0:
                picks = {"innovative_sme", "specialised"}
            for tier, _w, years in TIERS:
                if tier not in picks:
                    continue
                certified = self.now.date() - dt.timedelta(days=self.rng.randint(30, 365 * years))
                rows.append(
                    EnterpriseTier(
                        organisation=org,
                        tier=tier,
                        certified_on=certified,
                        expires_on=certified.replace(year=certified.year + years)
                        if not (certified.month == 2 and certified.day == 29)
                        else certified + dt.timedelta(days=365 * years),
                        certificate_number=f"JN-{tier[:3].upper()}-{certified.year}-"
                        f"{self.rng.randrange(1, 9999):04d}",
                    )
                )
        EnterpriseTier.objects.bulk_create(rows)

    # -- listings ---------------------------------------------------------

    def _plan(self, total: int, weights: dict[str, int], public: str) -> list[str]:
        caps = dict.fromkeys(WORKFLOW_STATES, WORKFLOW_CAP) if self.bulk else None
        counts = allocate(total, weights, caps, overflow=public)
        states = [s for s, n in counts.items() for _ in range(n)]
        self.rng.shuffle(states)
        return states

    def _create_listings(self) -> None:
        n_demands = round(self.size * DEMAND_SHARE)
        demand_states = self._plan(n_demands, DEMAND_WEIGHTS, DemandStatus.OPEN)
        tech_states = self._plan(
            self.size - n_demands, TECHNOLOGY_WEIGHTS, TechnologyStatus.PUBLISHED
        )
        writer = bulk.BulkWriter(locale_id=self.locale_id) if self.bulk else None
        self.created_pages: list[Page] = []
        # Each save of a page or of one of its rows re-indexes the page's references;
        # index each page once, at the end, instead.
        with disable_reference_index_auto_update():
            self._write("demand", demand_states, writer)
            self._write("technology", tech_states, writer)
        for page in self.created_pages:
            ReferenceIndex.create_or_update_for_object(page)

    def _write(self, kind: str, states: list[str], writer) -> None:
        # The demo logins own the first listing of each state, and a few more open
        # demands / published technologies: the owner side of the demo projects that
        # higher layers add on the demo_seeded signal (marketplace/projects/demo.py).
        demo_slots: set[int] = set()
        for state in set(states):
            slots = [i for i, s in enumerate(states) if s == state]
            demo_slots.update(slots[: 1 + DEMO_EXTRA_SLOTS.get(state, 0)])
        pending_bulk = []
        for seq, status in enumerate(states, 1):
            spec = self._listing(kind, seq, status, demo=(seq - 1) in demo_slots)
            if writer is None or status in WORKFLOW_STATES:
                self._create_page(spec)
            else:
                pending_bulk.append(spec)
                if len(pending_bulk) >= bulk.CHUNK:
                    writer.write(pending_bulk)
                    pending_bulk = []
            if seq % 500 == 0:
                self.progress(f"{kind}: {seq}/{len(states)}")
        if pending_bulk:
            writer.write(pending_bulk)

    def _listing(self, kind: str, seq: int, status: str, demo: bool) -> dict:
        """Everything needed to write one listing, as plain data."""
        rng = self.rng
        if kind == "demand":
            org = self.demo_enterprise if demo else None
            gap = not demo and status == "open" and seq % GAP_EVERY == 0
            chain = org.chains[0] if org else self._pick_chain(gap_only=gap)
            org = org or rng.choice(self.enterprises_by_chain.get(chain) or [self.demo_enterprise])
            chain = org.chains[0]
            topics = CHAINS[chain]["topics"]
            unsupplied = [t for t in topics if t.get("demand_only")]
            if gap and unsupplied:
                # Every GAP_EVERY-th open demand asks what nobody offers: the gap map's rows.
                topic = rng.choice(unsupplied)
            else:
                topic = (
                    topics[org.specialty % len(topics)]
                    if rng.random() < 0.7
                    else rng.choice(topics)
                )
            content = demand_content(
                rng,
                chain=CHAINS[chain],
                chain_name=self.chain_names[chain],
                topic=topic,
                business=self._business(chain, org.specialty),
                status=status,
                now=self.now,
            )
            model, index, slug = DemandPage, self.demand_index, f"demand-{seq:06d}"
        else:
            org = self.demo_research if demo else None
            chain = rng.choice(org.chains) if org else self._pick_chain()
            org = org or rng.choice(self.research_by_chain[chain])
            topic = rng.choice(supplied_topics(chain))
            content = technology_content(
                rng, chain_slug=chain, topic=topic, org_short=org.short, status=status, now=self.now
            )
            model, index, slug = TechnologyPage, self.technology_index, f"technology-{seq:06d}"
        values = content["values"]
        values.update(
            slug=slug,
            status=status,
            organisation_id=org.obj.pk,
            district=org.obj.district,
            industry_chain_id=self.chain_objs[chain].pk,
            technology_field_id=self.field_objs[topic.get("field") or CHAINS[chain]["field"]].pk,
            **contact(rng, org.obj.contact_email),
        )
        return {
            "model": model,
            "index": index,
            "values": values,
            "owner": org.owner,
            "published": content["published"],
            "indicators": content.get("indicators", []),
            "ip_items": content.get("ip_items", []),
            "modes": [self.mode_objs[m] for m in content["modes"]],
            "translation_key": uuid.UUID(int=rng.getrandbits(128), version=4),
            "comment": rng.choice(REVIEW_COMMENTS),
        }

    def _pick_chain(self, gap_only: bool = False) -> str:
        slugs = list(CHAINS)
        if gap_only:  # chains with a topic nobody offers a technology for
            slugs = [s for s in slugs if len(supplied_topics(s)) < len(CHAINS[s]["topics"])]
        return self.rng.choices(slugs, weights=[CHAINS[s]["weight"] for s in slugs])[0]

    # -- the page path ----------------------------------------------------

    def _create_page(self, spec: dict) -> Page:
        """Create one listing the way the workspace and the curators would have."""
        model, values, owner = spec["model"], spec["values"], spec["owner"]
        status = values["status"]
        # A rejected listing starts in review: the workflow's rejection below moves it on.
        initial = {"status": "in_review"} if status == "rejected" else {}
        page = model(
            **(values | initial), owner=owner, live=False, translation_key=spec["translation_key"]
        )
        page.cooperation_modes = spec["modes"]
        if model is DemandPage:
            page.indicators = [DemandIndicator(**row) for row in spec["indicators"]]
        else:
            page.ip_items = [TechnologyIP(**row) for row in spec["ip_items"]]
        spec["index"].add_child(instance=page)
        revision = page.save_revision(user=owner)
        if status in WORKFLOW_STATES:
            workflow_state = page.get_workflow().start(page, owner)
            if status == "rejected":
                task_state = workflow_state.current_task_state.specific
                task_state.task.specific.on_action(
                    task_state, self.curator, "reject", comment=spec["comment"]
                )
        elif status in LIVE_STATES or status == "withdrawn":
            revision.publish(user=self.curator)
            when = spec["published"]
            Page.objects.filter(pk=page.pk).update(first_published_at=when, last_published_at=when)
            if status == "withdrawn":
                # The owner withdraws it; members have no Wagtail page permissions.
                page.refresh_from_db()
                UnpublishPageAction(page, user=owner).execute(skip_permission_checks=True)
        self.created_pages.append(page)
        return page
