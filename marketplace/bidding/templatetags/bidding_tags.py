"""Bidding on the listing pages: the bid box, the public Q&A and the owner's summary."""

from __future__ import annotations

from django import template

from cms.lifecycle import ListingKind, accepts_bids, kind_of

from .. import permissions as perms
from .. import selectors
from ..forms import AnswerForm, QuestionForm

register = template.Library()


@register.inclusion_tag("bidding/panel.html", takes_context=True)
def bidding_panel(context, listing=None):
    """Everything bidding adds under a demand or technology page, for the current user."""
    request = context["request"]
    user = request.user
    listing = listing or context["page"]
    kind = kind_of(listing)
    organisation = perms.bidding_organisation(user, listing) if user.is_authenticated else None
    own_bid = (
        selectors.active_bid_of(organisation=organisation, listing=listing)
        if organisation
        else None
    )
    is_owner = perms.is_listing_owner(user, listing)
    ctx = {
        "request": request,
        "user": user,
        "listing": listing,
        "kind": kind,
        "accepting": accepts_bids(listing),
        "organisation": organisation,
        "own_bid": own_bid,
        "is_owner": is_owner,
        "can_view_received": perms.can_view_received_bids(user, listing),
        "csrf_token": context.get("csrf_token"),
    }
    if is_owner or ctx["can_view_received"]:
        bids, sealed = selectors.bids_for_owner(user=user, listing=listing)
        ctx.update({"received_count": len(bids), "sealed_count": sealed})
    if kind == ListingKind.DEMAND:
        ctx.update(
            {
                "questions": selectors.question_list(user=user, demand=listing),
                "question_form": QuestionForm(),
                "answer_form": AnswerForm(),
                "shortlisted_bid": perms.shortlisted_bid_of(user, listing)
                if user.is_authenticated
                else None,
            }
        )
    return ctx
