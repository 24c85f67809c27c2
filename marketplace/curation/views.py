"""Curator-only admin views: the catalogue import/export desk."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cms import lifecycle
from cms.lifecycle import LISTING_KINDS
from marketplace.organisations.permissions import is_curator

from .forms import CatalogueImportForm
from .models import ImportUpload
from .services import (
    EXPORT_KINDS,
    IMPORT_CONFIRM_TTL,
    ImportConfirmError,
    catalogue_export,
    catalogue_import_confirm,
    catalogue_import_stage,
    catalogue_template,
)
from .workbook import WorkbookError

IMPORT_CONFIRM_HOURS = int(IMPORT_CONFIRM_TTL.total_seconds() // 3600)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILENAMES = {
    "demand": "技术需求目录",
    "technology": "科技成果目录",
    "bids": "揭榜记录",
    "deals": "成交记录",
}


def curator_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_curator(request.user):
            return HttpResponseForbidden(_("仅平台审核人员可以使用此功能。"))
        return view(request, *args, **kwargs)

    return wrapped


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@curator_required
@require_http_methods(["GET", "POST"])
def catalogue(request):
    """Step 1 of an import: upload → dry run report (→ 确认导入, the view below)."""
    form = CatalogueImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report, staged = catalogue_import_stage(
                actor=request.user,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                partial=form.cleaned_data["partial"],
            )
        except WorkbookError as error:
            # Raised before anything is written: the form comes back with the reason.
            form.add_error("file", error)
        else:
            return render(
                request,
                "curation/import_result.html",
                {"report": report, "staged": staged, "ttl_hours": IMPORT_CONFIRM_HOURS},
            )
    return render(
        request,
        "curation/catalogue.html",
        {
            "form": form,
            "export_links": [(kind, FILENAMES[kind]) for kind in EXPORT_KINDS],
        },
    )


@curator_required
@require_POST
def catalogue_confirm(request, token: str):
    """Step 2: import the file the dry run checked; only its uploader may, and only once."""
    staged = get_object_or_404(ImportUpload, token=token, user=request.user)
    try:
        report = catalogue_import_confirm(actor=request.user, upload=staged)
    except (ImportConfirmError, WorkbookError) as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("curation:catalogue")
    return render(
        request,
        "curation/import_result.html",
        {"report": report, "explore_url": _explore_url(report.kind)},
    )


def _explore_url(kind: str) -> str:
    index = lifecycle.index_model(kind).objects.first()
    return reverse("wagtailadmin_explore", args=[index.pk]) if index else ""


@curator_required
def template(request, kind: str):
    if kind not in LISTING_KINDS:
        raise Http404
    return _xlsx(catalogue_template(kind=kind), f"{FILENAMES[kind]}导入模板.xlsx")


@curator_required
def export(request, kind: str):
    if kind not in EXPORT_KINDS:
        raise Http404
    return _xlsx(catalogue_export(kind=kind, actor=request.user), f"{FILENAMES[kind]}.xlsx")
