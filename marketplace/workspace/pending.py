"""Uploads kept across a form that was not saved: what a form's rows carry back and forth.

A file chosen on an attachment row is checked by the form; if the form is then not saved
(another field is wrong, a row is added, the listing is previewed), the checked file is
stored as a ``PendingUpload`` of the user and the row carries its token in the hidden
``<row prefix>-pending`` field. When the form comes back without a new file on that row,
the kept file is put in the row's place, as if chosen again. A token of another user is
ignored.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from .models import PendingUpload
from .services import pending_upload_delete, pending_upload_store


def pending_key(row_prefix: str) -> str:
    return f"{row_prefix}-pending"


def restore_files(user, data, files, formsets_prefixes) -> tuple[object, dict[str, PendingUpload]]:
    """``files`` with every kept upload the POST names put back on its row.

    Returns the files and the kept uploads by row prefix (those rows' uploads need not be
    kept again).
    """
    if data is None:
        return files, {}
    files = files.copy()
    restored: dict[str, PendingUpload] = {}
    for prefix in formsets_prefixes:
        try:
            total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 1000)
        except ValueError:
            continue
        for index in range(total):
            row = f"{prefix}-{index}"
            token = (data.get(pending_key(row)) or "").strip()
            if not token or files.get(f"{row}-file"):
                continue
            pending = PendingUpload.objects.filter(user=user, token=token).first()
            if pending is None:
                continue
            with pending.file.open("rb") as handle:
                content = handle.read()
            files[f"{row}-file"] = SimpleUploadedFile(pending.name, content)
            restored[row] = pending
    return files, restored


def keep_uploads(user, formsets, restored: dict[str, PendingUpload]) -> None:
    """Store each checked, not yet kept upload and tell its row (``row.pending``)."""
    for formset in formsets:
        for row in formset.forms:
            if row.prefix in restored:
                row.pending = restored[row.prefix]
                continue
            if "file" not in row.fields or row.errors.get("file"):
                continue
            upload = (getattr(row, "cleaned_data", None) or {}).get("file")
            if upload and not row.cleaned_data.get("DELETE"):
                row.pending = pending_upload_store(user=user, upload=upload)


def release_uploads(restored: dict[str, PendingUpload]) -> None:
    """The form was saved: the kept files now live on the listing."""
    for pending in restored.values():
        pending_upload_delete(pending=pending)
