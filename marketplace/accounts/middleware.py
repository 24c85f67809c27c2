from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class CuratorMFARequiredMiddleware:
    """Under production settings a curator must enrol TOTP before using the admin."""

    # Both admins: Wagtail's for curators, Django's for superusers (who are curators too).
    protected_prefixes = ("/admin/", "/django-admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_enrol(request):
            messages.warning(request, _("审核人员账号必须先启用两步验证（TOTP）才能进入管理后台。"))
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_enrol(self, request) -> bool:
        if not settings.JIEBANG_REQUIRE_CURATOR_MFA:
            return False
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or not request.path.startswith(self.protected_prefixes)
        ):
            return False
        if not user.is_curator:
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
