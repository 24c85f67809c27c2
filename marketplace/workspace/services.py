"""Writes of the workspace itself: uploads kept while a form is not yet saved."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .models import PendingUpload

#: How long a kept upload waits for the form to be saved.
PENDING_UPLOAD_TTL = timedelta(days=1)


def pending_upload_purge(*, user=None) -> int:
    """Delete kept uploads older than the TTL (of one user, or everyone's); returns the count."""
    stale = PendingUpload.objects.filter(created_at__lt=timezone.now() - PENDING_UPLOAD_TTL)
    if user is not None:
        stale = stale.filter(user=user)
    count = 0
    for pending in stale:
        pending_upload_delete(pending=pending)
        count += 1
    return count


@transaction.atomic
def pending_upload_store(*, user, upload) -> PendingUpload:
    """Keep a checked upload for ``user`` until the form is saved; the name is the checked one."""
    pending_upload_purge(user=user)
    upload.seek(0)
    pending = PendingUpload(user=user, token=secrets.token_hex(16), name=upload.name)
    pending.file.save(upload.name, ContentFile(upload.read()), save=False)
    upload.seek(0)
    pending.full_clean()
    pending.save()
    return pending


def pending_upload_delete(*, pending: PendingUpload) -> None:
    """Remove a kept upload and its file."""
    pending.file.delete(save=False)
    pending.delete()
