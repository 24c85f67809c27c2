from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .models import DemandAttachment, TechnologyAttachment
from .permissions import can_view_private_attachments

ATTACHMENT_MODELS = {"demand": DemandAttachment, "technology": TechnologyAttachment}


def attachment(request, kind: str, pk: int):
    """Serve a listing attachment: public ones of public listings to all, the rest to insiders."""
    model = ATTACHMENT_MODELS.get(kind)
    if model is None:
        raise Http404
    item = get_object_or_404(model.objects.select_related("page"), pk=pk)
    page = item.page
    allowed = can_view_private_attachments(request.user, page) or (
        item.is_public and page.is_public
    )
    if not allowed:
        raise Http404
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.file.name.rsplit("/", 1)[-1]
    )
