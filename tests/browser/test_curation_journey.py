"""Issue 5's journey in a real browser: a curator imports a demand workbook, recommends an
engine-proposed match, both sides answer, the curator records the deal, and the dashboard's
funnel shows it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.test import Client

from cms.models import DemandPage
from marketplace.matches.models import Match
from tests.curation.workbooks import build, demand_row
from tests.factories import TechnologyPageFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DEAL_YUAN = 860_000


def signed_in(new_page, live_server, user):
    client = Client()
    client.force_login(user)
    page = new_page()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_curator_brokers_a_match_from_import_to_deal(
    new_page,
    live_server,
    tmp_path,
    curator,
    enterprise,
    enterprise_member,
    university,
    research_member,
):
    technology = TechnologyPageFactory(
        organisation=university,
        title="薄壁件激光焊接变形控制与在线监测技术",
        keywords="激光焊接,变形控制,高温合金,在线监测",
        summary="面向高温合金薄壁件，通过焊接路径规划、随形夹具和熔池在线监测控制激光焊接变形。",
    )
    row = demand_row(1) | {
        "需求单位": enterprise.name,
        "统一社会信用代码": enterprise.credit_code,
        "揭榜截止日期": dt.date.today() + dt.timedelta(days=60),
        "攻关完成时限": (dt.date.today() + dt.timedelta(days=400)).isoformat(),
    }
    workbook = tmp_path / "需求目录.xlsx"
    workbook.write_bytes(build("demand", [row]).getvalue())

    desk = signed_in(new_page, live_server, curator)
    desk.goto("/admin/curation/catalogue/")
    desk.select_option("select[name=kind]", "demand")
    desk.set_input_files("input[name=file]", str(workbook))
    desk.get_by_role("button", name="上传并校验").click()
    desk.wait_for_load_state()
    desk.get_by_role("button", name="确认导入").click()  # step 2: import the checked file
    desk.wait_for_load_state()
    demand = DemandPage.objects.get(external_ref=row["外部编号"])
    assert demand.live and demand.status == "open"

    # The nightly engine run proposes the pair; the curator recommends it from the queue.
    call_command("propose_matches")
    match = Match.objects.get(demand=demand, technology=technology)
    desk.goto("/admin/matches/")
    desk.locator(f"a[href$='/admin/matches/{match.pk}/']").first.click()
    desk.fill("textarea[name=note_demand]", "该成果与贵司焊接变形问题高度相关，建议对接。")
    desk.fill("textarea[name=note_technology]", "该企业需求与贵团队成果契合。")
    desk.get_by_role("button", name="推荐", exact=True).click()
    desk.wait_for_load_state()
    match.refresh_from_db()
    assert match.state == "recommended"

    for user in (enterprise_member, research_member):
        side = signed_in(new_page, live_server, user)
        side.goto("/matches/")
        side.locator(f"a[href$='/matches/{match.pk}/']").first.click()
        side.get_by_label("有意向", exact=True).check()
        side.get_by_role("button", name="提交答复").click()
        side.wait_for_load_state()
    match.refresh_from_db()
    assert (match.demand_answer, match.technology_answer) == ("interested", "interested")

    desk.goto(f"/admin/matches/{match.pk}/")
    desk.fill("input[name=amount]", str(DEAL_YUAN))
    desk.fill("input[name=signed_on]", dt.date.today().isoformat())
    desk.get_by_role("button", name="登记成交").click()
    desk.wait_for_load_state()

    desk.goto("/admin/curation/dashboard/bids/")
    funnel = re.sub(r"[\s,]", "", desk.locator("[data-table=funnel_matches]").inner_text())
    # Every stage holds our one match (the funnel counts; the money is the ledger's).
    assert "成交1100.0%" in funnel
    desk.goto("/admin/curation/dashboard/ledger/")
    summary = re.sub(r"[\s,]", "", desk.locator("[data-table=ledger_summary]").inner_text())
    # The ledger's row of the match deal: one deal of 86 万元, nothing received yet.
    assert "对接推荐1860" in summary
