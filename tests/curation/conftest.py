from __future__ import annotations

import pytest

from marketplace.organisations.models import Organisation
from tests.factories import OrganisationFactory


@pytest.fixture
def bureau_curator(curator):
    from tests.factories import MembershipFactory

    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="济南市科学技术局")
    MembershipFactory(user=curator, organisation=bureau)
    return curator
