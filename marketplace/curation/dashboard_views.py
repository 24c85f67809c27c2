"""Curator-only dashboard pages and their .xlsx exports (same filters, same figures)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.utils.functional import Promise

from marketplace.audit.services import audit_record

from . import selectors
from .dashboard import PAGES, TABLES, DashboardFilterForm, page_tables, table_export
from .views import _xlsx, curator_required
from .workbook import build_table


def _form(request) -> DashboardFilterForm:
    params = {k: v for k, v in request.GET.items() if k in DashboardFilterForm.base_fields}
    return DashboardFilterForm(params or None)


def _querystring(request) -> str:
    kept = {k: v for k, v in request.GET.items() if k in DashboardFilterForm.base_fields and v}
    return urlencode(kept)


@curator_required
def dashboard(request, page: str = "overview"):
    if page not in PAGES:
        raise Http404
    form = _form(request)
    filters = form.filters()
    return render(
        request,
        "curation/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "page": PAGES[page],
            "pages": PAGES.values(),
            "tables": page_tables(page, filters),
            "querystring": _querystring(request),
            "has_match_funnel": selectors.match_model() is not None,
        },
    )


def _cells(row: list) -> list:
    # Labels may be lazy translations; openpyxl writes plain values only.
    return [str(cell) if isinstance(cell, Promise) else cell for cell in row]


@curator_required
def dashboard_export(request, key: str):
    if key not in TABLES:
        raise Http404
    filters = _form(request).filters()
    table = table_export(key, filters)
    if table is None:
        raise Http404
    data = build_table(
        str(table.title)[:31], [str(h) for h in table.headers], [_cells(r) for r in table.rows]
    )
    audit_record(
        actor=request.user,
        action="dashboard.export",
        obj=None,
        note=key,
        details={"table": key, "filters": _querystring(request)},
    )
    return _xlsx(data, f"{table.title}.xlsx")
