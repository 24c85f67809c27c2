"""A catalogue workbook kept between its dry run and the curator's 确认导入."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def import_upload_to(instance, filename: str) -> str:
    # Private storage with a random name: nothing serves these files; only the confirm
    # service reads them back, for the curator who uploaded them.
    return f"private/imports/{uuid.uuid4().hex}.xlsx"


class ImportUpload(models.Model):
    """An uploaded workbook that passed its dry run, waiting for the same curator to confirm it."""

    # The only handle on the upload (URL of the confirm step); random, never a database id.
    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("目录类型"), max_length=16)
    partial = models.BooleanField(_("跳过有错误的行"), default=False)
    filename = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(_("文件"), upload_to=import_upload_to, max_length=255, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("校验时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待确认的导入")
        verbose_name_plural = _("待确认的导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def confirm_url(self) -> str:
        return reverse("curation:catalogue_confirm", args=[self.token])
