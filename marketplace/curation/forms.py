from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("每次最多 %(rows)d 行数据，文件不超过 %(size)s。") % {
            "rows": settings.JIEBANG_IMPORT_MAX_ROWS,
            "size": filesizeformat(settings.JIEBANG_IMPORT_MAX_BYTES),
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的工作簿（可先下载导入模板）。"))
        limit = settings.JIEBANG_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件大小 %(size)s，超过导入上限 %(limit)s。请拆分为多个文件分批导入。")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise forms.ValidationError(_("文件不是有效的 .xlsx 工作簿。"))
        return upload
