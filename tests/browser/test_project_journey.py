"""Issue 10's journey in a real browser: award → 揭榜结果公示 → start → milestones →
技术合同登记 and 到账 → 验收 → completed, for a demand and for a technology, each role
clicking through the real pages.

The bids are submitted through the service in setup (the bid form has its own journeys);
everything from the award on is clicked. One step is not a click: the notice period of
five working days is made to have ended by moving the project's award and notice dates
back in the database (``end_notice_period``, labelled as test setup).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cms.lifecycle import DemandStatus
from cms.taxonomy import CooperationMode
from marketplace.bidding.models import Deal
from marketplace.bidding.services import BidInput, MilestoneInput, bid_submit
from marketplace.projects.models import Project
from marketplace.projects.services import SHANGHAI, notice_working_days, working_days_after
from tests.bidding.conftest import PDF_BYTES
from tests.factories import DemandIndicatorFactory, DemandPageFactory, TechnologyPageFactory

# serialized_rollback: a previous serialized test may have flushed without re-running post_migrate.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "jiebang-test-pw"
DEMAND_TITLE = "高温合金薄壁机匣激光焊接变形控制"
TECHNOLOGY_TITLE = "风电主轴承滚道感应淬火在线检测技术"
RETURN_REASON = "缺少第三方检测报告，请补充后重新报告。"


def login(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()


def click(page, role: str, name: str, scope=None) -> None:
    """Click a button or link and wait for the page it leads to."""
    (scope or page).get_by_role(role, name=name).first.click()
    page.wait_for_load_state()


def message(page) -> str:
    return page.locator("ul.messages").inner_text()


def badge(page) -> str:
    return page.locator("h1 .badge").inner_text()


def open_project(page, title: str, *, member: bool = True) -> None:
    """A member: 工作台 → 攻关项目 → the project; a curator (no workspace): the project list."""
    if member:
        page.goto("/workspace/")
        click(page, "link", "攻关项目", page.locator("main"))
    else:
        page.goto("/workspace/projects/")
    click(page, "link", title)
    page.wait_for_url(re.compile(r"/workspace/projects/\d+/$"))


def end_notice_period(project: Project) -> None:
    """TEST SETUP, not a user step: the award was made 10 days ago, so its 公示 has ended."""
    awarded = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=10)
    Project.objects.filter(pk=project.pk).update(
        awarded_on=awarded, notice_ends_on=working_days_after(awarded, notice_working_days())
    )
    Deal.objects.filter(pk=project.bid.deal.pk).update(awarded_on=awarded)


def award(owner_page, kind: str, listing, winner_name: str) -> None:
    """The owner awards the bid: received bids → the bid → 定榜 → confirm."""
    owner_page.goto(f"/bids/received/{kind}/{listing.pk}/")
    click(owner_page, "link", winner_name, owner_page.locator("main table"))
    click(owner_page, "link", "定榜（中榜）…")
    assert "公示 5 个工作日" in owner_page.locator(".confirm-consequences").inner_text()
    click(owner_page, "button", "确认定榜（不可撤销）")
    assert f"已定榜：{winner_name} 中榜" in message(owner_page)


def days_ago(n: int) -> str:
    return (dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=n)).isoformat()


def register_contract(
    party, curator, title: str, number: str, amount: int, contract_type: str, **bad
) -> None:
    """技术合同登记: a party registers the contract, a curator confirms it on the project page."""
    fields = {
        "number": number,
        "registry": "济南市技术合同登记站",
        "signed_on": days_ago(5),
        "registered_on": days_ago(2),
        "amount": str(amount),
        "technology_amount": str(amount * 9 // 10),
    }

    def submit(values):
        section = party.locator("#contract")
        section.locator("select[name=contract_type]").select_option(label=contract_type)
        for name, value in values.items():
            section.locator(f"[name={name}]").fill(value)
        click(party, "button", "登记合同", section)

    if bad:
        # A mistake first: the error is shown and nothing is registered.
        submit(fields | bad)
        assert "技术交易额不能大于成交金额。" in party.locator("main").inner_text()
        assert "待确认" not in party.locator("#contract").inner_text()
    submit(fields)
    assert "技术合同已登记，等待管理部门确认。" in message(party)
    assert "待确认" in party.locator("#contract").inner_text()
    assert party.get_by_role("button", name="确认登记").count() == 0  # the curator's step
    open_project(curator, title, member=False)
    click(curator, "button", "确认登记", curator.locator("#contract"))
    assert "技术合同登记已确认。" in message(curator)
    contract = curator.locator("#contract").inner_text()
    assert "已确认" in contract and number in contract and "已签约" in contract
    assert contract_type in contract


def record_payment(payer, amount: int, note: str) -> None:
    """到账: the buyer records a payment received; the list and total show it in 万元."""
    section = payer.locator("#payments")
    assert "尚无到账记录。" in section.inner_text()
    section.locator("[name=amount]").fill(str(amount))
    section.locator("[name=received_on]").fill(days_ago(1))
    section.locator("[name=note]").fill(note)
    click(payer, "button", "登记到账", section)
    assert "到账已登记。" in message(payer)
    table = payer.locator("#payments table").inner_text()
    assert note in table and f"{amount // 10_000}万元" in table


def sign_off(owner, curator, title: str) -> None:
    """验收: the owner signs, then the curator, who completes the project."""
    click(owner, "button", "签字通过")
    assert "已签字。" in message(owner)
    assert "需求方签字" in owner.locator("#acceptance").inner_text()
    assert owner.get_by_role("button", name="签字通过").count() == 0
    open_project(curator, title, member=False)
    assert badge(curator) == "验收中"
    click(curator, "button", "签字通过")
    assert "已签字。" in message(curator)
    assert badge(curator) == "已完成"
    assert "验收通过" in curator.locator("#acceptance").inner_text()
    assert "管理部门签字" in curator.locator("#acceptance").inner_text()


@pytest.fixture
def demand(enterprise):
    page = DemandPageFactory(
        organisation=enterprise,
        title=DEMAND_TITLE,
        sealed_bids=False,
        delivery_deadline=dt.date.today() + dt.timedelta(days=365),
    )
    DemandIndicatorFactory(
        page=page, name="焊后变形量", target_value="≤0.2", unit="mm", verification="三坐标测量"
    )
    DemandIndicatorFactory(page=page, name="焊缝强度系数", target_value="≥0.9", unit="")
    return page


def test_demand_from_award_to_completion(
    new_page, demand, enterprise_member, research_member, university, outsider, curator
):
    bid = bid_submit(
        user=research_member,
        listing=demand,
        data=BidInput(
            fields={
                "background": "山东测试大学焊接团队。",
                "technical_approach": "双光束激光焊接结合随焊冷却。",
                "price": 800_000,
                "declares_no_related_party": True,
            },
            responses={i.pk: ("0.15", "第三方检测") for i in demand.indicators.all()},
            milestones=[
                MilestoneInput(dt.date.today() + dt.timedelta(days=90), "工艺方案与小试报告")
            ],
        ),
    )
    deformation, strength = demand.indicators.order_by("pk")

    # 定榜: the owner awards the bid; a project opens under public notice.
    owner = new_page()
    login(owner, enterprise_member.email)
    award(owner, "demand", demand, university.name)
    project = Project.objects.get(bid=bid)
    open_project(owner, DEMAND_TITLE)
    assert badge(owner) == "公示中"
    ends = project.notice_ends_on.isoformat()
    assert f"公示期至 {ends} 结束，结束后方可启动。" in owner.locator("main").inner_text()
    assert owner.get_by_role("button", name="启动项目").count() == 0

    # 揭榜结果公示: a visitor sees the award on the demand's page and the public list.
    visitor = new_page()
    visitor.goto(demand.url)
    notice = visitor.locator(".award-notice")
    assert university.name in notice.inner_text()
    click(visitor, "link", f"公示中，至 {ends}", notice)
    assert DEMAND_TITLE in visitor.locator("main").inner_text()
    assert "登录后可提出异议。" in visitor.locator("#objection").inner_text()

    # Another member objects during the notice period.
    objector = new_page()
    login(objector, outsider.email)
    objector.goto(f"/projects/notices/{project.pk}/")
    objector.fill("textarea[name=reason]", "中榜单位与需求方存在关联关系，请核实。")
    click(objector, "button", "提交异议")
    assert "异议已提交，管理部门将处理并反馈。" in message(objector)

    end_notice_period(project)  # TEST SETUP (see the function)

    # The notice has ended, but the open objection holds the start.
    owner.reload()
    assert "有待处理的异议，管理部门处理后方可启动。" in owner.locator("main").inner_text()
    assert owner.get_by_role("button", name="启动项目").count() == 0

    # A curator dismisses the objection with a reason.
    desk = new_page()
    login(desk, curator.email)
    open_project(desk, DEMAND_TITLE, member=False)
    objections = desk.locator("#objections")
    objections.locator("select[name=decision]").select_option("dismissed")
    objections.locator("textarea[name=resolution]").fill("经核实，双方无关联关系，异议不成立。")
    click(desk, "button", "处理异议", objections)
    assert "异议已处理。" in message(desk)
    assert "异议不成立" in desk.locator("#objections").inner_text()

    # The owner starts the project; the demand is in progress.
    owner.reload()
    assert "公示期已结束，无待处理异议，可以启动项目。" in owner.locator("main").inner_text()
    click(owner, "button", "启动项目")
    assert "项目已启动。" in message(owner)
    assert badge(owner) == "攻关中"
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS

    # The winner reports the milestone, with indicator values and a file.
    winner = new_page()
    login(winner, research_member.email)
    open_project(winner, DEMAND_TITLE)
    assert badge(winner) == "攻关中"
    click(winner, "link", "报告进展")
    winner.fill("textarea[name=text]", "完成小试，变形量0.16mm，强度系数0.93。")
    winner.fill(f"input[name=value_{deformation.pk}]", "0.16")
    winner.fill(f"input[name=value_{strength.pk}]", "0.93")
    winner.set_input_files(
        "input[name=file]",
        files=[{"name": "小试报告.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}],
    )
    click(winner, "button", "提交进展")
    assert "进展已报告，等待需求方确认。" in message(winner)
    milestones = winner.locator("#milestones")
    assert "待确认" in milestones.inner_text() and "小试报告.pdf" in milestones.inner_text()

    # The owner returns it with a reason; the winner reads it and reports again.
    owner.reload()
    milestones = owner.locator("#milestones")
    assert "焊后变形量：0.16 mm" in milestones.inner_text()
    milestones.locator("textarea[name=reason]").fill(RETURN_REASON)
    click(owner, "button", "退回", milestones)
    assert "里程碑已退回。" in message(owner)
    winner.reload()
    assert "已退回" in winner.locator("#milestones").inner_text()
    assert RETURN_REASON in winner.locator("#milestones").inner_text()
    click(winner, "link", "报告进展")
    winner.fill("textarea[name=text]", "补充第三方检测报告：变形量0.15mm。")
    winner.fill(f"input[name=value_{deformation.pk}]", "0.15")
    click(winner, "button", "提交进展")
    assert "进展已报告，等待需求方确认。" in message(winner)

    # The owner accepts the milestone.
    owner.reload()
    assert owner.get_by_role("link", name="申请验收").count() == 0
    click(owner, "button", "确认", owner.locator("#milestones"))
    assert "里程碑已确认。" in message(owner)
    assert "已确认" in owner.locator("#milestones").inner_text()

    # 技术合同登记: the winner (the seller) registers, after one mistake; a curator confirms.
    winner.reload()
    register_contract(
        winner,
        desk,
        DEMAND_TITLE,
        "2026370100000871",
        800_000,
        "技术开发",
        technology_amount="900000",
    )
    # 到账: the owner (the buyer) records the first payment.
    owner.reload()
    record_payment(owner, 320_000, "首付款")

    # The owner requests 验收 with measured values.
    click(owner, "link", "申请验收")
    owner.fill("textarea[name=summary]", "小试、中试均已完成，指标经第三方检测。")
    owner.fill(f"input[name=measured_{deformation.pk}]", "0.15")
    assert owner.input_value(f"input[name=method_{deformation.pk}]") == "三坐标测量"
    owner.fill(f"input[name=measured_{strength.pk}]", "0.93")
    owner.fill(f"input[name=method_{strength.pk}]", "拉伸试验")
    click(owner, "button", "提交验收申请")
    assert "已申请验收，等待签字。" in message(owner)
    assert badge(owner) == "验收中"
    assert "待签字" in owner.locator("#acceptance").inner_text()
    results = owner.locator("#acceptance table").inner_text()
    assert "焊后变形量" in results and "达标" in results and "未达标" not in results

    # Owner and curator sign: the project and the demand are completed.
    sign_off(owner, desk, DEMAND_TITLE)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.COMPLETED
    winner.reload()
    assert badge(winner) == "已完成"
    visitor.goto(demand.url)
    assert "已完成" in visitor.locator(".award-notice").inner_text()


def test_technology_from_award_to_completion(
    new_page, university, research_member, enterprise, enterprise_member, curator
):
    technology = TechnologyPageFactory(organisation=university, title=TECHNOLOGY_TITLE)
    bid = bid_submit(
        user=enterprise_member,
        listing=technology,
        data=BidInput(
            fields={
                "cooperation_mode": CooperationMode.objects.first(),
                "intended_use": "用于本公司风电主轴承生产线的淬火质量在线检测。",
                "price": 500_000,
                "declares_no_related_party": True,
            },
            # The take-up request's optional 实施计划: one milestone the taker reports.
            milestones=[
                MilestoneInput(dt.date.today() + dt.timedelta(days=60), "检测系统产线部署")
            ],
        ),
    )

    # The technology's owner (a university) awards the enterprise's take-up request.
    owner = new_page()
    login(owner, research_member.email)
    award(owner, "technology", technology, enterprise.name)
    project = Project.objects.get(bid=bid)
    open_project(owner, TECHNOLOGY_TITLE)
    assert badge(owner) == "公示中"
    assert owner.get_by_role("button", name="启动项目").count() == 0

    # The enterprise (the winner) sees the project under notice too.
    winner = new_page()
    login(winner, enterprise_member.email)
    open_project(winner, TECHNOLOGY_TITLE)
    assert badge(winner) == "公示中"
    winner.goto("/projects/notices/")
    assert TECHNOLOGY_TITLE in winner.locator("main").inner_text()

    end_notice_period(project)  # TEST SETUP (see the function)

    owner.reload()
    click(owner, "button", "启动项目")
    assert "项目已启动。" in message(owner)
    assert badge(owner) == "攻关中"
    # The take-up request's 实施计划 became the project's milestone: the enterprise (the
    # taker) reports it, the university (the technology's owner) accepts it.
    assert "检测系统产线部署" in owner.locator("#milestones").inner_text()
    open_project(winner, TECHNOLOGY_TITLE)
    assert badge(winner) == "攻关中"
    assert winner.get_by_role("link", name="申请验收").count() == 0  # the owner's step
    click(winner, "link", "报告进展")
    winner.fill("textarea[name=text]", "检测系统已在产线部署，试运行一周。")
    click(winner, "button", "提交进展")
    assert "进展已报告，等待成果方确认。" in message(winner)
    owner.reload()
    assert owner.get_by_role("link", name="申请验收").count() == 0  # not before acceptance
    click(owner, "button", "确认", owner.locator("#milestones"))
    assert "里程碑已确认。" in message(owner)
    assert "已确认" in owner.locator("#milestones").inner_text()

    # The university (the seller) registers the contract, a curator confirms; the enterprise pays.
    desk = new_page()
    login(desk, curator.email)
    register_contract(owner, desk, TECHNOLOGY_TITLE, "2026370100000872", 500_000, "技术转让")
    winner.reload()
    record_payment(winner, 500_000, "技术转让费")

    # 验收 without quantified indicators: the summary only.
    owner.reload()
    click(owner, "link", "申请验收")
    owner.fill("textarea[name=summary]", "成果已在企业生产线部署，检测系统连续运行30天。")
    click(owner, "button", "提交验收申请")
    assert "已申请验收，等待签字。" in message(owner)
    assert "该项目没有量化指标。" in owner.locator("#acceptance").inner_text()

    sign_off(owner, desk, TECHNOLOGY_TITLE)
    winner.reload()
    assert badge(winner) == "已完成"
