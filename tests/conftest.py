from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from marketplace.organisations.models import Organisation

from .factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits live in the cache; one test's attempts must not throttle the next.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def curator(db):
    user = UserFactory(email="curator-test@example.com", display_name="审核员")
    user.groups.add(Group.objects.get(name=settings.JIEBANG_CURATORS_GROUP))
    return user


@pytest.fixture
def enterprise(db):
    return OrganisationFactory(kind=Organisation.Kind.ENTERPRISE, name="济南精工装备有限公司")


@pytest.fixture
def university(db):
    return OrganisationFactory(kind=Organisation.Kind.UNIVERSITY, name="山东测试大学")


@pytest.fixture
def enterprise_member(enterprise):
    return MembershipFactory(organisation=enterprise, user=UserFactory(email="ent@example.com")).user


@pytest.fixture
def research_member(university):
    return MembershipFactory(organisation=university, user=UserFactory(email="res@example.com")).user


@pytest.fixture
def outsider(db):
    return MembershipFactory(
        user=UserFactory(email="other@example.com"),
        organisation=OrganisationFactory(name="无关单位有限公司"),
    ).user
