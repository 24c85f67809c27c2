from tests.accounts.conftest import applicant, owner, pending_org  # noqa: F401
