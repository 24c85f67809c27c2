"""Curator admin views for 需求诊断: the review queue and the structured send-back form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.models import Page

from cms.lifecycle import listing_models
from cms.services import listing_draft

from .diagnosis import (
    DiagnosisError,
    can_diagnose,
    diagnosis_fields,
    diagnosis_send,
    review_queue,
    review_task_state,
)
from .views import curator_required


class DiagnosisForm(forms.Form):
    """One checkbox and comment per diagnosable line, and the overall comment."""

    comment = forms.CharField(
        label=gettext_lazy("总体意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("会作为审核意见发给项目单位，并显示在其工作台。"),
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"check_{line.key}"] = forms.BooleanField(
                label=line.label, required=False, initial=line.flagged
            )
            self.fields[f"note_{line.key}"] = forms.CharField(
                label=_("说明"), required=False, max_length=500, initial=line.message
            )

    def rows(self):
        """(line, checkbox, comment) for the template, grouped by the caller."""
        return [(line, self[f"check_{line.key}"], self[f"note_{line.key}"]) for line in self.lines]

    def items(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [
            {
                "kind": line.kind,
                "field": line.field,
                "label": line.label,
                "comment": data.get(f"note_{line.key}", ""),
            }
            for line in self.lines
            if data.get(f"check_{line.key}")
        ]


def listing_or_404(page_id: int):
    page = get_object_or_404(Page, pk=page_id).specific
    if not isinstance(page, listing_models()):
        raise Http404
    return page


@curator_required
def queue(request):
    return render(request, "curation/diagnosis/queue.html", {"rows": review_queue()})


@curator_required
@require_http_methods(["GET", "POST"])
def diagnose(request, page_id: int):
    page = listing_or_404(page_id)
    if review_task_state(page) is None:
        messages.error(request, _("该项目当前不在审核中，不能诊断退回。"))
        return redirect("curation_diagnosis:queue")
    if not can_diagnose(request.user, page):
        return render(request, "curation/diagnosis/forbidden.html", status=403)
    draft = listing_draft(page)
    form = DiagnosisForm(request.POST or None, lines=diagnosis_fields(draft))
    if request.method == "POST" and form.is_valid():
        try:
            diagnosis_send(
                curator=request.user,
                page=page,
                items=form.items(),
                comment=form.cleaned_data["comment"],
            )
        except DiagnosisError as error:
            form.add_error(None, error.messages)
        except ValidationError as error:  # pragma: no cover - model validation
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, _("已退回“%(title)s”，诊断意见已通知项目单位。") % {"title": page.title}
            )
            return redirect("curation_diagnosis:queue")
    return render(
        request,
        "curation/diagnosis/form.html",
        {
            "page": page,
            "draft": draft,
            "form": form,
            "vague_rows": [row for row in form.rows() if row[0].kind == "vague"],
            "indicator_rows": [row for row in form.rows() if row[0].kind == "indicator"],
            "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
        },
    )
