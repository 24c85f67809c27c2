# ruff: noqa: F811  (fixtures imported so pytest finds them here)
"""The curator's to-do on the Wagtail admin home (issue 12.11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.organisations.models import Organisation
from marketplace.organisations.services import organisation_verify
from marketplace.projects.models import ObjectionState
from search.models import IndexFailure
from tests.factories import OrganisationFactory
from tests.projects.conftest import (  # noqa: F401  (fixtures)
    awarded,
    consortium_member,
    demand,
    other_researcher,
    other_university,
    submitted_bid,
    technology,
)

pytestmark = pytest.mark.django_db


def _pending_org(name: str, days_ago: int) -> Organisation:
    organisation = OrganisationFactory(name=name, verification=Organisation.Verification.PENDING)
    Organisation.objects.filter(pk=organisation.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago, hours=1)
    )
    return organisation


def _todo_rows(html: str) -> str:
    start = html.index("data-curator-todo")
    return html[start : html.index("</section>", start)]


def test_admin_home_lists_pending_verifications_with_age_due_date_and_link(client, curator):
    late = _pending_org("逾期待认证科技有限公司", days_ago=8)
    fresh = _pending_org("新注册待认证科技有限公司", days_ago=1)
    client.force_login(curator)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    panel = _todo_rows(html)
    assert "待办事项" in panel
    assert reverse("organisation_review:verify", args=[late.pk]) in panel
    assert reverse("organisation_review:verify", args=[fresh.pk]) in panel
    assert "8 天前" in panel and "1 天前" in panel
    due = timezone.localtime(
        Organisation.objects.get(pk=fresh.pk).created_at + dt.timedelta(days=5)
    )
    assert f"{due:%Y-%m-%d %H:%M}" in panel
    # Overdue first and highlighted; the on-time one is not.
    assert panel.index(late.name) < panel.index(fresh.name)
    late_row = panel[panel.rindex("<tr", 0, panel.index(late.name)) : panel.index(late.name)]
    fresh_row = panel[panel.rindex("<tr", 0, panel.index(fresh.name)) : panel.index(fresh.name)]
    assert "data-overdue" in late_row and "data-overdue" not in fresh_row
    assert "已逾期 3 天" in panel


def test_verified_organisation_leaves_the_todo(client, curator):
    organisation = _pending_org("待认证装备有限公司", days_ago=2)
    client.force_login(curator)
    assert organisation.name in _todo_rows(
        client.get(reverse("wagtailadmin_home")).content.decode()
    )

    organisation_verify(organisation=organisation, curator=curator)

    assert organisation.name not in _todo_rows(
        client.get(reverse("wagtailadmin_home")).content.decode()
    )


def test_todo_shows_open_objections_and_index_failures(client, curator, awarded):
    project = awarded
    project.objections.create(reason="中榜单位资质存疑", state=ObjectionState.OPEN)
    failure = IndexFailure.objects.create(
        kind=IndexFailure.Kind.DEMAND, page_ids=[1, 2], attempts=5, task_name="sync", error="x"
    )
    client.force_login(curator)

    panel = _todo_rows(client.get(reverse("wagtailadmin_home")).content.decode())

    assert project.title in panel
    due = dt.datetime.combine(project.notice_ends_on + dt.timedelta(days=1), dt.time.min)
    assert f"{due:%Y-%m-%d %H:%M}" in panel
    assert reverse("projects:detail", kwargs={"pk": project.pk}) in panel
    assert reverse("index_failures:inspect", args=[failure.pk]) in panel
    assert "尽快处理" in panel


def test_members_and_non_curators_see_no_todo(client, django_user_model):
    from django.contrib.auth.models import Permission

    _pending_org("某待认证单位", days_ago=2)
    editor = django_user_model.objects.create_user(email="editor@example.com", password="x")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "data-curator-todo" not in html
    assert "某待认证单位" not in html


def test_overdue_table_links_each_row_to_its_item_and_shows_age(client, curator):
    from wagtail.models import WorkflowState

    from tests.factories import DemandPageFactory

    late = DemandPageFactory(status="in_review", live=False, title="待审核的老需求")
    late.get_workflow().start(late, curator)
    WorkflowState.objects.filter(object_id=str(late.pk)).update(
        created_at=timezone.now() - dt.timedelta(days=5, hours=1)
    )
    client.force_login(curator)

    html = client.get(reverse("curation:dashboard_page", args=["overdue"])).content.decode()

    table = html[html.index('data-table="overdue_reviews"') :]
    table = table[: table.index("</section>")]
    assert f'<a href="/admin/pages/{late.pk}/edit/" data-row-link>待审核的老需求</a>' in table
    assert "等待时长" in table and "5 天前" in table
    # The home to-do lists the same review, overdue, with the same link.
    panel = _todo_rows(client.get(reverse("wagtailadmin_home")).content.decode())
    assert f"/admin/pages/{late.pk}/edit/" in panel and "已逾期 2 天" in panel


def test_overdue_milestone_row_links_to_the_project_page(client, curator, awarded):
    from marketplace.projects.services import project_start
    from tests.projects.conftest import after_notice

    project = project_start(project=awarded, today=after_notice(awarded))
    milestone = project.milestones.first()
    if milestone is None:
        pytest.skip("the awarded bid carries no milestone")
    type(milestone).objects.filter(pk=milestone.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=3)
    )
    client.force_login(curator)

    html = client.get(reverse("curation:dashboard_page", args=["overdue"])).content.decode()

    table = html[html.index('data-table="overdue_milestones"') :]
    table = table[: table.index("</section>")]
    url = reverse("projects:detail", kwargs={"pk": project.pk})
    assert f'<a href="{url}" data-row-link>{project.title}</a>' in table
