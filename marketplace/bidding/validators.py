"""Attachment checks: size, and type read from the content (a renamed .exe is not a PDF)."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# Detected type → file name extensions it may carry.
ALLOWED_TYPES: dict[str, set[str]] = {
    "pdf": {"pdf"},
    "doc": {"doc"},
    "docx": {"docx"},
    "png": {"png"},
    "jpg": {"jpg", "jpeg"},
    "webp": {"webp"},
}
MIME_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
}


def max_attachment_bytes() -> int:
    return int(getattr(settings, "JIEBANG_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024))


def validate_attachment(upload) -> str:
    """Raise ValidationError unless the upload is an allowed type by content; return its type."""
    limit = max_attachment_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("文件过大（%(size)s），单个附件不超过 %(limit)s。"),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    if upload.size == 0:
        raise ValidationError(_("文件为空。"), code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    detected = kind.extension if kind else None
    name = (upload.name or "").lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if detected not in ALLOWED_TYPES:
        raise ValidationError(
            _("只接受 PDF、Word（doc/docx）和图片（png/jpg/webp）文件，文件内容与类型不符。"),
            code="bad_type",
        )
    if ext not in ALLOWED_TYPES[detected]:
        raise ValidationError(
            _("文件扩展名（.%(ext)s）与实际内容（%(kind)s）不一致。"),
            code="disguised",
            params={"ext": ext or "?", "kind": detected},
        )
    return MIME_TYPES[detected]
