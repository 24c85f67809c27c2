"""Uploads kept across a failed submission of a member's form (issue 12, point 6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def pending_upload_to(instance, filename: str) -> str:
    # Outside any public URL, like the listings' own attachments.
    return f"private/pending/{instance.token}/{filename}"


class PendingUpload(models.Model):
    """A file a member chose on a form that was not saved (a validation error, "add a row",
    a preview): the form carries ``token`` back, so the file need not be chosen again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_uploads"
    )
    token = models.CharField(_("令牌"), max_length=32, unique=True)
    file = models.FileField(_("文件"), upload_to=pending_upload_to, max_length=255)
    name = models.CharField(_("文件名"), max_length=255)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("暂存的上传文件")
        verbose_name_plural = _("暂存的上传文件")

    def __str__(self) -> str:
        return self.name
