"""Kept uploads expire: the purge deletes rows and files older than the TTL, nothing newer."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from marketplace.workspace.models import PendingUpload
from marketplace.workspace.services import PENDING_UPLOAD_TTL, pending_upload_store

from .helpers import pdf

pytestmark = pytest.mark.django_db


def test_purge_deletes_only_expired_uploads_and_their_files(enterprise_member):
    old = pending_upload_store(user=enterprise_member, upload=pdf("旧.pdf"))
    new = pending_upload_store(user=enterprise_member, upload=pdf("新.pdf"))
    PendingUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - PENDING_UPLOAD_TTL - timezone.timedelta(minutes=1)
    )
    storage, old_name = old.file.storage, old.file.name
    out = io.StringIO()
    call_command("purge_pending_uploads", stdout=out)
    assert "1 kept upload(s) deleted." in out.getvalue()
    assert list(PendingUpload.objects.values_list("pk", flat=True)) == [new.pk]
    assert not storage.exists(old_name) and storage.exists(new.file.name)
