"""Issue 2's journey in a real browser: sign up, confirm, register an enterprise, get verified,
draft and submit a demand, have it approved, and find it in the public catalogue."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from marketplace.organisations.models import Organisation

# serialized_rollback: a previous serialized test may have flushed without re-running post_migrate.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CREDIT_CODE = "91370100MA3C5TQ12G"  # check digit valid under GB 32100-2015
TITLE = "新能源汽车电机壳体铝合金压铸气孔控制"


def login(page, email, password):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()


def test_member_publishes_a_demand_that_a_visitor_finds(new_page, curator):
    member = new_page()

    # Sign up and confirm the email from the outbox.
    member.goto("/accounts/signup/")
    member.fill("input[name=email]", "wang.gong@jn-motor.example.com")
    member.fill("input[name=password1]", "Quancheng-2026!")
    member.fill("input[name=password2]", "Quancheng-2026!")
    member.locator("form").filter(has=member.locator("input[name=password2]")).locator(
        "button[type=submit]"
    ).click()
    member.wait_for_load_state()
    assert len(mail.outbox) == 1
    confirm_url = re.search(
        r"https?://[^\s]+/accounts/confirm-email/[^\s]+", mail.outbox[0].body
    ).group(0)
    member.goto(re.sub(r"^https?://[^/]+", "", confirm_url))
    member.locator("main form button[type=submit]").click()
    member.wait_for_url("**/organisations/onboard/")

    # Register the enterprise; it waits for a curator.
    member.get_by_role("link", name="注册单位").click()
    member.select_option("select[name=kind]", "enterprise")
    member.fill("input[name=name]", "济南泉城电驱科技有限公司")
    member.fill("input[name=credit_code]", CREDIT_CODE.lower())
    member.select_option("select[name=district]", "370112")
    member.fill("input[name=contact_name]", "王工")
    member.fill("input[name=contact_phone]", "0531-86661234")
    member.locator("main form button[type=submit]").last.click()
    member.wait_for_load_state()
    organisation = Organisation.objects.get(credit_code=CREDIT_CODE)
    assert organisation.verification == Organisation.Verification.PENDING

    # A curator verifies it in the Wagtail admin.
    desk = new_page()
    login(desk, curator.email, "jiebang-test-pw")
    desk.goto("/admin/organisations/")
    assert desk.get_by_text("济南泉城电驱科技有限公司").count() >= 1
    desk.goto(f"/admin/organisations/verify/{organisation.pk}/")
    desk.get_by_role("button", name="确认认证").click()
    desk.wait_for_load_state()
    organisation.refresh_from_db()
    assert organisation.is_verified

    # The member drafts a demand in the workspace and submits it.
    member.goto("/workspace/")
    member.get_by_role("link", name="发布技术需求").click()
    member.fill("input[name=title]", TITLE)
    member.fill("input[name=keywords]", "铝合金压铸,气孔,电机壳体")
    member.fill(
        "textarea[name=problem]",
        "电机壳体采用ADC12铝合金高压压铸，X光检测气孔超标率约8%，需将气孔率降到2%以下并通过气密性试验。",
    )
    member.fill("input[name=indicators-0-name]", "气孔超标率")
    member.fill("input[name=indicators-0-target_value]", "≤2")
    member.fill("input[name=indicators-0-unit]", "%")
    member.get_by_role("button", name="保存草稿").click()
    member.wait_for_url("**/workspace/**")
    member.goto("/workspace/")
    member.get_by_role("button", name="提交审核").click()
    member.wait_for_load_state()
    assert member.get_by_text("审核中").count() >= 1

    # The curator approves it through Wagtail's moderation workflow.
    from cms.models import DemandPage

    demand = DemandPage.objects.get(title=TITLE)
    assert demand.status == "in_review" and not demand.live
    desk.goto(f"/admin/pages/{demand.pk}/edit/")
    desk.locator("footer [data-w-dropdown-target='toggle']").first.click()
    desk.locator(
        "footer button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])"
    ).click()
    desk.wait_for_load_state()
    demand.refresh_from_db()
    assert demand.live and demand.status == "open"

    # A visitor finds it on /demands/ and opens it.
    visitor = new_page()
    visitor.goto("/demands/")
    visitor.get_by_role("link", name=TITLE).click()
    visitor.wait_for_url(f"**{demand.url}")  # the click only starts the navigation
    assert visitor.get_by_role("heading", name=re.compile(TITLE)).count() == 1
    assert visitor.get_by_text("气孔超标率").count() >= 1
