"""Schema-based fuzzing of /api/v1/: every operation of the served OpenAPI schema, as an
anonymous caller, a member of a verified organisation and a curator (schemathesis).

Each case is a real request through Django's WSGI handler into the test database; it
fails on any 5xx and on any answer the schema does not describe (status code, content
type, body). Writes are fuzzed too: each example runs in a transaction rolled back after
it, so every example sees the same data. Bounded and reproducible: a fixed number of
examples per operation, derandomized, no example database. Run alone with `-m fuzz`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings

from cms.taxonomy import CooperationMode
from marketplace.bidding import ledger
from marketplace.bidding.models import Bid, Deal
from marketplace.bidding.services import BidInput, bid_award, bid_submit
from marketplace.matches.services import match_recommend
from marketplace.organisations.models import Organisation
from marketplace.projects import services as projects
from marketplace.projects.models import Project

from ..bidding.conftest import full_input
from ..factories import (
    DemandIndicatorFactory,
    DemandPageFactory,
    MatchFactory,
    MembershipFactory,
    OrganisationFactory,
    TechnologyPageFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

#: Examples Hypothesis generates per operation and caller, on top of schemathesis's
#: deterministic coverage cases (boundaries, wrong types, missing fields).
EXAMPLES = 12

CONFIG = schemathesis.Config.from_dict(
    {
        # Fixed, so every run (and CI) sends the same requests; derandomize below as well.
        "seed": 11,
        # The session cookie is ours to set (below); random cookies would only log out.
        "generation": {"with-security-parameters": False},
        # A schema-valid reference to nothing (organisation=7, industry_chain=foo) is a
        # documented 400 naming the parameter (docs/api.md), not a rejected valid request.
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)
# Loaded once at collection, through the same WSGI application the cases call.
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler(), config=CONFIG)

BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    # A hang guard, not a speed check: a request normally takes milliseconds.
    deadline=datetime.timedelta(seconds=10),
    # Fixtures are shared across examples on purpose: each example rolls back its writes.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)

CSRF_SECRET = "fuzzcsrf" * 4  # 32 characters: Django accepts an unmasked secret


@dataclass
class World:
    """The objects a caller can reach: their ids by path segment, and the caller's headers."""

    ids: dict[str, list[int]] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def wsgi():
    # As Django's test client does: the request signals must not close the connection
    # that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def take_up(user, technology) -> None:
    bid_submit(
        user=user,
        listing=technology,
        data=BidInput(
            fields={
                "cooperation_mode": CooperationMode.objects.order_by("pk").first(),
                "intended_use": "用于动力电池产线",
                "message": "希望面谈",
                "price": 300_000,
                "declares_no_related_party": True,
            }
        ),
    )


def projects_world(published, enterprise, other, enterprise_member, research_member, curator):
    """Three 攻关项目 of the enterprise's demands, won by the university: one in its notice
    period with an open objection, one running (the member's institute in the consortium,
    a milestone reported, no contract yet), one waiting for its 验收 signatures with a
    technology contract awaiting confirmation and a payment received."""

    def award(title: str, *, consortium=()) -> Project:
        listing = published(DemandPageFactory, organisation=enterprise, title=title)
        DemandIndicatorFactory(page=listing, target_value="≤0.2")
        bid = bid_submit(user=research_member, listing=listing, data=full_input(listing))
        bid.consortium_members.add(*consortium)
        bid_award(user=enterprise_member, bid=bid)
        return Project.objects.get(bid=bid)

    def start(project: Project) -> Project:
        after = project.notice_ends_on + datetime.timedelta(days=1)
        return projects.project_start(project=project, today=after)

    notice = award("公示中的项目")
    objection = projects.objection_file(user=research_member, project=notice, reason="存疑。")
    running = start(award("攻关中的项目", consortium=[other]))
    first, second = running.milestones.all()
    projects.milestone_report(user=research_member, milestone=first, text="完成小试。")
    closing = start(award("验收中的项目"))
    for milestone in closing.milestones.all():
        projects.milestone_report(user=research_member, milestone=milestone, text="完成。")
        projects.milestone_accept(user=enterprise_member, milestone=milestone)
    acceptance = projects.acceptance_request(
        user=enterprise_member,
        project=closing,
        summary="验收。",
        results={
            i.pk: projects.IndicatorResult("0.1", "第三方检测")
            for i in closing.demand.indicators.all()
        },
    )
    deal = Deal.objects.get(bid_id=closing.bid_id)
    ledger.contract_register(
        user=enterprise_member,
        deal=deal,
        contract_type="development",
        number="2026370100000001",
        registry="济南市技术市场管理办公室",
        signed_on=deal.awarded_on,
        registered_on=deal.awarded_on,
        amount=800_000,
        technology_amount=700_000,
    )
    ledger.payment_record(
        user=enterprise_member, deal=deal, amount=100_000, received_on=deal.awarded_on
    )
    return {
        "projects": [notice.pk, running.pk, closing.pk],
        "project-notices": [notice.pk],
        "project-objections": [objection.pk],
        "project-milestones": [first.pk, second.pk],
        "project-acceptances": [acceptance.pk],
    }


@pytest.fixture
def world(wsgi, published, enterprise, university, enterprise_member, research_member, curator):
    """A verified enterprise with listings, bids received and made, recommended matches and
    projects."""
    demand = published(DemandPageFactory, organisation=enterprise, title="激光焊接变形控制")
    DemandIndicatorFactory(page=demand)
    negotiable = published(
        DemandPageFactory,
        organisation=enterprise,
        title="面议需求",
        budget_min=None,
        budget_max=None,
        bid_deadline=None,
        district="",
        industry_chain=None,
        technology_field=None,
    )
    draft = DemandPageFactory(organisation=enterprise, live=False, status="draft")
    technology = published(TechnologyPageFactory, organisation=university, title="激光焊接工艺")
    bare = published(
        TechnologyPageFactory, organisation=university, district="", technology_field=None
    )
    other = OrganisationFactory(kind=Organisation.Kind.INSTITUTE, name="他方研究院")
    other_member = MembershipFactory(organisation=other, user=UserFactory()).user
    # The member also belongs to a research institute, so it can bid on demands as well.
    MembershipFactory(organisation=other, user=enterprise_member, role="member")
    received = bid_submit(user=research_member, listing=demand, data=full_input(demand))
    bid_submit(user=other_member, listing=demand, data=full_input(demand))
    take_up(enterprise_member, technology)
    match = match_recommend(
        match=MatchFactory(demand=demand, technology=technology), curator=curator
    )
    others = MatchFactory(demand=negotiable, technology=bare)
    return World(
        ids={
            "demands": [demand.pk, negotiable.pk, draft.pk],
            "technologies": [technology.pk, bare.pk],
            "bids": [
                received.pk,
                *Bid.objects.exclude(pk=received.pk).order_by("pk").values_list("pk", flat=True),
            ],
            "matches": [match.pk, others.pk],
            **projects_world(
                published, enterprise, other, enterprise_member, research_member, curator
            ),
        }
    )


def logged_in(world: World, user) -> World:
    """The world as ``user`` sees it: a session cookie and the CSRF pair for writes."""
    client = Client()
    client.force_login(user)
    # Passed as cookies, not a Cookie header: the WSGI client sends its own cookie jar.
    world.cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_SECRET}
    world.headers = {"X-CSRFToken": CSRF_SECRET}
    return world


def aim(case, world: World) -> None:
    """Point generated ids at real objects, so full answers and writes are checked too.

    Path ids: the even ones (odd ones test the 404 of an id that exists nowhere). A bid's
    listing: every id in range (an unknown listing's 400 has its own test). Out-of-range
    and mistyped values are left as generated.
    """
    segments = case.path.split("/")
    # The collection the id belongs to: the segment before it (bids, project-milestones …).
    segment = segments[segments.index("{id}") - 1] if "{id}" in segments else ""
    targets = [(case.path_parameters, "id", segment, 2)]
    if isinstance(case.body, dict):
        targets.append((case.body, "listing", f"{case.body.get('kind')}s", 1))
    for params, key, segment, every in targets:
        value = params.get(key) if isinstance(params, dict) else None
        if type(value) is not int or value % every or not 0 < value < 2**63:
            continue
        candidates = world.ids.get(segment)
        if candidates:
            params[key] = candidates[value // every % len(candidates)]


def exercise(case, world: World) -> None:
    aim(case, world)
    # The anonymous run checks that operations needing a login refuse callers without
    # one; a session cookie set here looks "generated" to schemathesis's ignored_auth.
    excluded = [schemathesis.checks.ignored_auth] if world.cookies else []
    with transaction.atomic():
        case.call_and_validate(
            headers=world.headers, cookies=world.cookies, excluded_checks=excluded
        )
        transaction.set_rollback(True)


@SCHEMA.parametrize()
@BOUNDED
def test_anonymous_caller(case, world):
    exercise(case, world)


@pytest.fixture
def as_member(world, enterprise_member):
    return logged_in(world, enterprise_member)


@pytest.fixture
def as_curator(world, curator):
    return logged_in(world, curator)


@SCHEMA.parametrize()
@BOUNDED
def test_member_of_a_verified_organisation(case, as_member):
    exercise(case, as_member)


@SCHEMA.parametrize()
@BOUNDED
def test_curator(case, as_curator):
    exercise(case, as_curator)
