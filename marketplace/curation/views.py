"""Curator-only admin views: the catalogue import/export desk."""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cms.lifecycle import LISTING_KINDS
from marketplace.organisations.permissions import is_curator

from .forms import CatalogueImportForm
from .services import EXPORT_KINDS, catalogue_export, catalogue_import, catalogue_template
from .workbook import WorkbookError

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
    form = CatalogueImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = catalogue_import(
                source=upload.file,
                kind=form.cleaned_data["kind"],
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                partial=form.cleaned_data["partial"],
                filename=upload.name,
            )
        except WorkbookError as error:
            # Raised before anything is written: the form comes back with the reason.
            form.add_error("file", error)
        else:
            return render(request, "curation/import_result.html", {"report": report})
    return render(
        request,
        "curation/catalogue.html",
        {
            "form": form,
            "export_links": [(kind, FILENAMES[kind]) for kind in EXPORT_KINDS],
        },
    )


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
