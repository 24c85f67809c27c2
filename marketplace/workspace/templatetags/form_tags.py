"""``{% error_summary form formsets … %}``: every error of a form at its top, each linked to its field.

Takes forms, formsets, and dicts or lists of them (``formsets`` of the listing editor), plus
``sections``: errors of a part of the page that is not a field (``{"milestones": [...]}``,
linked to the element with that id). Renders nothing when there is no error.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()


@dataclass
class ErrorEntry:
    label: str
    message: str
    anchor: str


def _flatten(items):
    for item in items:
        if isinstance(item, dict):
            yield from _flatten(item.values())
        elif isinstance(item, list | tuple):
            yield from _flatten(item)
        elif item is not None and item != "":
            yield item


def _row_label(form: forms.BaseForm, row: int) -> str:
    """ "核心技术指标 第2行": the list's name (its model's) and the row's number."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    number = _("第%(n)d行") % {"n": row}
    # Only a name the model declares (Django's default would be English, "technology ip").
    name = model._meta.original_attrs.get("verbose_name") if model is not None else None
    return f"{name} {number}" if name else number


def _form_entries(form: forms.BaseForm, row: int | None = None) -> list[ErrorEntry]:
    if not form.is_bound:
        return []
    entries = []
    row_label = _row_label(form, row) if row is not None else ""
    for message in form.non_field_errors():
        # A row's own errors link to the row (formset.html gives it this id).
        anchor = f"row-{form.prefix}" if row is not None else ""
        entries.append(ErrorEntry(row_label, message, anchor))
    for name, errors in form.errors.items():
        if name not in form.fields:
            continue
        bound = form[name]
        label = f"{row_label} · {bound.label}" if row_label else str(bound.label)
        for message in errors:
            entries.append(ErrorEntry(label, message, bound.id_for_label or bound.auto_id))
    return entries


def error_entries(*items, sections=None) -> list[ErrorEntry]:
    entries: list[ErrorEntry] = []
    for item in _flatten(items):
        if isinstance(item, forms.BaseFormSet):
            if not item.is_bound:
                continue
            for message in item.non_form_errors():
                entries.append(ErrorEntry(_("列表"), message, f"formset-{item.prefix}"))
            for index, row in enumerate(item.forms, start=1):
                entries.extend(_form_entries(row, index))
        elif isinstance(item, forms.BaseForm):
            entries.extend(_form_entries(item))
    for anchor, messages in (sections or {}).items():
        for message in messages:
            entries.append(ErrorEntry("", message, anchor))
    return entries


@register.inclusion_tag("workspace/includes/error_summary.html")
def error_summary(*items, sections=None):
    return {"entries": error_entries(*items, sections=sections)}
