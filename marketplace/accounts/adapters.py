"""allauth adapter: our branding in emails and where people land after logging in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class SiteBrand:
    """What allauth's email templates read from ``current_site``."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    """Send a new member to organisation onboarding once their email is verified."""

    def get_login_redirect_url(self, request) -> str:
        from marketplace.organisations.selectors import organisations_of

        user = request.user
        if user.is_authenticated and user.is_curator:
            return "/admin/"
        if user.is_authenticated and not organisations_of(user).exists():
            return reverse("organisations:onboard")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request) -> str:
        # Signup logs in on email confirmation; new people go to onboarding too.
        return self.get_login_redirect_url(request)

    def format_email_subject(self, subject: str) -> str:
        return f"【{_('揭榜')}】{force_str(subject)}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        from allauth.core import context as allauth_context

        request = allauth_context.request
        root = settings.JIEBANG_SITE_URL.rstrip("/")
        if request is not None:
            # allauth builds links on the host the request came in on (behind a proxy:
            # 127.0.0.1:8000); every e-mailed link goes to the configured site root instead.
            here = request.build_absolute_uri("/").rstrip("/")
            context = {key: _rerooted(value, here, root) for key, value in context.items()}
        brand = SiteBrand(name=settings.WAGTAIL_SITE_NAME, domain=urlsplit(root).netloc)
        super().send_mail(template_prefix, email, {"current_site": brand, **context})


def _rerooted(value: Any, here: str, root: str) -> Any:
    if isinstance(value, str) and (value == here or value.startswith(here + "/")):
        return root + value[len(here) :]
    return value
