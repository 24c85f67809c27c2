"""Signals bidding sends, so higher apps (projects) follow an award without bidding importing them."""

from django.dispatch import Signal

#: Sent inside the award's transaction, after the bid, the deal and the listing moved.
#: Arguments: ``bid``, ``deal``, ``listing``, ``user``.
bid_awarded = Signal()
