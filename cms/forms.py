"""Front-end forms for members' listing drafts: the page fields, inline lists and attachments.

Forms only parse and check input; cms/services.py applies it to the page and validates
the page as a whole (tree position, cross-field rules) when it saves.
"""

from __future__ import annotations

import os
import re
from html import escape, unescape

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from .models import (
    DemandAttachment,
    DemandIndicator,
    DemandPage,
    TechnologyAttachment,
    TechnologyIP,
    TechnologyPage,
)
from .services import child_ref

# Detected by content (magic bytes), never by the uploaded name.
ALLOWED_ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
SIGNATURE_BYTES = 8192


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on ``form``: on the named fields, the rest form-wide."""
    for name, messages_ in getattr(error, "message_dict", {"__all__": error.messages}).items():
        form.add_error(name if name in form.fields else None, messages_)


def text_to_richtext(text: str) -> str:
    """Plain text to escaped <p> paragraphs (blank lines split paragraphs)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n"))]
    return "".join(
        "<p>" + "<br/>".join(escape(line) for line in b.split("\n")) + "</p>" for b in blocks if b
    )


def richtext_to_text(html: str) -> str:
    """Rich text HTML back to the plain text a textarea shows."""
    html = re.sub(r"<br\s*/?>", "\n", html or "", flags=re.I)
    html = re.sub(r"</(p|h\d|li|blockquote)>", "\n\n", html, flags=re.I)
    return unescape(strip_tags(html)).strip()


def detect_attachment_type(upload) -> str | None:
    """The allowed extension matching the file's content, or None."""
    upload.seek(0)
    head = upload.read(SIGNATURE_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or ALLOWED_ATTACHMENT_TYPES.get(kind.extension) != kind.mime:
        return None
    return kind.extension


def validate_attachment(upload) -> None:
    """Reject files over the size limit or whose content is not an allowed type."""
    limit = settings.JIEBANG_MAX_ATTACHMENT_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件过大（上限 %(limit)s）。") % {"limit": filesizeformat(limit)}, code="too_large"
        )
    extension = detect_attachment_type(upload)
    if extension is None:
        raise ValidationError(
            _("文件内容不是允许的类型（PDF、Word、Excel xlsx 或图片）。"), code="bad_type"
        )
    # Store under the extension the content proves, whatever the uploaded name said.
    stem = os.path.splitext(os.path.basename(upload.name))[0] or "attachment"
    upload.name = f"{stem}.{extension}"


class ChildForm(forms.ModelForm):
    """A row of an inline list; `ref` ties the row to a child of the draft (see child_ref)."""

    ref = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def _post_clean(self):
        # The service validates each child when it applies the rows to the page.
        pass


class IndicatorForm(ChildForm):
    class Meta:
        model = DemandIndicator
        fields = ["name", "target_value", "unit", "verification"]


class IPForm(ChildForm):
    class Meta:
        model = TechnologyIP
        fields = ["ip_type", "number", "title", "status"]


class AttachmentForm(ChildForm):
    file = forms.FileField(label=_("文件"), required=False)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            validate_attachment(upload)
        return upload

    def clean(self):
        data = super().clean()
        if not (data.get("ref") or data.get("file") or data.get("DELETE") or self.errors):
            self.add_error("file", _("请选择要上传的文件。"))
        return data


class DemandAttachmentForm(AttachmentForm):
    class Meta:
        model = DemandAttachment
        fields = ["title", "is_public"]


class TechnologyAttachmentForm(AttachmentForm):
    class Meta:
        model = TechnologyAttachment
        fields = ["title", "kind", "is_public"]


def child_formset(form_class, extra: int = 1):
    return forms.formset_factory(
        form_class, extra=extra, can_delete=True, max_num=50, validate_max=True
    )


IndicatorFormSet = child_formset(IndicatorForm, extra=2)
IPFormSet = child_formset(IPForm, extra=1)
DemandAttachmentFormSet = child_formset(DemandAttachmentForm)
TechnologyAttachmentFormSet = child_formset(TechnologyAttachmentForm)


class ListingForm(forms.ModelForm):
    """The page's own fields; rich text is edited as plain text."""

    rich_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.rich_fields:
            model_field = self._meta.model._meta.get_field(name)
            self.fields[name] = forms.CharField(
                label=model_field.verbose_name,
                help_text=model_field.help_text,
                required=not model_field.blank,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
            self.initial[name] = richtext_to_text(getattr(self.instance, name, ""))
        for name in ("cooperation_modes",):
            self.fields[name].widget = forms.CheckboxSelectMultiple(
                choices=self.fields[name].choices
            )

    def clean(self):
        data = super().clean()
        for name in self.rich_fields:
            if name in data:
                data[name] = text_to_richtext(data[name])
        return data

    def _post_clean(self):
        # Page-level validation needs the page's place in the tree: the service does it.
        pass


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 4})


class DemandForm(ListingForm):
    rich_fields = ("problem",)

    class Meta:
        model = DemandPage
        fields = [
            "title",
            "keywords",
            "industry_chain",
            "technology_field",
            "district",
            "problem",
            "current_state",
            "benchmark",
            "expected_outcome",
            "application_scenario",
            "bid_deadline",
            "delivery_deadline",
            "ip_ownership",
            "budget_kind",
            "budget_min",
            "budget_max",
            "cooperation_modes",
            "bidder_requirements",
            "required_stage",
            "winners_count",
            "sealed_bids",
            "confidential_details",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "bid_deadline": DATETIME_WIDGET,
            "delivery_deadline": DATE_WIDGET,
            "current_state": TEXTAREA,
            "benchmark": TEXTAREA,
            "expected_outcome": TEXTAREA,
            "application_scenario": TEXTAREA,
            "bidder_requirements": TEXTAREA,
            "confidential_details": TEXTAREA,
        }


class TechnologyForm(ListingForm):
    rich_fields = ("description",)

    class Meta:
        model = TechnologyPage
        fields = [
            "title",
            "keywords",
            "technology_field",
            "industry_chain",
            "district",
            "summary",
            "description",
            "attribute",
            "level",
            "stage",
            "trl",
            "indicators",
            "application_scenarios",
            "advantages",
            "cooperation_modes",
            "price_kind",
            "asking_price",
            "team_lead",
            "team_members",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "indicators": TEXTAREA,
            "application_scenarios": TEXTAREA,
            "advantages": TEXTAREA,
            "team_members": TEXTAREA,
        }


def child_initial(page, relation: str, fields: list[str]) -> list[dict]:
    rows = []
    for position, child in enumerate(getattr(page, relation).all()):
        row = {name: getattr(child, name) for name in fields}
        rows.append({**row, "ref": child_ref(child, position), "instance": child})
    return rows


def listing_forms(kind: str, page, data=None, files=None):
    """The page form and its inline formsets, bound to POST data or filled from the draft."""
    form_class, formsets = LISTING_FORMS[kind]
    form = form_class(data, files, instance=page)
    bound = {}
    for prefix, formset_class in formsets.items():
        fields = list(formset_class.form._meta.fields)
        initial = [] if page.pk is None else child_initial(page, prefix, fields)
        formset = formset_class(data, files, prefix=prefix, initial=initial)
        for row_form, row in zip(formset.forms, initial, strict=False):  # extra rows have none
            row_form.child = row["instance"]
        bound[prefix] = formset
    return form, bound


# kind → (page form, inline formsets by prefix)
LISTING_FORMS = {
    "demand": (
        DemandForm,
        {"indicators": IndicatorFormSet, "attachments": DemandAttachmentFormSet},
    ),
    "technology": (
        TechnologyForm,
        {"ip_items": IPFormSet, "attachments": TechnologyAttachmentFormSet},
    ),
}
