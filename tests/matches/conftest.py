"""Matches: a real embedded index on a temporary folder, two organisations with a member each."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from marketplace.organisations.models import Organisation
from search.backends import get_search_backend
from tests.factories import (
    DemandPageFactory,
    MatchFactory,
    MembershipFactory,
    OrganisationFactory,
    TechnologyPageFactory,
    UserFactory,
)

SECRET = "机密工艺参数-ZX9-保密配方"


@pytest.fixture(autouse=True)
def index(settings, tmp_path):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path / "index")}
    }
    cache.clear()
    return get_search_backend()


@pytest.fixture
def demand(published, enterprise):
    return published(
        DemandPageFactory,
        organisation=enterprise,
        title="高温合金薄壁件激光焊接变形控制",
        keywords="激光焊接,变形控制,高温合金",
        confidential_details=SECRET,
        contact_phone="13900001111",
        problem="<p>高温合金薄壁件激光焊接后变形超差，需要焊接工艺与夹具优化。</p>",
    )


@pytest.fixture
def technology(published, university):
    return published(
        TechnologyPageFactory,
        organisation=university,
        title="薄壁件激光焊接变形控制工艺",
        keywords="激光焊接,变形控制",
        contact_phone="13900002222",
        summary="通过焊接路径规划与随形夹具，控制高温合金薄壁件激光焊接变形。",
    )


@pytest.fixture
def match(demand, technology):
    return MatchFactory(demand=demand, technology=technology)


@pytest.fixture
def second_enterprise_member(enterprise):
    return MembershipFactory(
        organisation=enterprise, user=UserFactory(email="ent2@example.com"), role="member"
    ).user


@pytest.fixture
def other_pair(published):
    """A recommended match between two organisations the test users do not belong to."""
    ent = OrganisationFactory(name="他方企业有限公司")
    uni = OrganisationFactory(kind=Organisation.Kind.INSTITUTE, name="他方研究院")
    return MatchFactory(
        demand=DemandPageFactory(organisation=ent, title="他方需求：污水处理膜材料"),
        technology=TechnologyPageFactory(organisation=uni, title="他方成果：抗污染超滤膜"),
        state="recommended",
    )


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
