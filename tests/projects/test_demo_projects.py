"""seed_demo's projects (marketplace/projects/demo.py): every stage, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cms.demo.builder import DEMO_LOGINS, DEMO_PASSWORD
from cms.lifecycle import DemandStatus, TechnologyStatus
from cms.models import DemandPage, TechnologyPage
from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.bidding.models import Bid, BidStatus, ContractState, Deal
from marketplace.organisations.permissions import active_organisation_ids
from marketplace.projects.models import (
    AcceptanceState,
    MilestoneState,
    ObjectionState,
    Project,
    ProjectState,
)
from marketplace.projects.selectors import overdue_milestones, project_list
from marketplace.projects.services import SHANGHAI
from tests.demo_seed import seeded_in_rollback

SIZE = 60


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back at the end."""
    yield from seeded_in_rollback(django_db_blocker, SIZE)


@pytest.fixture
def seeded_db(seeded, db):
    return seeded


def _today():
    return timezone.localdate(timezone.now(), SHANGHAI)


def test_every_project_state_for_both_kinds(seeded_db):
    states = {(p.kind, p.state) for p in Project.objects.all()}
    assert {s for _k, s in states} == set(ProjectState.values)
    kinds = {k for k, _s in states}
    assert kinds == {"demand", "technology"}
    # Every project comes from an awarded bid and its deal (bid → award → project); the
    # award of the project cancelled on an upheld objection was revoked.
    for project in Project.objects.select_related("bid"):
        revoked = project.state == ProjectState.CANCELLED
        assert project.bid.status == (BidStatus.REVOKED if revoked else BidStatus.AWARDED)
        assert project.bid.deal.amount == project.amount
    assert "攻关项目 9 个" in seeded_db


def test_notice_projects_are_still_in_their_period_one_with_an_open_objection(seeded_db):
    notice = Project.objects.filter(state=ProjectState.NOTICE)
    assert notice.count() >= 2
    assert all(p.notice_ends_on >= _today() for p in notice)
    assert notice.filter(objections__state=ObjectionState.OPEN).exists()
    cancelled = Project.objects.get(state=ProjectState.CANCELLED)
    assert cancelled.objections.get().state == ObjectionState.UPHELD
    assert cancelled.cancelled_reason


def test_running_projects_started_after_their_notice_with_milestones_in_every_state(seeded_db):
    started = Project.objects.exclude(state__in=[ProjectState.NOTICE, ProjectState.CANCELLED])
    assert started.exists()
    for project in started:
        assert project.notice_ends_on < _today()
        assert timezone.localdate(project.started_at, SHANGHAI) > project.notice_ends_on
        assert project.awarded_on <= timezone.localdate(project.bid.decided_at, SHANGHAI)
        assert AuditEntry.objects.filter(action="project.start", object_id=str(project.pk)).exists()
    milestone_states = {
        m.state for p in Project.objects.filter(kind="demand") for m in p.milestones.all()
    }
    assert milestone_states == set(MilestoneState.values)
    returned = Project.objects.filter(milestones__state=MilestoneState.RETURNED).first()
    assert returned.milestones.get(state=MilestoneState.RETURNED).return_reason


def test_an_overdue_milestone_is_on_the_curators_overdue_list(seeded_db, client):
    overdue = list(overdue_milestones())
    assert len(overdue) == 1
    assert overdue[0].due_date < _today()
    assert client.login(username=DEMO_LOGINS["curator"], password=DEMO_PASSWORD)
    body = client.get("/admin/curation/dashboard/overdue/").content.decode()
    assert overdue[0].project.title in body


def test_acceptance_waits_for_the_curator_and_a_completed_demand_is_completed(seeded_db):
    waiting = Project.objects.get(state=ProjectState.ACCEPTANCE)
    acceptance = waiting.acceptances.get()
    assert acceptance.state == AcceptanceState.OWNER_SIGNED
    assert acceptance.results.count() == waiting.demand.indicators.count() >= 2
    assert all(r.met for r in acceptance.results.all())
    completed = Project.objects.filter(state=ProjectState.COMPLETED)
    assert {p.kind for p in completed} == {"demand", "technology"}
    demand_project = completed.get(kind="demand")
    assert demand_project.demand.status == DemandStatus.COMPLETED
    assert demand_project.acceptances.get().state == AcceptanceState.ACCEPTED
    assert demand_project.completed_at >= demand_project.started_at
    for project in Project.objects.filter(kind="technology").exclude(state="cancelled"):
        assert project.technology.status == TechnologyStatus.TAKEN_UP


def test_listing_dates_come_before_the_award(seeded_db):
    for project in Project.objects.all():
        listing = project.listing
        assert timezone.localdate(listing.first_published_at, SHANGHAI) < project.awarded_on
        if project.kind == "demand":
            assert timezone.localdate(listing.bid_deadline, SHANGHAI) < project.awarded_on
            assert project.bid.submitted_at < listing.bid_deadline


@pytest.mark.parametrize("role", ["enterprise", "research"])
def test_demo_logins_see_projects_on_both_sides(seeded_db, client, role):
    user = User.objects.get(email=DEMO_LOGINS[role])
    orgs = active_organisation_ids(user)
    projects = list(project_list(user))
    assert any(p.owner_id in orgs for p in projects)
    assert any(p.lead_id in orgs for p in projects)
    assert client.login(username=user.email, password=DEMO_PASSWORD)
    body = client.get("/workspace/projects/").content.decode()
    for project in projects:
        assert project.title in body


def test_demo_logins_keep_a_listing_taking_bids(seeded_db):
    enterprise = User.objects.get(email=DEMO_LOGINS["enterprise"]).memberships.get().organisation
    research = User.objects.get(email=DEMO_LOGINS["research"]).memberships.get().organisation
    assert DemandPage.objects.filter(organisation=enterprise, status="open").exists()
    assert TechnologyPage.objects.filter(organisation=research, status="published").exists()
    # Every bid the demo made was awarded (one revoked on an upheld objection): no stray
    # drafts or refusals left behind.
    assert not Bid.objects.exclude(status__in=[BidStatus.AWARDED, BidStatus.REVOKED]).exists()
    assert Bid.objects.filter(status=BidStatus.REVOKED).count() == 1


def test_dates_are_relative_to_today(seeded_db):
    oldest = Project.objects.order_by("awarded_on").first()
    assert _today() - oldest.awarded_on < dt.timedelta(days=400)
    assert Project.objects.filter(awarded_on__gte=_today() - dt.timedelta(days=7)).exists()


def test_contracts_registered_confirmed_and_paid_through_the_ledger(seeded_db):
    confirmed = Project.objects.filter(bid__deal__contract__state=ContractState.CONFIRMED)
    assert {p.kind for p in confirmed} == {"demand", "technology"}
    for project in confirmed:
        deal = project.bid.deal
        contract = deal.contract
        assert deal.status == Deal.Status.SIGNED and deal.signed_on == contract.signed_on
        assert project.awarded_on <= contract.signed_on <= contract.registered_on <= _today()
        assert 0 < contract.technology_amount <= contract.amount == deal.amount
        paid = sum(p.amount for p in deal.payments.all())
        assert 0 < paid <= contract.amount
        assert all(project.awarded_on <= p.received_on <= _today() for p in deal.payments.all())
        assert AuditEntry.objects.filter(action="contract.confirm", object_id=str(deal.pk)).exists()
    demand_deal = confirmed.get(kind="demand").bid.deal
    assert demand_deal.contract.get_contract_type_display() == "技术开发"
    # One more waits for a curator, and shows on the project page as such.
    waiting = Project.objects.get(bid__deal__contract__state=ContractState.SUBMITTED)
    assert waiting.state == ProjectState.IN_PROGRESS


def test_a_confirmed_contract_shows_on_the_project_page(seeded_db, client):
    project = Project.objects.filter(
        kind="demand", bid__deal__contract__state=ContractState.CONFIRMED
    ).get()
    assert client.login(username=DEMO_LOGINS["research"], password=DEMO_PASSWORD)
    body = client.get(f"/workspace/projects/{project.pk}/").content.decode()
    assert project.bid.deal.contract.number in body
    assert "第1笔合同款" in body and "第2笔合同款" in body
