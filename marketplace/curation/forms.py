from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

KIND_CHOICES = [("demand", _("技术需求目录")), ("technology", _("科技成果目录"))]


class CatalogueImportForm(forms.Form):
    """The admin upload (step 1: always a dry run): which catalogue, the workbook, how strictly."""

    kind = forms.ChoiceField(label=_("目录类型"), choices=KIND_CHOICES)
    file = forms.FileField(label=_("目录工作簿（.xlsx）"))
    partial = forms.BooleanField(
        label=_("跳过有错误的行"),
        required=False,
        help_text=_(
            "默认整批导入：任何一行有错则不能导入。勾选后，校验结果会说明将跳过哪些行，确认后只导入其余行。"
        ),
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
