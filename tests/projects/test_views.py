"""Every project page and action for every role, checked on the server, and bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace.projects import services
from marketplace.projects.models import MilestoneState, Objection, ProjectState
from tests.bidding.conftest import pdf

from .conftest import ROLES, after_notice

pytestmark = pytest.mark.django_db


def _client(client, people, role):
    if people[role] is not None:
        client.force_login(people[role])
    return client


def _status(response) -> int:
    # A redirect to the login page is how anonymous visitors are refused.
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return 401
    return response.status_code


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("winner", 200),
        ("consortium", 200),
        ("other", 404),
        ("anonymous", 401),
        ("curator", 200),
    ],
)
def test_detail(client, people, awarded, role, expected):
    response = _client(client, people, role).get(
        reverse("projects:detail", kwargs={"pk": awarded.pk})
    )
    assert _status(response) == expected
    if expected == 200:
        assert awarded.title in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_own_projects(client, people, awarded, role):
    response = _client(client, people, role).get(reverse("projects:list"))
    if role == "anonymous":
        assert _status(response) == 401
        return
    assert (awarded.title in response.content.decode()) == (role != "other")


@pytest.mark.parametrize("role", ROLES)
def test_public_notice_list_and_detail(client, people, awarded, role):
    c = _client(client, people, role)
    assert awarded.title in c.get(reverse("projects_public:notices")).content.decode()
    page = c.get(reverse("projects_public:notice_detail", kwargs={"pk": awarded.pk}))
    assert page.status_code == 200
    # Curators resolve objections; they file none (no organisation of their own).
    assert ("提交异议" in page.content.decode()) == (role not in ("anonymous", "curator"))


def test_listing_page_shows_the_award_notice(client, awarded, demand):
    html = client.get(demand.url).content.decode()
    assert "揭榜结果" in html and awarded.lead.name in html
    assert reverse("projects_public:notice_detail", kwargs={"pk": awarded.pk}) in html


@pytest.mark.parametrize("role", ROLES)
def test_objection(client, people, awarded, role):
    url = reverse("projects_public:notice_detail", kwargs={"pk": awarded.pk})
    response = _client(client, people, role).post(url, {"reason": "资质存疑。"})
    if role == "anonymous":
        assert _status(response) == 401
        assert not Objection.objects.exists()
    elif role == "curator":
        assert response.status_code == 400
        assert "加入已登记单位后可提出异议。" in response.content.decode()
        assert not Objection.objects.exists()
    else:
        assert response.status_code == 302
        assert Objection.objects.get().user == people[role]


def test_objection_without_reason_is_refused_in_chinese(client, people, awarded):
    url = reverse("projects_public:notice_detail", kwargs={"pk": awarded.pk})
    response = _client(client, people, "other").post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "请填写异议理由。" in response.content.decode()
    assert not Objection.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_resolve_objection_only_by_curator(client, people, awarded, role):
    objection = services.objection_file(user=people["other"], project=awarded, reason="存疑。")
    url = reverse("projects:objection_resolve", kwargs={"pk": objection.pk})
    response = _client(client, people, role).post(
        url, {"decision": "dismissed", "resolution": "经核查无问题。"}
    )
    objection.refresh_from_db()
    assert (objection.state == "dismissed") == (role == "curator")
    if role in ("other", "owner", "winner", "consortium"):
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_start(client, people, awarded, role, monkeypatch):
    monkeypatch.setattr(services, "_today", lambda: after_notice(awarded))
    url = reverse("projects:start", kwargs={"pk": awarded.pk})
    _client(client, people, role).post(url)
    awarded.refresh_from_db()
    assert (awarded.state == ProjectState.IN_PROGRESS) == (role in ("owner", "curator"))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 404),
        ("winner", 200),
        ("consortium", 200),
        ("other", 404),
        ("anonymous", 401),
        ("curator", 404),
    ],
)
def test_report_form(client, people, running, role, expected):
    milestone = running.milestones.first()
    url = reverse("projects:milestone_report", kwargs={"pk": milestone.pk})
    c = _client(client, people, role)
    assert _status(c.get(url)) == expected
    c.post(url, {"text": "完成小试。", "file": pdf()})
    milestone.refresh_from_db()
    assert (milestone.state == MilestoneState.REPORTED) == (expected == 200)


def test_report_with_negative_value_is_refused(client, people, running, demand):
    milestone = running.milestones.first()
    indicator = demand.indicators.first()
    url = reverse("projects:milestone_report", kwargs={"pk": milestone.pk})
    response = _client(client, people, "winner").post(
        url, {"text": "完成。", f"value_{indicator.pk}": "-3"}
    )
    assert response.status_code == 400
    assert "数值不能为负数。" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.PENDING


@pytest.fixture
def reported(running, research_member):
    milestone = running.milestones.first()
    services.milestone_report(user=research_member, milestone=milestone, text="完成。", file=pdf())
    return milestone


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("winner", 200),
        ("consortium", 200),
        ("other", 404),
        ("anonymous", 401),
        ("curator", 200),
    ],
)
def test_report_file(client, people, reported, role, expected):
    report = reported.reports.get()
    response = _client(client, people, role).get(
        reverse("projects:report_file", kwargs={"pk": report.pk})
    )
    assert _status(response) == expected


@pytest.mark.parametrize("role", ROLES)
def test_accept_and_return_milestone_only_by_owner(client, people, reported, role):
    c = _client(client, people, role)
    c.post(reverse("projects:milestone_return", kwargs={"pk": reported.pk}), {"reason": ""})
    reported.refresh_from_db()
    assert reported.state == MilestoneState.REPORTED  # no reason: refused for everyone
    c.post(reverse("projects:milestone_accept", kwargs={"pk": reported.pk}))
    reported.refresh_from_db()
    assert (reported.state == MilestoneState.ACCEPTED) == (role == "owner")


def test_return_without_reason_shows_a_chinese_error(client, people, reported):
    url = reverse("projects:milestone_return", kwargs={"pk": reported.pk})
    response = _client(client, people, "owner").post(url, {"reason": " "}, follow=True)
    assert "请填写退回原因。" in response.content.decode()


@pytest.fixture
def all_accepted(running, research_member, enterprise_member):
    for milestone in running.milestones.all():
        services.milestone_report(user=research_member, milestone=milestone, text="完成。")
        services.milestone_accept(user=enterprise_member, milestone=milestone)
    return running


def _acceptance_post(demand, measured="0.1"):
    data = {"summary": "指标经第三方检测。"}
    for indicator in demand.indicators.all():
        data[f"measured_{indicator.pk}"] = measured
        data[f"method_{indicator.pk}"] = "第三方检测"
        data[f"met_{indicator.pk}"] = "on"
    return data


def test_acceptance_before_all_milestones_is_refused(client, people, running, demand):
    url = reverse("projects:acceptance_request", kwargs={"pk": running.pk})
    response = _client(client, people, "owner").post(url, _acceptance_post(demand))
    assert response.status_code == 400
    assert "所有里程碑确认后才能申请验收。" in response.content.decode()
    assert not running.acceptances.exists()


@pytest.mark.parametrize("role", ROLES)
def test_acceptance_request_only_by_owner(client, people, all_accepted, demand, role):
    url = reverse("projects:acceptance_request", kwargs={"pk": all_accepted.pk})
    c = _client(client, people, role)
    get_status = _status(c.get(url))
    c.post(url, _acceptance_post(demand))
    assert all_accepted.acceptances.exists() == (role == "owner")
    assert get_status == {"owner": 200, "anonymous": 401}.get(role, 404)


def test_acceptance_with_non_numeric_value_is_refused(client, people, all_accepted, demand):
    url = reverse("projects:acceptance_request", kwargs={"pk": all_accepted.pk})
    response = _client(client, people, "owner").post(url, _acceptance_post(demand, "约0.1"))
    assert response.status_code == 400
    assert "请输入数值（如 0.15）。" in response.content.decode()
    assert not all_accepted.acceptances.exists()


@pytest.mark.parametrize("role", ROLES)
def test_sign_and_return_acceptance(client, people, all_accepted, demand, role):
    acceptance = services.acceptance_request(
        user=people["owner"],
        project=all_accepted,
        summary="验收。",
        results={
            i.pk: services.IndicatorResult("0.1", "检测", True) for i in demand.indicators.all()
        },
    )
    c = _client(client, people, role)
    c.post(reverse("projects:acceptance_sign", kwargs={"pk": acceptance.pk}))
    acceptance.refresh_from_db()
    # The owner signs first; a curator's signature waits for the owner's.
    assert (acceptance.state == "owner_signed") == (role == "owner")
    c.post(
        reverse("projects:acceptance_return", kwargs={"pk": acceptance.pk}), {"reason": "不全。"}
    )
    acceptance.refresh_from_db()
    assert (acceptance.state == "returned") == (role in ("owner", "curator"))


def test_full_path_through_the_pages(client, people, all_accepted, demand):
    acceptance_url = reverse("projects:acceptance_request", kwargs={"pk": all_accepted.pk})
    _client(client, people, "owner").post(acceptance_url, _acceptance_post(demand))
    acceptance = all_accepted.acceptances.get()
    client.post(reverse("projects:acceptance_sign", kwargs={"pk": acceptance.pk}))
    client.logout()
    _client(client, people, "curator").post(
        reverse("projects:acceptance_sign", kwargs={"pk": acceptance.pk})
    )
    all_accepted.refresh_from_db()
    demand.refresh_from_db()
    assert all_accepted.state == ProjectState.COMPLETED and demand.status == "completed"
    html = client.get(reverse("projects:detail", kwargs={"pk": all_accepted.pk})).content.decode()
    assert "验收通过" in html


def test_admin_lists_projects_for_curators(client, people, awarded):
    c = _client(client, people, "curator")
    response = c.get("/admin/project_admin/")
    assert response.status_code == 200
    assert awarded.title in response.content.decode()
    assert c.get(f"/admin/project_admin/inspect/{awarded.pk}/").status_code == 200
    assert c.get(f"/admin/project_admin/edit/{awarded.pk}/").status_code == 404


def test_workspace_links_to_projects(client, people, awarded):
    html = _client(client, people, "winner").get(reverse("workspace:dashboard")).content.decode()
    assert reverse("projects:list") in html


def test_values_show_as_typed(client, people, running, research_member, demand):
    milestone = running.milestones.first()
    services.milestone_report(
        user=research_member,
        milestone=milestone,
        text="完成。",
        values={demand.indicators.first().pk: "0.18"},
    )
    html = (
        _client(client, people, "owner")
        .get(reverse("projects:detail", kwargs={"pk": running.pk}))
        .content.decode()
    )
    assert "0.18 mm" in html and "0.1800" not in html
