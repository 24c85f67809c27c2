# ruff: noqa: F811  (the bidding fixtures are imported so pytest finds them here)
from __future__ import annotations

import datetime

import pytest

from marketplace.bidding.services import bid_award
from marketplace.organisations.models import Organisation
from marketplace.projects.models import Project
from marketplace.projects.services import project_start
from tests.bidding.conftest import (  # noqa: F401  (fixtures)
    demand,
    other_researcher,
    other_university,
    submitted_bid,
    technology,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def consortium_member(submitted_bid):
    org = OrganisationFactory(kind=Organisation.Kind.INSTITUTE, name="联合体研究院")
    submitted_bid.consortium_members.add(org)
    return MembershipFactory(organisation=org, user=UserFactory(email="cons@example.com")).user


@pytest.fixture
def awarded(submitted_bid, consortium_member, enterprise_member, demand):
    """The demand's bid awarded: the project it opened, in its notice period."""
    bid_award(user=enterprise_member, bid=submitted_bid)
    return Project.objects.get(bid=submitted_bid)


def after_notice(project) -> datetime.date:
    return project.notice_ends_on + datetime.timedelta(days=1)


@pytest.fixture
def running(awarded):
    return project_start(project=awarded, today=after_notice(awarded))


#: The six roles of the permission matrices (pages and API), and a user for each.
ROLES = ("owner", "winner", "consortium", "other", "anonymous", "curator")


@pytest.fixture
def people(enterprise_member, research_member, consortium_member, outsider, curator):
    return {
        "owner": enterprise_member,
        "winner": research_member,
        "consortium": consortium_member,
        "other": outsider,
        "anonymous": None,
        "curator": curator,
    }
