"""Who may see, answer and discuss a match (checked on the server, views and API alike)."""

from __future__ import annotations

from marketplace.organisations.permissions import active_organisation_ids, is_curator

from .models import Match, MatchState, Side

__all__ = ["is_curator", "sides_of", "can_view_match", "can_answer", "can_post_message"]


def sides_of(user, match: Match) -> list[str]:
    """Return the sides of ``match`` whose organisation ``user`` is an active member of."""
    ids = active_organisation_ids(user)
    sides = []
    if match.demand.organisation_id in ids:
        sides.append(Side.DEMAND.value)
    if match.technology.organisation_id in ids:
        sides.append(Side.TECHNOLOGY.value)
    return sides


def can_view_match(user, match: Match) -> bool:
    """Members see a match only once a curator recommended it, and only their own side's."""
    return match.state == MatchState.RECOMMENDED and bool(sides_of(user, match))


def can_answer(user, match: Match, side: str) -> bool:
    return can_view_match(user, match) and side in sides_of(user, match)


def can_post_message(user, match: Match) -> bool:
    if not match.is_conversation_open or match.state != MatchState.RECOMMENDED:
        return False
    return is_curator(user) or bool(sides_of(user, match))
