import datetime

import pytest
from django.utils import timezone

from cms.completeness import (
    DEMAND_CHECKS,
    TECHNOLOGY_CHECKS,
    listing_completeness,
    plain_length,
)
from cms.models import (
    DemandIndicator,
    DemandPage,
    TechnologyAttachment,
    TechnologyIP,
    TechnologyPage,
)
from cms.taxonomy import CooperationMode, TechnologyField

from ..workspace.helpers import PROBLEM

pytestmark = pytest.mark.django_db


def fields(result):
    return {issue.field for issue in result.issues}


def full_demand(**overrides):
    page = DemandPage(
        title="需求",
        problem=f"<p>{PROBLEM}</p>",
        keywords="激光焊接,变形控制,高温合金",
        bid_deadline=timezone.now() + datetime.timedelta(days=30),
        delivery_deadline=datetime.date(2031, 1, 1),
        budget_kind="range",
        budget_max=1_000_000,
        technology_field=TechnologyField.objects.first(),
        expected_outcome="工艺规范",
        contact_name="王工",
        contact_phone="0531-1",
    )
    page.cooperation_modes = [CooperationMode.objects.first()]
    page.indicators = [DemandIndicator(name="变形量", target_value="≤0.2", unit="mm")]
    for name, value in overrides.items():
        setattr(page, name, value)
    return page


def full_technology(**overrides):
    page = TechnologyPage(
        title="成果",
        summary=PROBLEM,
        keywords="电池,正极,材料",
        stage="pilot",
        trl=6,
        indicators="容量保持率95%",
        application_scenarios="动力电池",
        technology_field=TechnologyField.objects.first(),
        contact_name="李",
        contact_phone="1",
    )
    page.cooperation_modes = [CooperationMode.objects.first()]
    page.ip_items = [TechnologyIP(ip_type="invention", number="ZL1")]
    page.attachments = [TechnologyAttachment(title="检测报告", kind="test_report")]
    for name, value in overrides.items():
        setattr(page, name, value)
    return page


def test_weights_sum_to_100():
    assert sum(w for _, w, _ in DEMAND_CHECKS) == 100
    assert sum(w for _, w, _ in TECHNOLOGY_CHECKS) == 100


def test_complete_listings_score_100():
    assert listing_completeness(full_demand()).score == 100
    assert listing_completeness(full_technology()).is_complete


def test_empty_demand_lists_every_gap():
    result = listing_completeness(DemandPage(title="空", budget_kind="negotiable"))
    assert result.score == 0
    assert fields(result) == {name for name, _, _ in DEMAND_CHECKS}


def test_indicator_without_number_is_vague():
    page = full_demand(indicators=[DemandIndicator(name="精度", target_value="显著提高")])
    result = listing_completeness(page)
    assert fields(result) == {"indicators"} and result.score == 80
    issue = result.issues[0]
    assert issue.label == "核心技术指标" and "量化" in issue.message


def test_short_problem_and_missing_deadline_are_reported():
    page = full_demand(problem="<p>焊接变形大</p>", bid_deadline=None, keywords="焊接")
    result = listing_completeness(page)
    assert fields(result) == {"problem", "bid_deadline", "keywords"}
    messages = {i.field: i.message for i in result.issues}
    assert "过短（5 字" in messages["problem"] and "关键词偏少" in messages["keywords"]
    assert {i.label for i in result.issues} >= {"主要技术问题", "揭榜截止时间"}


def test_negotiable_budget_counts_as_vague():
    assert fields(listing_completeness(full_demand(budget_kind="negotiable"))) == {"budget_max"}


def test_technology_without_ip_evidence_or_trl():
    page = full_technology(ip_items=[], attachments=[], trl=None)
    result = listing_completeness(page)
    assert fields(result) == {"ip_items", "attachments", "trl"}
    assert result.score == 100 - 15 - 10 - 10


def test_trl_must_match_stage():
    result = listing_completeness(full_technology(stage="mature", trl=2))
    assert [i.field for i in result.issues] == ["trl"]


def test_unquantified_technical_indicators():
    result = listing_completeness(full_technology(indicators="性能优异"))
    assert fields(result) == {"indicators"} and result.issues[0].label == "主要技术经济指标"


def test_plain_length_ignores_markup_and_space():
    assert plain_length("<p>甲 乙</p>\n<p>&amp;</p>") == 3
