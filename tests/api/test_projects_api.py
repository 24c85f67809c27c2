"""/api/v1/ for 攻关项目: every endpoint for every role (the pages' rules), bad input, the path."""

# ruff: noqa: F811  (the project fixtures are imported so pytest finds them here)
from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from cms.models import DemandPage
from marketplace.audit.models import AuditEntry
from marketplace.bidding import ledger
from marketplace.bidding.models import ContractState, Deal, DealPayment, TechContract
from marketplace.bidding.services import bid_award, bid_submit
from marketplace.projects import services
from marketplace.projects.models import (
    Acceptance,
    MilestoneReport,
    MilestoneState,
    Objection,
    Project,
    ProjectState,
)
from tests.bidding.conftest import (  # noqa: F401  (fixtures)
    demand,
    full_input,
    other_researcher,
    other_university,
    submitted_bid,
    technology,
)
from tests.projects.conftest import (  # noqa: F401  (fixtures)
    ROLES,
    awarded,
    consortium_member,
    people,
    running,
)

pytestmark = pytest.mark.django_db


def as_(people, role) -> APIClient:
    client = APIClient()
    if people[role] is not None:
        client.force_login(people[role])
    return client


def post(client, url, body=None):
    return client.post(url, body if body is not None else {}, format="json")


def end_notice(project) -> None:
    """The notice period ended yesterday (test data: the API starts with today's date)."""
    Project.objects.filter(pk=project.pk).update(
        notice_ends_on=datetime.date.today() - datetime.timedelta(days=2)
    )


@pytest.fixture
def reported(running, research_member):
    milestone = running.milestones.first()
    services.milestone_report(user=research_member, milestone=milestone, text="完成小试。")
    return milestone


@pytest.fixture
def all_accepted(running, research_member, enterprise_member):
    for milestone in running.milestones.all():
        services.milestone_report(user=research_member, milestone=milestone, text="完成。")
        services.milestone_accept(user=enterprise_member, milestone=milestone)
    return running


def results_for(demand, measured="0.1") -> list[dict]:
    return [
        {"indicator": i.pk, "measured_value": measured, "test_method": "第三方检测"}
        for i in demand.indicators.all()
    ]


@pytest.fixture
def acceptance(all_accepted, enterprise_member, demand):
    return services.acceptance_request(
        user=enterprise_member,
        project=all_accepted,
        summary="验收。",
        results={
            i.pk: services.IndicatorResult("0.1", "检测", True) for i in demand.indicators.all()
        },
    )


# -- reading ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "listed", "detail"),
    [
        ("owner", True, 200),
        ("winner", True, 200),
        ("consortium", True, 200),
        ("other", False, 404),
        ("anonymous", None, 403),
        ("curator", True, 200),
    ],
)
def test_list_and_detail(people, awarded, role, listed, detail):
    client = as_(people, role)
    response = client.get("/api/v1/projects/")
    if listed is None:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert ([p["id"] for p in response.json()["results"]] == [awarded.pk]) == listed
    response = client.get(f"/api/v1/projects/{awarded.pk}/")
    assert response.status_code == detail
    if detail == 200:
        body = response.json()
        assert body["title"] == awarded.title
        assert body["state"] == {"code": "notice", "label": "公示中"}
        assert body["owner"]["id"] == awarded.owner_id and body["lead"]["id"] == awarded.lead_id
        assert [c["name"] for c in body["consortium"]] == ["联合体研究院"]
        assert body["amount"] == awarded.amount
        assert body["notice_ends_on"] == awarded.notice_ends_on.isoformat()
        assert [m["state"]["code"] for m in body["milestones"]] == ["pending", "pending"]
        assert body["acceptance"] is None and body["objection_count"] == 0


def test_detail_shows_reports_values_acceptance_and_objections(
    people, acceptance, demand, outsider
):
    project = acceptance.project
    Objection.objects.create(project=project, user=outsider, reason="资质存疑。")
    body = as_(people, "consortium").get(f"/api/v1/projects/{project.pk}/").json()
    assert body["state"]["code"] == "acceptance"
    assert body["milestones"][0]["reports"][0]["text"] == "完成。"
    assert body["acceptance"]["state"]["code"] == "pending"
    targets = {r["name"]: r["target_value"] for r in body["acceptance"]["results"]}
    assert targets == {i.name: i.target_value for i in demand.indicators.all()}
    assert {r["measured_value"] for r in body["acceptance"]["results"]} == {"0.1"}
    assert body["objection_count"] == 1 and body["open_objection_count"] == 1
    assert body["objections"][0]["reason"] == "资质存疑。"
    assert "user" not in body["objections"][0]


def test_list_filters(people, awarded):
    client = as_(people, "curator")
    assert client.get("/api/v1/projects/", {"state": "notice"}).json()["count"] == 1
    assert client.get("/api/v1/projects/", {"state": "completed"}).json()["count"] == 0
    assert client.get("/api/v1/projects/", {"kind": "technology"}).json()["count"] == 0
    for bad in ({"state": "draft"}, {"state": ""}, {"kind": "x"}):
        response = client.get("/api/v1/projects/", bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


@pytest.mark.parametrize("role", ROLES)
def test_public_notices_for_everyone(people, awarded, role):
    client = as_(people, role)
    listed = client.get("/api/v1/project-notices/").json()["results"]
    assert [n["id"] for n in listed] == [awarded.pk]
    assert "amount" not in listed[0] and "milestones" not in listed[0]
    detail = client.get(f"/api/v1/project-notices/{awarded.pk}/")
    assert detail.status_code == 200 and detail.json()["lead"]["id"] == awarded.lead_id


def test_cancelled_project_has_no_notice(people, awarded, outsider, curator):
    objection = services.objection_file(user=outsider, project=awarded, reason="存疑。")
    services.objection_resolve(user=curator, objection=objection, upheld=True, resolution="成立。")
    client = as_(people, "anonymous")
    assert client.get("/api/v1/project-notices/").json()["results"] == []
    assert client.get(f"/api/v1/project-notices/{awarded.pk}/").status_code == 404


# -- objections -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 201),
        ("winner", 201),
        ("consortium", 201),
        ("other", 201),
        ("anonymous", 403),
        ("curator", 403),
    ],
)
def test_file_objection(people, awarded, role, expected):
    url = f"/api/v1/project-notices/{awarded.pk}/objections/"
    response = post(as_(people, role), url, {"reason": "资质存疑。"})
    assert response.status_code == expected
    if expected == 201:
        assert Objection.objects.get().user == people[role]
        assert response.json()["state"]["code"] == "open"
    else:
        assert not Objection.objects.exists()
    if role == "curator":  # curators resolve objections and are told why they file none
        assert response.json() == {"detail": "加入已登记单位后可提出异议。"}


def test_objection_needs_a_reason_of_the_right_type(people, awarded):
    client = as_(people, "other")
    url = f"/api/v1/project-notices/{awarded.pk}/objections/"
    response = post(client, url, {"reason": "  "})
    assert response.status_code == 400 and response.json() == {"reason": ["请填写异议理由。"]}
    response = post(client, url, {"reason": 5})
    assert response.status_code == 400 and response.json() == {"reason": ["应为字符串。"]}
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 404),
        ("winner", 404),
        ("consortium", 404),
        ("other", 404),
        ("anonymous", 403),
        ("curator", 200),
    ],
)
def test_resolve_objection_only_by_curator(people, awarded, outsider, role, expected):
    objection = services.objection_file(user=outsider, project=awarded, reason="存疑。")
    url = f"/api/v1/project-objections/{objection.pk}/resolve/"
    body = {"decision": "dismissed", "resolution": "经核查无问题。"}
    response = post(as_(people, role), url, body)
    assert response.status_code == expected
    objection.refresh_from_db()
    assert (objection.state == "dismissed") == (expected == 200)
    if expected == 200:
        assert response.json()["objections"][0]["resolution"] == "经核查无问题。"
        assert AuditEntry.objects.filter(action="objection.dismiss").count() == 1


def test_resolve_refuses_bad_input_and_changes_nothing(people, awarded, outsider):
    objection = services.objection_file(user=outsider, project=awarded, reason="存疑。")
    client = as_(people, "curator")
    url = f"/api/v1/project-objections/{objection.pk}/resolve/"
    response = post(client, url, {"decision": "maybe", "resolution": "意见。"})
    assert response.status_code == 400 and list(response.json()) == ["decision"]
    response = post(client, url, {"decision": "upheld", "resolution": ""})
    assert response.json() == {"resolution": ["请填写处理意见。"]}
    objection.refresh_from_db()
    awarded.refresh_from_db()
    assert objection.state == "open" and awarded.state == ProjectState.NOTICE


# -- start ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("winner", 404),
        ("consortium", 404),
        ("other", 404),
        ("anonymous", 403),
        ("curator", 200),
    ],
)
def test_start(people, awarded, demand, role, expected):
    end_notice(awarded)
    response = post(as_(people, role), f"/api/v1/projects/{awarded.pk}/start/")
    assert response.status_code == expected
    awarded.refresh_from_db()
    demand.refresh_from_db()
    started = expected == 200
    assert (awarded.state == ProjectState.IN_PROGRESS) == started
    assert (demand.status == "in_progress") == started
    if started:
        assert response.json()["state"]["code"] == "in_progress"


def test_start_during_the_notice_period_is_a_400_changing_nothing(people, awarded):
    response = post(as_(people, "owner"), f"/api/v1/projects/{awarded.pk}/start/")
    assert response.status_code == 400
    assert "公示期至" in response.json()["detail"][0]
    awarded.refresh_from_db()
    assert awarded.state == ProjectState.NOTICE


# -- milestones -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 404),
        ("winner", 200),
        ("consortium", 200),
        ("other", 404),
        ("anonymous", 403),
        ("curator", 404),
    ],
)
def test_report_milestone(people, running, demand, role, expected):
    milestone = running.milestones.first()
    indicator = demand.indicators.first()
    body = {"text": "完成小试。", "values": [{"indicator": indicator.pk, "value": "0.18"}]}
    response = post(as_(people, role), f"/api/v1/project-milestones/{milestone.pk}/report/", body)
    assert response.status_code == expected
    milestone.refresh_from_db()
    assert (milestone.state == MilestoneState.REPORTED) == (expected == 200)
    if expected == 200:
        report = response.json()["milestones"][0]["reports"][0]
        assert report["values"] == [
            {"indicator": indicator.pk, "name": indicator.name, "unit": "mm", "value": "0.18"}
        ]
        assert report["file"] is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-3", "数值不能为负数。"),
        ("约0.1", "请输入数值（如 0.15）。"),
        ("1e20", "数值超出合理范围。"),
    ],
)
def test_report_refuses_bad_values_and_changes_nothing(people, running, demand, value, message):
    milestone = running.milestones.first()
    indicator = demand.indicators.first()
    body = {"text": "完成。", "values": [{"indicator": indicator.pk, "value": value}]}
    response = post(
        as_(people, "winner"), f"/api/v1/project-milestones/{milestone.pk}/report/", body
    )
    assert response.status_code == 400
    assert response.json() == {"values": {str(indicator.pk): [message]}}
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.PENDING and not MilestoneReport.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "完成。", "values": [{"indicator": 1, "value": 0.15}]}, "values"),
        ({"text": "完成。", "values": "0.15"}, "values"),
        ({"text": ["完成。"]}, "text"),
        ({"text": ""}, "text"),
        ({}, "text"),
    ],
)
def test_report_refuses_wrong_types_and_missing_text(people, running, body, field):
    milestone = running.milestones.first()
    response = post(
        as_(people, "winner"), f"/api/v1/project-milestones/{milestone.pk}/report/", body
    )
    assert response.status_code == 400 and field in response.json()
    assert not MilestoneReport.objects.exists()


def test_report_refuses_unknown_and_repeated_indicators(people, running, demand, other_university):
    milestone = running.milestones.first()
    url = f"/api/v1/project-milestones/{milestone.pk}/report/"
    client = as_(people, "winner")
    pk = demand.indicators.first().pk
    unknown = {"text": "完成。", "values": [{"indicator": pk + 1000, "value": "1"}]}
    assert post(client, url, unknown).json() == {"values": ["指标不属于该需求。"]}
    twice = {"text": "完成。", "values": [{"indicator": pk, "value": "1"}] * 2}
    assert post(client, url, twice).json() == {"values": ["同一指标只能填写一次。"]}
    assert not MilestoneReport.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_accept_milestone_only_by_owner(people, reported, role):
    response = post(as_(people, role), f"/api/v1/project-milestones/{reported.pk}/accept/")
    assert response.status_code == {"owner": 200, "anonymous": 403}.get(role, 404)
    reported.refresh_from_db()
    assert (reported.state == MilestoneState.ACCEPTED) == (role == "owner")


@pytest.mark.parametrize("role", ROLES)
def test_return_milestone_only_by_owner(people, reported, role):
    url = f"/api/v1/project-milestones/{reported.pk}/return/"
    response = post(as_(people, role), url, {"reason": "数据不全。"})
    assert response.status_code == {"owner": 200, "anonymous": 403}.get(role, 404)
    reported.refresh_from_db()
    assert (reported.state == MilestoneState.RETURNED) == (role == "owner")


def test_return_milestone_needs_a_reason(people, reported):
    client = as_(people, "owner")
    url = f"/api/v1/project-milestones/{reported.pk}/return/"
    assert post(client, url, {"reason": " "}).json() == {"reason": ["请填写退回原因。"]}
    reported.refresh_from_db()
    assert reported.state == MilestoneState.REPORTED
    response = post(client, url, {"reason": "数据不全。"})
    assert response.status_code == 200
    milestone = response.json()["milestones"][0]
    assert milestone["state"]["code"] == "returned" and milestone["return_reason"] == "数据不全。"


# -- 验收 ---------------------------------------------------------------------------


def test_acceptance_before_all_milestones_is_a_400_changing_nothing(people, running, demand):
    body = {"summary": "验收。", "results": results_for(demand)}
    response = post(as_(people, "owner"), f"/api/v1/projects/{running.pk}/acceptance/", body)
    assert response.status_code == 400
    assert response.json() == {"detail": ["所有里程碑确认后才能申请验收。"]}
    running.refresh_from_db()
    assert running.state == ProjectState.IN_PROGRESS and not Acceptance.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 201),
        ("winner", 404),
        ("consortium", 404),
        ("other", 404),
        ("anonymous", 403),
        ("curator", 404),
    ],
)
def test_acceptance_request_only_by_owner(people, all_accepted, demand, role, expected):
    body = {"summary": "指标经第三方检测。", "results": results_for(demand)}
    response = post(as_(people, role), f"/api/v1/projects/{all_accepted.pk}/acceptance/", body)
    assert response.status_code == expected
    assert Acceptance.objects.exists() == (expected == 201)
    if expected == 201:
        results = response.json()["acceptance"]["results"]
        assert {r["test_method"] for r in results} == {"第三方检测"}
        # ≤0.2 and ≥0.9 compared with 0.1: the first met, the second not.
        assert sorted(r["met"] for r in results) == [False, True]


@pytest.mark.parametrize(
    ("measured", "method", "errors"),
    [
        ("-1", "检测", {"measured_value": ["数值不能为负数。"]}),
        ("约0.1", "检测", {"measured_value": ["请输入数值（如 0.15）。"]}),
        ("", "检测", {"measured_value": ["请填写实测值。"]}),
        ("0.1", "", {"test_method": ["请填写检测方法。"]}),
    ],
)
def test_acceptance_refuses_bad_measurements(
    people, all_accepted, demand, measured, method, errors
):
    rows = results_for(demand)
    rows[0].update(measured_value=measured, test_method=method)
    body = {"summary": "验收。", "results": rows}
    response = post(as_(people, "owner"), f"/api/v1/projects/{all_accepted.pk}/acceptance/", body)
    assert response.status_code == 400
    assert response.json() == {"results": {str(rows[0]["indicator"]): errors}}
    all_accepted.refresh_from_db()
    assert all_accepted.state == ProjectState.IN_PROGRESS and not Acceptance.objects.exists()


def test_acceptance_refuses_missing_unknown_and_mistyped_results(people, all_accepted, demand):
    client = as_(people, "owner")
    url = f"/api/v1/projects/{all_accepted.pk}/acceptance/"
    rows = results_for(demand)
    missing = post(client, url, {"summary": "验收。", "results": rows[:1]})
    assert missing.json() == {
        "results": {str(rows[1]["indicator"]): {"measured_value": ["请填写实测值。"]}}
    }
    unknown = rows + [
        {"indicator": rows[0]["indicator"] + 1000, "measured_value": "1", "test_method": "x"}
    ]
    response = post(client, url, {"summary": "验收。", "results": unknown})
    assert response.status_code == 400 and list(response.json()) == ["results"]
    mistyped = [dict(rows[0], measured_value=0.1), rows[1]]
    response = post(client, url, {"summary": "验收。", "results": mistyped})
    assert response.status_code == 400 and "应为字符串。" in str(response.json())
    response = post(client, url, {"summary": "", "results": rows})
    assert response.json() == {"summary": ["请填写验收说明。"]}
    assert not Acceptance.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_sign_and_return_acceptance(people, acceptance, role):
    client = as_(people, role)
    url = f"/api/v1/project-acceptances/{acceptance.pk}/"
    response = post(client, url + "sign/")
    # The owner signs first; the curator is told to wait for the owner's signature.
    assert response.status_code == {"owner": 200, "curator": 400, "anonymous": 403}.get(role, 404)
    acceptance.refresh_from_db()
    assert (acceptance.state == "owner_signed") == (role == "owner")
    response = post(client, url + "return/", {"reason": "不全。"})
    assert response.status_code == {"owner": 200, "curator": 200, "anonymous": 403}.get(role, 404)
    acceptance.refresh_from_db()
    assert (acceptance.state == "returned") == (role in ("owner", "curator"))
    project = Project.objects.get(pk=acceptance.project_id)
    expected = ProjectState.IN_PROGRESS if role in ("owner", "curator") else ProjectState.ACCEPTANCE
    assert project.state == expected


def test_return_acceptance_needs_a_reason(people, acceptance):
    response = post(
        as_(people, "owner"),
        f"/api/v1/project-acceptances/{acceptance.pk}/return/",
        {"reason": " "},
    )
    assert response.json() == {"reason": ["请填写退回原因。"]}
    acceptance.refresh_from_db()
    assert acceptance.state == "pending"


# -- the whole path, through the API only ------------------------------------------


def test_award_to_completed_through_the_api(people, awarded, demand):
    owner, winner, curator = (as_(people, r) for r in ("owner", "winner", "curator"))
    end_notice(awarded)
    assert post(owner, f"/api/v1/projects/{awarded.pk}/start/").status_code == 200
    indicator = demand.indicators.first()
    for milestone in awarded.milestones.all():
        body = {"text": "完成。", "values": [{"indicator": indicator.pk, "value": "0.15"}]}
        url = f"/api/v1/project-milestones/{milestone.pk}/"
        assert post(winner, url + "report/", body).status_code == 200
        assert post(owner, url + "accept/").status_code == 200
    body = {"summary": "验收通过。", "results": results_for(demand)}
    response = post(owner, f"/api/v1/projects/{awarded.pk}/acceptance/", body)
    assert response.status_code == 201
    acceptance_id = response.json()["acceptance"]["id"]
    assert post(owner, f"/api/v1/project-acceptances/{acceptance_id}/sign/").status_code == 200
    response = post(curator, f"/api/v1/project-acceptances/{acceptance_id}/sign/")
    assert response.status_code == 200
    body = response.json()
    assert (
        body["state"]["code"] == "completed" and body["acceptance"]["state"]["code"] == "accepted"
    )
    demand.refresh_from_db()
    assert demand.status == "completed"
    assert {"project.start", "acceptance.curator_sign", "project.complete"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


# -- schema -----------------------------------------------------------------------


PROJECT_PATHS = {
    "/api/v1/projects/": ["get"],
    "/api/v1/projects/{id}/": ["get"],
    "/api/v1/projects/{id}/start/": ["post"],
    "/api/v1/projects/{id}/acceptance/": ["post"],
    "/api/v1/projects/{id}/contract/": ["get", "post"],
    "/api/v1/projects/{id}/contract/confirm/": ["post"],
    "/api/v1/projects/{id}/contract/return/": ["post"],
    "/api/v1/projects/{id}/payments/": ["get", "post"],
    "/api/v1/project-notices/": ["get"],
    "/api/v1/project-notices/{id}/": ["get"],
    "/api/v1/project-notices/{id}/objections/": ["post"],
    "/api/v1/project-objections/{id}/resolve/": ["post"],
    "/api/v1/project-milestones/{id}/report/": ["post"],
    "/api/v1/project-milestones/{id}/accept/": ["post"],
    "/api/v1/project-milestones/{id}/return/": ["post"],
    "/api/v1/project-acceptances/{id}/sign/": ["post"],
    "/api/v1/project-acceptances/{id}/return/": ["post"],
}


def test_schema_documents_every_project_operation(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    validate_schema(schema)
    for path, methods in PROJECT_PATHS.items():
        assert sorted(schema["paths"][path]) == methods, path
        for method in methods:
            responses = schema["paths"][path][method]["responses"]
            if "{id}" in path:
                assert "404" in responses, path
            if method == "post" or path.startswith("/api/v1/projects/"):
                assert "403" in responses, path
    anonymous = schema["paths"]["/api/v1/project-notices/"]["get"]["responses"]
    assert "403" not in anonymous


# -- 技术合同登记 and 到账 --------------------------------------------------------------


def contract_body(project, **changes) -> dict:
    day = project.awarded_on.isoformat()
    body = {
        "contract_type": "development",
        "number": "2026370100000123",
        "registry": "济南市技术市场管理办公室",
        "signed_on": day,
        "registered_on": day,
        "amount": 800_000,
        "technology_amount": 700_000,
    }
    body.update(changes)
    return body


@pytest.fixture
def contract(running, enterprise_member):
    deal = Deal.objects.get(bid_id=running.bid_id)
    return ledger.contract_register(
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


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 201),
        ("winner", 201),
        ("consortium", 404),  # the deal's parties are the owner and the lead
        ("other", 404),
        ("anonymous", 403),
        ("curator", 404),
    ],
)
def test_register_contract(people, running, role, expected):
    client = as_(people, role)
    url = f"/api/v1/projects/{running.pk}/contract/"
    assert client.get(url).status_code == {"other": 404, "anonymous": 403}.get(role, 404)
    response = post(client, url, contract_body(running))
    assert response.status_code == expected
    assert TechContract.objects.exists() == (expected == 201)
    if expected == 201:
        body = response.json()
        assert body["state"]["code"] == "submitted" and body["technology_amount"] == 700_000
        assert body["contract_type"] == {"code": "development", "label": "技术开发"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("winner", 200),
        ("consortium", 200),
        ("other", 404),
        ("anonymous", 403),
        ("curator", 200),
    ],
)
def test_read_contract(people, contract, role, expected):
    response = as_(people, role).get(f"/api/v1/projects/{contract.deal.bid.project.pk}/contract/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["number"] == "2026370100000001"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 404),
        ("winner", 404),
        ("consortium", 404),
        ("other", 404),
        ("anonymous", 403),
        ("curator", 200),
    ],
)
def test_confirm_and_return_contract_only_by_curator(people, contract, role, expected):
    project_id = contract.deal.bid.project.pk
    client = as_(people, role)
    url = f"/api/v1/projects/{project_id}/contract/"
    response = post(client, url + "return/", {"reason": "登记机构填写有误。"})
    assert response.status_code == expected
    contract.refresh_from_db()
    assert (contract.state == ContractState.RETURNED) == (expected == 200)
    if expected == 200:
        assert response.json()["return_reason"] == "登记机构填写有误。"
        # Returned: a party corrects and resubmits, then the curator confirms.
        resubmitted = post(as_(people, "winner"), url, contract_body(contract.deal.bid.project))
        assert resubmitted.status_code == 201
    response = post(client, url + "confirm/")
    assert response.status_code == expected
    contract.refresh_from_db()
    assert (contract.state == ContractState.CONFIRMED) == (expected == 200)
    deal = Deal.objects.get(pk=contract.deal_id)
    assert (deal.status == Deal.Status.SIGNED) == (expected == 200)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": -1}, "amount", None),
        ({"amount": "800000"}, "amount", "应为整数。"),
        ({"amount": "八十万"}, "amount", "应为整数。"),
        ({"technology_amount": 900_000}, "technology_amount", "技术交易额不能大于成交金额。"),
        ({"number": " "}, "number", "请填写合同编号。"),
        ({"contract_type": "gift"}, "contract_type", None),
        ({"signed_on": "2026-13-01"}, "signed_on", None),
    ],
)
def test_contract_refuses_bad_input_and_changes_nothing(people, running, changes, field, message):
    url = f"/api/v1/projects/{running.pk}/contract/"
    response = post(as_(people, "owner"), url, contract_body(running, **changes))
    assert response.status_code == 400 and list(response.json()) == [field]
    if message:
        assert response.json()[field] == [message]
    assert not TechContract.objects.exists()


def test_contract_dates_before_the_award_are_refused(people, running):
    before = (running.awarded_on - datetime.timedelta(days=1)).isoformat()
    url = f"/api/v1/projects/{running.pk}/contract/"
    response = post(as_(people, "owner"), url, contract_body(running, signed_on=before))
    assert response.status_code == 400
    assert response.json()["signed_on"] == [
        f"签订日期不能早于成交（定榜）日期 {running.awarded_on.isoformat()}。"
    ]
    assert not TechContract.objects.exists()


def test_a_second_contract_is_refused(people, contract):
    project = contract.deal.bid.project
    response = post(
        as_(people, "winner"),
        f"/api/v1/projects/{project.pk}/contract/",
        contract_body(project, number="OTHER-2"),
    )
    assert response.status_code == 400
    assert response.json() == {"detail": ["该项目已登记技术合同。"]}
    assert TechContract.objects.get().number == "2026370100000001"


def test_no_contract_yet_is_a_404_saying_so(people, running):
    response = as_(people, "owner").get(f"/api/v1/projects/{running.pk}/contract/")
    assert response.status_code == 404
    assert response.json() == {"detail": "该项目尚未登记技术合同。"}


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("owner", 200, 201),  # the buyer pays
        ("winner", 200, 404),
        ("consortium", 200, 404),
        ("other", 404, 404),
        ("anonymous", 403, 403),
        ("curator", 200, 201),
    ],
)
def test_payments(people, running, role, read, write):
    client = as_(people, role)
    url = f"/api/v1/projects/{running.pk}/payments/"
    response = client.get(url)
    assert response.status_code == read
    if read == 200:
        assert response.json() == {"total": 0, "contract_amount": running.amount, "results": []}
    body = {"amount": 300_000, "received_on": running.awarded_on.isoformat(), "note": "首付款"}
    response = post(client, url, body)
    assert response.status_code == write
    assert DealPayment.objects.exists() == (write == 201)
    if write == 201:
        assert response.json()["total"] == 300_000
        assert response.json()["results"][0]["note"] == "首付款"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": -5}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"amount": 900_000}, "amount"),  # more than the contract amount (800,000)
        ({"received_on": "2020-01-01"}, "received_on"),  # before the award
        ({"received_on": "2099-01-01"}, "received_on"),  # in the future
    ],
)
def test_payment_refuses_bad_input_and_changes_nothing(people, running, changes, field):
    body = {"amount": 100_000, "received_on": running.awarded_on.isoformat()}
    body.update(changes)
    response = post(as_(people, "owner"), f"/api/v1/projects/{running.pk}/payments/", body)
    assert response.status_code == 400 and list(response.json()) == [field]
    assert not DealPayment.objects.exists()


# -- ids and queries ----------------------------------------------------------------


@pytest.mark.parametrize("ident", [10**30, 2**63, 0])
def test_ids_out_of_range_are_a_json_404(people, awarded, ident):
    client = as_(people, "curator")
    for path in [p for p in PROJECT_PATHS if "{id}" in p]:
        url = path.replace("{id}", str(ident))
        response = client.get(url) if "get" in PROJECT_PATHS[path] else post(client, url, {})
        assert response.status_code == 404 and response.json() == {"detail": "未找到。"}, path


def test_list_queries_do_not_grow_with_projects(
    people, submitted_bid, demand, other_researcher, enterprise_member
):
    DemandPage.objects.filter(pk=demand.pk).update(winners_count=2)
    second = bid_submit(user=other_researcher, listing=demand, data=full_input(demand))
    bid_award(user=enterprise_member, bid=submitted_bid)
    client = as_(people, "curator")
    client.get("/api/v1/projects/")  # warm the site root cache
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/projects/").json()["count"] == 1
    bid_award(user=enterprise_member, bid=second)
    with CaptureQueriesContext(connection) as two:
        assert client.get("/api/v1/projects/").json()["count"] == 2
    assert len(two.captured_queries) == len(one.captured_queries)
