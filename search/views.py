"""JSON endpoints of the search layer: autocomplete for the catalogue search boxes."""

from __future__ import annotations

import logging

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from search.documents import KINDS
from search.selectors import autocomplete as autocomplete_terms

logger = logging.getLogger(__name__)


@require_GET
def autocomplete(request):
    """``/search/autocomplete/?kind=demand&q=激光``: indexed keywords and titles starting with ``q``."""
    kind = request.GET.get("kind", "")
    if kind not in KINDS:
        return JsonResponse({"error": _("kind 必须是 demand 或 technology。")}, status=400)
    try:
        suggestions = autocomplete_terms(kind, request.GET.get("q", ""))
    except Exception:  # typing must never break on the engine; the box simply stays quiet
        logger.exception("search: autocomplete failed")
        return JsonResponse({"suggestions": [], "unavailable": True})
    response = JsonResponse({"suggestions": suggestions, "unavailable": False})
    response["Cache-Control"] = "private, max-age=30"
    return response
