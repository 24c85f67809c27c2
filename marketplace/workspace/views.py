"""The member workspace: dashboard, draft forms, submit and withdraw (thin views over cms.services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import lifecycle, services
from cms.completeness import listing_completeness
from cms.forms import add_service_errors, listing_forms
from cms.permissions import can_edit_listing
from marketplace.organisations.models import Organisation
from marketplace.organisations.permissions import is_member_of

from .selectors import membership_list, workspace_blocks


@login_required
def dashboard(request):
    memberships = list(membership_list(request.user))
    if not memberships:
        return redirect("organisations:onboard")
    return render(
        request,
        "workspace/dashboard.html",
        {
            "blocks": workspace_blocks(request.user, memberships),
            "pending": [m for m in memberships if not m.is_active],
        },
    )


def member_listing(request, kind: str, pk: int):
    """The listing, if the user is an active member of its organisation; 404 for anyone else."""
    if kind not in lifecycle.LISTING_KINDS:
        raise Http404
    page = get_object_or_404(
        lifecycle.listing_model(kind).objects.select_related("organisation"), pk=pk
    )
    if not is_member_of(request.user, page.organisation_id):
        raise Http404
    return page


def member_organisation(request, organisation_id: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    if organisation.listing_kind is None or not is_member_of(request.user, organisation.pk):
        raise Http404
    return organisation


def collect_input(form, formsets) -> tuple[dict, dict]:
    children = {
        prefix: [f.cleaned_data for f in formset.forms if f.cleaned_data]
        for prefix, formset in formsets.items()
    }
    return dict(form.cleaned_data), children


def save_listing(request, form, formsets, save):
    """Run the service on valid input; on failure put its errors on the form and return None."""
    if not (form.is_valid() and all(fs.is_valid() for fs in formsets.values())):
        return None
    data, children = collect_input(form, formsets)
    try:
        return save(data=data, children=children)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def render_editor(request, kind, page, form, formsets, organisation):
    return render(
        request,
        "workspace/listing_form.html",
        {
            "kind": kind,
            "page": page,
            "form": form,
            "formsets": formsets,
            "organisation": organisation,
            "completeness": listing_completeness(page),
        },
    )


@login_required
def listing_create(request, organisation_id: int):
    organisation = member_organisation(request, organisation_id)
    kind = organisation.listing_kind
    blank = lifecycle.listing_model(kind)(organisation=organisation)
    form, formsets = listing_forms(kind, blank, request.POST or None, request.FILES or None)
    if request.method == "POST":
        page = save_listing(
            request,
            form,
            formsets,
            lambda **kw: services.listing_create(
                user=request.user, organisation=organisation, **kw
            ),
        )
        if page is not None:
            messages.success(request, _("草稿已保存。"))
            return redirect("workspace:listing_edit", kind=kind, pk=page.pk)
    return render_editor(request, kind, blank, form, formsets, organisation)


@login_required
def listing_edit(request, kind, pk):
    page = member_listing(request, kind, pk)
    if not can_edit_listing(request.user, page) or page.workflow_in_progress:
        messages.warning(
            request,
            _("该项目当前状态（%(status)s）不能修改。") % {"status": page.get_status_display()},
        )
        return redirect("workspace:dashboard")
    draft = services.listing_draft(page)
    form, formsets = listing_forms(kind, draft, request.POST or None, request.FILES or None)
    if request.method == "POST":
        saved = save_listing(
            request,
            form,
            formsets,
            lambda **kw: services.listing_update(user=request.user, page=page, **kw),
        )
        if saved is not None:
            messages.success(request, _("已保存为新版本；提交审核并通过后才会公开。"))
            return redirect("workspace:listing_edit", kind=kind, pk=page.pk)
    return render_editor(request, kind, draft, form, formsets, page.organisation)


def run_action(request, kind, pk, action, done: str):
    page = member_listing(request, kind, pk)
    try:
        action(user=request.user, page=page)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("workspace:dashboard")


@login_required
@require_POST
def listing_submit(request, kind, pk):
    return run_action(request, kind, pk, services.listing_submit, _("已提交平台审核。"))


@login_required
def listing_withdraw(request, kind, pk):
    """Withdrawal is final for the member: GET explains it, a POST with confirm=1 acts."""
    page = member_listing(request, kind, pk)
    if not lifecycle.can_move(page, lifecycle.Transition.WITHDRAW):
        messages.error(
            request,
            _("当前状态（%(status)s）不能撤回。") % {"status": page.get_status_display()},
        )
        return redirect("workspace:dashboard")
    if request.method == "POST" and request.POST.get("confirm") == "1":
        done = _("已撤回“%(title)s”。如需重新发布，请联系平台工作人员。") % {"title": page.title}
        return run_action(request, kind, pk, services.listing_withdraw, done)
    return render(
        request,
        "workspace/withdraw_confirm.html",
        {"page": page, "kind": kind, "in_review": page.status == "in_review"},
    )


@login_required
def listing_matches(request, kind, pk):
    """The engine's best counterparts for one of my organisation's live listings."""
    page = member_listing(request, kind, pk)
    return render(request, "workspace/listing_matches.html", {"page": page, "kind": kind})
