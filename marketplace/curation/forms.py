from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

KIND_CHOICES = [("demand", _("技术需求目录")), ("technology", _("科技成果目录"))]


class CatalogueImportForm(forms.Form):
    """The admin upload: which catalogue, the workbook, and how strictly to import it."""

    kind = forms.ChoiceField(label=_("目录类型"), choices=KIND_CHOICES)
    file = forms.FileField(label=_("目录工作簿（.xlsx）"))
    dry_run = forms.BooleanField(label=_("仅校验，不导入"), required=False, initial=True)
    partial = forms.BooleanField(
        label=_("跳过有错误的行"),
        required=False,
        help_text=_("默认整批导入：任何一行有错则不导入任何数据。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的工作簿（可先下载导入模板）。"))
        if upload.size > settings.JIEBANG_MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(_("文件过大。"))
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise forms.ValidationError(_("文件不是有效的 .xlsx 工作簿。"))
        return upload
