from tests.bidding.conftest import demand  # noqa: F401  (shared fixture)
