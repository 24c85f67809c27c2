from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the locmem cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pending_org(db):
    return OrganisationFactory(name="济南新锐材料有限公司", verification="pending")


@pytest.fixture
def owner(pending_org):
    return MembershipFactory(
        organisation=pending_org, user=UserFactory(email="owner@example.com")
    ).user


@pytest.fixture
def applicant(db):
    return UserFactory(email="applicant@example.com", display_name="李申请")
