"""The workspace dashboard's block of matches recommended to the user's organisations."""

from __future__ import annotations

from django import template

from marketplace.organisations.selectors import Waiting, waiting

from ..models import MatchAnswer
from ..selectors import match_list_for_user, match_reasons, side_views_for_user

register = template.Library()

SHOWN = 5


@register.inclusion_tag("matches/includes/dashboard_block.html", takes_context=True)
def recommended_matches(context):
    """Recommended matches of the user's organisations: those awaiting our answer first."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"views": [], "waiting": 0}
    views = side_views_for_user(user=user, matches=match_list_for_user(user=user)[:50])
    views.sort(key=lambda v: v.answer != MatchAnswer.PENDING)
    waiting = sum(1 for v in views if v.answer == MatchAnswer.PENDING)
    return {"views": views[:SHOWN], "waiting": waiting, "more": len(views) > SHOWN}


@register.filter(name="match_reasons")
def match_reasons_filter(match) -> list[str]:
    """Why a match was proposed, one sentence each: ``{{ match|match_reasons }}``."""
    return match_reasons(match)


@register.filter(name="proposal_waiting")
def proposal_waiting(match) -> Waiting:
    """How long a proposal has waited for a curator and when it is due (curators' queue):
    ``JIEBANG_DUE_DAYS["match_proposal"]`` calendar days, as on the curator's to-do."""
    return waiting(match.created_at, "match_proposal")
