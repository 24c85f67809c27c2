"""The project lifecycle through its services: award → 公示 → start → milestones → 验收."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from cms.models import DemandPage, TechnologyPage
from cms.taxonomy import CooperationMode
from marketplace.audit.models import AuditEntry
from marketplace.bidding.models import Bid, BidStatus, Deal
from marketplace.bidding.selectors import counted_deals
from marketplace.bidding.services import BidInput, bid_award, bid_revoke_award, bid_submit
from marketplace.notifications.models import Notification
from marketplace.projects import services
from marketplace.projects.models import (
    Acceptance,
    MilestoneReport,
    MilestoneState,
    Objection,
    ObjectionState,
    Project,
    ProjectState,
)
from marketplace.projects.selectors import overdue_milestones
from marketplace.projects.services import IndicatorResult
from tests.bidding.conftest import full_input, pdf

from .conftest import after_notice

pytestmark = pytest.mark.django_db


def _actions(project) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="projects.project", object_id=str(project.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_working_days_skip_weekends():
    friday = datetime.date(2026, 12, 4)
    assert services.working_days_after(friday, 5) == datetime.date(2026, 12, 11)
    assert services.working_days_after(datetime.date(2026, 12, 7), 1) == datetime.date(2026, 12, 8)


def test_award_opens_project_with_parties_milestones_amount_and_notice(
    awarded, submitted_bid, demand, university, consortium_member
):
    project = awarded
    assert project.demand == demand and project.kind == "demand"
    assert project.owner_id == demand.organisation_id and project.lead == university
    assert set(project.consortium.values_list("name", flat=True)) == {"联合体研究院"}
    assert project.amount == 800_000
    assert [m.deliverable for m in project.milestones.all()] == [
        "工艺方案与小试报告",
        "中试验证与检测报告",
    ]
    assert project.state == ProjectState.NOTICE
    assert project.notice_ends_on == services.working_days_after(project.awarded_on, 5)
    assert project.planned_end == demand.delivery_deadline
    assert _actions(project) == ["project.create"]


def test_notice_period_is_configurable(settings, submitted_bid, enterprise_member):
    from marketplace.bidding.services import bid_award

    settings.JIEBANG_AWARD_NOTICE_WORKING_DAYS = 2
    bid_award(user=enterprise_member, bid=submitted_bid)
    project = submitted_bid.project
    assert project.notice_ends_on == services.working_days_after(project.awarded_on, 2)


def test_technology_take_up_opens_project(technology, enterprise_member, university):
    from cms.taxonomy import CooperationMode
    from marketplace.bidding.services import BidInput, bid_award, bid_submit

    bid = bid_submit(
        user=enterprise_member,
        listing=technology,
        data=BidInput(
            fields={
                "cooperation_mode": CooperationMode.objects.first(),
                "intended_use": "用于动力电池产线。",
                "declares_no_related_party": True,
            }
        ),
    )
    research = university.memberships.first().user if university.memberships.exists() else None
    from tests.factories import MembershipFactory, UserFactory

    research = (
        research
        or MembershipFactory(
            organisation=university, user=UserFactory(email="tech-owner@example.com")
        ).user
    )
    bid_award(user=research, bid=bid)
    project = bid.project
    assert project.kind == "technology" and project.technology == technology
    assert project.owner == university and project.lead_id == bid.organisation_id
    started = services.project_start(project=project, today=after_notice(project))
    assert started.state == ProjectState.IN_PROGRESS


# -- 公示 and objections -------------------------------------------------------------


def test_objection_needs_a_reason_and_changes_nothing(awarded, outsider):
    with pytest.raises(ValidationError) as exc:
        services.objection_file(user=outsider, project=awarded, reason="   ")
    assert "请填写异议理由。" in str(exc.value)
    assert not Objection.objects.exists()


def test_objection_blocks_start_until_a_curator_dismisses_it(awarded, outsider, curator, demand):
    objection = services.objection_file(user=outsider, project=awarded, reason="中榜单位资质存疑。")
    with pytest.raises(ValidationError):
        services.project_start(project=awarded, today=after_notice(awarded))
    with pytest.raises(PermissionDenied):
        services.objection_resolve(user=outsider, objection=objection, upheld=False, resolution="x")
    with pytest.raises(ValidationError):
        services.objection_resolve(user=curator, objection=objection, upheld=False, resolution="")
    objection.refresh_from_db()
    assert objection.state == ObjectionState.OPEN
    services.objection_resolve(
        user=curator, objection=objection, upheld=False, resolution="经核查资质齐全。"
    )
    project = services.project_start(project=awarded, today=after_notice(awarded))
    assert project.state == ProjectState.IN_PROGRESS
    assert DemandPage.objects.get(pk=demand.pk).status == "in_progress"
    assert _actions(project) == [
        "project.create",
        "project.objection",
        "objection.dismiss",
        "project.start",
    ]


def _uphold(project, outsider, curator, resolution="属实。"):
    objection = services.objection_file(user=outsider, project=project, reason="存在关联关系。")
    services.objection_resolve(
        user=curator, objection=objection, upheld=True, resolution=resolution
    )
    project.refresh_from_db()


def test_upheld_objection_revokes_the_award_and_lets_the_owner_award_again(
    submitted_bid, consortium_member, outsider, curator, demand, enterprise_member, other_researcher
):
    rival = bid_submit(user=other_researcher, listing=demand, data=full_input(demand))
    bid_award(user=enterprise_member, bid=submitted_bid)
    project = Project.objects.get(bid=submitted_bid)
    _uphold(project, outsider, curator)
    assert project.state == ProjectState.CANCELLED
    with pytest.raises(ValidationError):
        services.project_start(project=project, today=after_notice(project))
    # The award is revoked: the bid says so, its deal no longer counts, and with no other
    # award standing the demand goes back to closed so its owner may award another bid.
    submitted_bid.refresh_from_db()
    assert submitted_bid.status == BidStatus.REVOKED
    assert Deal.objects.get(bid=submitted_bid).status == Deal.Status.CANCELLED
    assert not counted_deals().filter(bid=submitted_bid).exists()
    assert DemandPage.objects.get(pk=demand.pk).status == "closed"
    assert AuditEntry.objects.filter(action="bid.revoke_award", note="属实。").exists()
    assert Notification.objects.filter(verb="bid_award_revoked").exists()
    # The owner awards the other bid: a new project under its own notice period.
    bid_award(user=enterprise_member, bid=rival)
    assert DemandPage.objects.get(pk=demand.pk).status == "awarded"
    assert Project.objects.get(bid=rival).state == ProjectState.NOTICE
    assert counted_deals().filter(bid=rival).exists()


def test_revoking_one_of_two_awards_leaves_the_demand_awarded(
    submitted_bid, consortium_member, outsider, curator, demand, enterprise_member, other_researcher
):
    DemandPage.objects.filter(pk=demand.pk).update(winners_count=2)
    demand.refresh_from_db()
    rival = bid_submit(user=other_researcher, listing=demand, data=full_input(demand))
    bid_award(user=enterprise_member, bid=submitted_bid)
    bid_award(user=enterprise_member, bid=rival)
    _uphold(Project.objects.get(bid=submitted_bid), outsider, curator)
    assert Bid.objects.get(pk=submitted_bid.pk).status == BidStatus.REVOKED
    assert Bid.objects.get(pk=rival.pk).status == BidStatus.AWARDED
    assert DemandPage.objects.get(pk=demand.pk).status == "awarded"


def test_only_a_curator_revokes_an_award_and_only_an_awarded_bid(
    awarded, curator, enterprise_member
):
    bid = Bid.objects.get(pk=awarded.bid_id)
    with pytest.raises(PermissionDenied):
        bid_revoke_award(user=enterprise_member, bid=bid, reason="x")
    with pytest.raises(ValidationError):
        bid_revoke_award(user=curator, bid=bid, reason=" ")
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.AWARDED
    bid_revoke_award(user=curator, bid=bid, reason="属实。")
    with pytest.raises(ValidationError):
        bid_revoke_award(user=curator, bid=bid, reason="再次撤销。")


def test_upheld_objection_on_a_take_up_republishes_the_technology(
    technology, enterprise_member, research_member, outsider, curator
):
    take_up = bid_submit(
        user=enterprise_member,
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
    bid_award(user=research_member, bid=take_up)
    assert TechnologyPage.objects.get(pk=technology.pk).status == "taken_up"
    _uphold(Project.objects.get(bid=take_up), outsider, curator)
    assert Bid.objects.get(pk=take_up.pk).status == BidStatus.REVOKED
    assert TechnologyPage.objects.get(pk=technology.pk).status == "published"


def test_no_start_and_no_late_objection_around_the_notice_end(awarded, outsider, monkeypatch):
    with pytest.raises(ValidationError):
        services.project_start(project=awarded, today=awarded.notice_ends_on)
    monkeypatch.setattr(services, "_today", lambda: after_notice(awarded))
    with pytest.raises(ValidationError):
        services.objection_file(user=outsider, project=awarded, reason="晚了。")
    assert not Objection.objects.exists()


def test_command_starts_due_projects_once(awarded, demand, monkeypatch):
    call_command("start_due_projects")
    awarded.refresh_from_db()
    assert awarded.state == ProjectState.NOTICE
    monkeypatch.setattr(services, "_today", lambda: after_notice(awarded))
    call_command("start_due_projects")
    call_command("start_due_projects")
    awarded.refresh_from_db()
    assert awarded.state == ProjectState.IN_PROGRESS
    assert DemandPage.objects.get(pk=demand.pk).status == "in_progress"
    assert _actions(awarded).count("project.start") == 1


# -- milestones ----------------------------------------------------------------------


def _values(demand, *values):
    return dict(zip(demand.indicators.values_list("pk", flat=True), values, strict=False))


@pytest.mark.parametrize("bad", ["-0.1", "abc", "1e400", "NaN"])
def test_report_refuses_bad_values_and_changes_nothing(running, research_member, demand, bad):
    milestone = running.milestones.first()
    with pytest.raises(ValidationError):
        services.milestone_report(
            user=research_member,
            milestone=milestone,
            text="完成小试。",
            values=_values(demand, bad),
        )
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.PENDING
    assert not MilestoneReport.objects.exists()


def test_only_the_winning_side_reports(running, enterprise_member, outsider, consortium_member):
    milestone = running.milestones.first()
    for user in (enterprise_member, outsider):
        with pytest.raises(PermissionDenied):
            services.milestone_report(user=user, milestone=milestone, text="x")
    services.milestone_report(user=consortium_member, milestone=milestone, text="联合体报告。")
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.REPORTED


def test_report_accept_and_return(running, research_member, enterprise_member, demand):
    first, second = running.milestones.all()
    report = services.milestone_report(
        user=research_member,
        milestone=first,
        text="完成小试，变形量 0.18mm。",
        file=pdf("小试报告.pdf"),
        values=_values(demand, "0.18", ""),
    )
    assert report.file.name.startswith(f"private/projects/{running.pk}/")
    assert [v.value for v in report.values.all()] == [Decimal("0.1800")]
    assert Notification.objects.filter(
        recipient=enterprise_member, verb="milestone_reported"
    ).exists()
    with pytest.raises(PermissionDenied):
        services.milestone_accept(user=research_member, milestone=first)
    with pytest.raises(ValidationError):
        services.milestone_return(user=enterprise_member, milestone=first, reason=" ")
    first.refresh_from_db()
    assert first.state == MilestoneState.REPORTED
    services.milestone_return(user=enterprise_member, milestone=first, reason="缺少检测报告。")
    first.refresh_from_db()
    assert first.state == MilestoneState.RETURNED and first.return_reason == "缺少检测报告。"
    assert Notification.objects.filter(
        recipient=research_member, verb="milestone_returned"
    ).exists()
    services.milestone_report(user=research_member, milestone=first, text="补充检测报告。")
    services.milestone_accept(user=enterprise_member, milestone=first)
    first.refresh_from_db()
    assert first.state == MilestoneState.ACCEPTED
    with pytest.raises(ValidationError):
        services.milestone_accept(user=enterprise_member, milestone=second)


def test_report_refuses_a_disguised_file(running, research_member):
    milestone = running.milestones.first()
    with pytest.raises(ValidationError):
        services.milestone_report(
            user=research_member, milestone=milestone, text="x", file=pdf("a.pdf", b"MZ\x90\x00")
        )
    assert not MilestoneReport.objects.exists()


def test_overdue_milestones_are_queryable(running):
    first = running.milestones.first()
    assert list(overdue_milestones(first.due_date)) == []
    assert list(overdue_milestones(first.due_date + datetime.timedelta(days=1))) == [first]


# -- 验收 --------------------------------------------------------------------------------


def _accept_all(project, winner, owner):
    for milestone in project.milestones.all():
        services.milestone_report(user=winner, milestone=milestone, text="完成。")
        services.milestone_accept(user=owner, milestone=milestone)


def _results(demand, measured=("0.15", "0.95"), method="第三方检测"):
    return {
        i.pk: IndicatorResult(measured_value=m, test_method=method)
        for i, m in zip(demand.indicators.all(), measured, strict=True)
    }


def test_acceptance_waits_for_every_milestone(running, enterprise_member, demand):
    with pytest.raises(ValidationError) as exc:
        services.acceptance_request(
            user=enterprise_member, project=running, summary="验收。", results=_results(demand)
        )
    assert "所有里程碑确认后才能申请验收。" in str(exc.value)
    assert not Acceptance.objects.exists()


@pytest.mark.parametrize(
    ("measured", "method"),
    [
        (("-1", "0.9"), "检测"),
        (("abc", "0.9"), "检测"),
        (("", "0.9"), "检测"),
        (("0.1", "0.9"), ""),
    ],
)
def test_acceptance_refuses_bad_measurements(
    running, research_member, enterprise_member, demand, measured, method
):
    _accept_all(running, research_member, enterprise_member)
    with pytest.raises(ValidationError):
        services.acceptance_request(
            user=enterprise_member,
            project=running,
            summary="验收。",
            results=_results(demand, measured, method),
        )
    running.refresh_from_db()
    assert running.state == ProjectState.IN_PROGRESS and not Acceptance.objects.exists()


def test_acceptance_signed_by_owner_then_curator_completes_the_demand(
    running, research_member, enterprise_member, curator, demand
):
    _accept_all(running, research_member, enterprise_member)
    with pytest.raises(PermissionDenied):
        services.acceptance_request(
            user=research_member, project=running, summary="x", results=_results(demand)
        )
    acceptance = services.acceptance_request(
        user=enterprise_member,
        project=running,
        summary="各项指标经第三方检测。",
        results=_results(demand, ("0.15", "0.85")),
    )
    results = {r.name: r.met for r in acceptance.results.all()}
    assert results == {"焊后变形量": True, "焊缝强度系数": False}
    with pytest.raises(ValidationError):
        services.acceptance_sign(user=curator, acceptance=acceptance)
    with pytest.raises(PermissionDenied):
        services.acceptance_sign(user=research_member, acceptance=acceptance)
    services.acceptance_sign(user=enterprise_member, acceptance=acceptance)
    assert DemandPage.objects.get(pk=demand.pk).status == "in_progress"
    services.acceptance_sign(user=curator, acceptance=acceptance)
    running.refresh_from_db()
    assert running.state == ProjectState.COMPLETED
    assert DemandPage.objects.get(pk=demand.pk).status == "completed"
    assert _actions(running)[-4:] == [
        "acceptance.request",
        "acceptance.owner_sign",
        "acceptance.curator_sign",
        "project.complete",
    ]


def test_acceptance_returned_with_reason_resumes_the_work(
    running, research_member, enterprise_member, curator, demand
):
    _accept_all(running, research_member, enterprise_member)
    acceptance = services.acceptance_request(
        user=enterprise_member, project=running, summary="验收。", results=_results(demand)
    )
    with pytest.raises(ValidationError):
        services.acceptance_return(user=curator, acceptance=acceptance, reason="")
    acceptance.refresh_from_db()
    assert acceptance.state == "pending"
    services.acceptance_return(user=curator, acceptance=acceptance, reason="检测报告不完整。")
    running.refresh_from_db()
    assert running.state == ProjectState.IN_PROGRESS
    assert DemandPage.objects.get(pk=demand.pk).status == "in_progress"


def test_award_tells_both_sides_of_the_notice(awarded, enterprise_member, consortium_member):
    for user in (enterprise_member, consortium_member):
        assert Notification.objects.filter(recipient=user, verb="project_created").exists()


def test_demand_with_two_winners_completes_with_its_last_project(
    demand, submitted_bid, other_researcher, research_member, enterprise_member, curator
):
    from marketplace.bidding.services import bid_award, bid_submit
    from tests.bidding.conftest import full_input

    DemandPage.objects.filter(pk=demand.pk).update(winners_count=2)
    demand.refresh_from_db()
    other = bid_submit(user=other_researcher, listing=demand, data=full_input(demand))
    bid_award(user=enterprise_member, bid=submitted_bid)
    bid_award(user=enterprise_member, bid=other)
    projects = [submitted_bid.project, other.project]
    for project, winner in zip(projects, (research_member, other_researcher), strict=True):
        services.project_start(project=project, today=after_notice(project))
        _accept_all(project, winner, enterprise_member)
        acceptance = services.acceptance_request(
            user=enterprise_member, project=project, summary="验收。", results=_results(demand)
        )
        services.acceptance_sign(user=enterprise_member, acceptance=acceptance)
        services.acceptance_sign(user=curator, acceptance=acceptance)
        expected = "completed" if project is projects[-1] else "in_progress"
        assert DemandPage.objects.get(pk=demand.pk).status == expected


def test_award_and_project_are_one_transaction(submitted_bid, enterprise_member, monkeypatch):
    from marketplace.bidding.models import Bid
    from marketplace.bidding.services import bid_award

    def broken(**kwargs):
        raise RuntimeError("project store down")

    monkeypatch.setattr(services.Project.objects, "create", broken)
    with pytest.raises(RuntimeError):
        bid_award(user=enterprise_member, bid=submitted_bid)
    assert Bid.objects.get(pk=submitted_bid.pk).status == "submitted"
    assert DemandPage.objects.get(pk=submitted_bid.demand_id).status == "open"


def test_task_starts_due_projects(awarded, monkeypatch):
    from marketplace.projects.tasks import start_due_projects

    monkeypatch.setattr(services, "_today", lambda: after_notice(awarded))
    result = start_due_projects.enqueue()
    assert result.return_value == 1
    awarded.refresh_from_db()
    assert awarded.state == ProjectState.IN_PROGRESS
