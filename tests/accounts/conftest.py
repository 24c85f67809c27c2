"""Organisations and people shared by the account and organisation tests (the cache is
cleared for every test by tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


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
