"""Issue 12.11 in a real browser: a curator signs in, the admin home shows the to-do with each
item's age and due date, the curator follows an overdue verification's link, verifies the
organisation, and the item has left the to-do; its members were notified (12.16)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from marketplace.notifications.models import Notification
from marketplace.organisations.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def login(page, email, password):
    page.goto("/accounts/login/?next=/admin/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_url("**/admin/")


def _pending(name: str, days: int) -> Organisation:
    organisation = OrganisationFactory(name=name, verification=Organisation.Verification.PENDING)
    Organisation.objects.filter(pk=organisation.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days, hours=2)
    )
    return organisation


def test_curator_works_the_todo_from_the_admin_home(new_page, curator):
    late = _pending("济南久等认证精密机械有限公司", days=9)
    fresh = _pending("济南新近注册材料有限公司", days=1)
    owner = MembershipFactory(organisation=late, user=UserFactory(email="boss@jn-jm.example.com"))

    desk = new_page()
    login(desk, curator.email, "jiebang-test-pw")

    todo = desk.locator("[data-curator-todo]")
    todo.wait_for()
    assert "待办事项" in todo.inner_text()
    late_row = todo.locator("tr[data-todo-item]", has_text=late.name)
    fresh_row = todo.locator("tr[data-todo-item]", has_text=fresh.name)
    assert late_row.locator("[data-age]").inner_text().strip() == "9 天前"
    assert fresh_row.locator("[data-age]").inner_text().strip() == "1 天前"
    assert "已逾期 4 天" in late_row.locator("[data-due]").inner_text()
    assert late_row.get_attribute("data-overdue") is not None
    assert fresh_row.get_attribute("data-overdue") is None
    # Overdue first.
    names = todo.locator("tr[data-todo-item] [data-todo-link]").all_inner_texts()
    assert names.index(late.name) < names.index(fresh.name)

    late_row.locator("[data-todo-link]").click()
    desk.wait_for_load_state()
    assert late.name in desk.locator("h1").inner_text()
    desk.fill("textarea[name=note]", "营业执照与信用代码核对一致。")
    desk.get_by_role("button", name="确认认证").click()
    desk.wait_for_load_state()
    assert "已认证" in desk.content()

    desk.goto("/admin/")
    todo = desk.locator("[data-curator-todo]")
    todo.wait_for()
    assert late.name not in todo.inner_text()
    assert fresh.name in todo.inner_text()
    late.refresh_from_db()
    assert late.is_verified
    notice = Notification.objects.get(recipient=owner.user, verb="organisation_verified")
    assert notice.target_url == "/workspace/"
