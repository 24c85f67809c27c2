"""Projects follow bidding's award signal (bidding never imports projects)."""

from __future__ import annotations

from .services import project_create_for_award


def project_for_award(sender, *, bid, deal, listing, user, **kwargs) -> None:
    project_create_for_award(bid=bid, deal=deal, listing=listing, user=user)


def demo_projects(sender, **kwargs) -> list[str]:
    """seed_demo's ``demo_seeded``: the demo projects (imported only when seeding)."""
    from .demo import seed_demo_projects

    return seed_demo_projects(sender, **kwargs)
