from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.bidding.services import BidInput, MilestoneInput
from marketplace.organisations.models import Organisation
from tests.factories import (
    DemandIndicatorFactory,
    DemandPageFactory,
    MembershipFactory,
    OrganisationFactory,
    TechnologyPageFactory,
    UserFactory,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def pdf(name="方案.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def demand(enterprise):
    page = DemandPageFactory(
        organisation=enterprise,
        delivery_deadline=timezone.localdate() + datetime.timedelta(days=365),
        confidential_details="核心工艺参数：激光功率 3kW，保护气体配比 Ar:He=7:3。",
    )
    DemandIndicatorFactory(page=page, name="焊后变形量", target_value="≤0.2", unit="mm")
    DemandIndicatorFactory(page=page, name="焊缝强度系数", target_value="≥0.9", unit="")
    return page


@pytest.fixture
def technology(university):
    return TechnologyPageFactory(organisation=university)


@pytest.fixture
def other_university(db):
    return OrganisationFactory(kind=Organisation.Kind.INSTITUTE, name="山东省测试科学院")


@pytest.fixture
def other_researcher(other_university):
    return MembershipFactory(
        organisation=other_university, user=UserFactory(email="res2@example.com")
    ).user


@pytest.fixture
def other_enterprise_member(db):
    org = OrganisationFactory(kind=Organisation.Kind.ENTERPRISE, name="济南另一家企业有限公司")
    return MembershipFactory(organisation=org, user=UserFactory(email="ent2@example.com")).user


def full_input(demand, **fields) -> BidInput:
    base = {
        "background": "山东测试大学材料学院焊接团队，长期从事高温合金焊接研究。",
        "research_status": "国外已采用双光束激光焊接控制变形。",
        "technical_approach": "采用双光束激光焊接结合随焊冷却，建立变形预测模型。",
        "existing_work": "已完成小试验证，变形量 0.25mm。",
        "industrialisation_plan": "与需求方共建中试线。",
        "team": "教授1名，副教授2名，博士生4名。",
        "price": 800_000,
        "declares_no_related_party": True,
    }
    base.update(fields)
    return BidInput(
        fields=base,
        responses={i.pk: ("0.15", "第三方检测机构出具报告") for i in demand.indicators.all()},
        milestones=[
            MilestoneInput(
                timezone.localdate() + datetime.timedelta(days=90), "工艺方案与小试报告"
            ),
            MilestoneInput(
                timezone.localdate() + datetime.timedelta(days=300), "中试验证与检测报告"
            ),
        ],
    )


@pytest.fixture
def submitted_bid(demand, research_member):
    from marketplace.bidding.services import bid_submit

    return bid_submit(user=research_member, listing=demand, data=full_input(demand))
