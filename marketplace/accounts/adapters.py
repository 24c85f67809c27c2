from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Send a new member to organisation registration once their email is verified."""

    def get_login_redirect_url(self, request):
        from marketplace.organisations.models import Membership

        user = request.user
        if user.is_authenticated and not user.is_curator:
            if not Membership.objects.filter(user=user).exists():
                return reverse("organisations:onboard")
        if user.is_authenticated and user.is_curator:
            return "/admin/"
        return super().get_login_redirect_url(request)
