from tests.accounts.conftest import applicant, owner, pending_org  # noqa: F401
from tests.bidding.conftest import (  # noqa: F401
    demand,
    other_researcher,
    other_university,
    submitted_bid,
)
