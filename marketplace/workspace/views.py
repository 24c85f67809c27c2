"""The member workspace: dashboard, draft forms, submit and withdraw (thin views over cms.services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import lifecycle, services
from cms.completeness import listing_completeness
from cms.forms import LISTING_FORMS, add_service_errors, listing_forms
from cms.permissions import can_edit_listing
from marketplace.organisations.models import Organisation
from marketplace.organisations.permissions import is_member_of

from .pending import keep_uploads, release_uploads, restore_files
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


def forms_valid(form, formsets) -> bool:
    return form.is_valid() and all(fs.is_valid() for fs in formsets.values())


def save_listing(request, form, formsets, save):
    """Run the service on valid input; on failure put its errors on the form and return None."""
    if not forms_valid(form, formsets):
        return None
    data, children = collect_input(form, formsets)
    try:
        return save(data=data, children=children)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


#: The editor's submit buttons (``name="action"``): save, save and submit, preview;
#: a button ``name="add_row" value=<formset prefix>`` adds a row without JavaScript.
SAVE, SUBMIT, PREVIEW = "save", "submit", "preview"


def posted_draft(kind, page, organisation, form, formsets):
    """The listing as the posted form would make it, in memory (nothing is saved).

    Valid fields and rows only: the completeness box and the preview show the input, not
    the last saved version.
    """
    draft = (
        services.listing_draft(type(page).objects.get(pk=page.pk))
        if page.pk
        else lifecycle.listing_model(kind)(organisation=organisation)
    )
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    services.apply_fields(draft, data)
    for prefix, formset in formsets.items():
        if not formset.is_valid():
            continue
        rows = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        try:
            services.apply_children(draft, prefix, rows)
        except ValidationError:
            continue
    return draft


def editor_forms(request, kind, page):
    """The bound (or unbound) editor forms, kept uploads restored into their rows."""
    prefixes = list(LISTING_FORMS[kind][1])
    if request.method != "POST":
        form, formsets = listing_forms(kind, page)
        return form, formsets, {}
    data = request.POST
    prefix = request.POST.get("add_row")
    if prefix:
        data = request.POST.copy()
        if prefix in prefixes:
            try:
                total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
            except ValueError:
                total = 0
            data[f"{prefix}-TOTAL_FORMS"] = str(min(total + 1, 50))
    files, restored = restore_files(request.user, data, request.FILES, prefixes)
    form, formsets = listing_forms(kind, page, data, files)
    return form, formsets, restored


def quiet(form, formsets) -> None:
    """Show a form re-rendered for another row without the errors of rows not filled yet."""
    form._errors = ErrorDict()
    for formset in formsets.values():
        formset._errors = [ErrorDict() for _row in formset.forms]
        formset._non_form_errors = formset.error_class()
        for row in formset.forms:
            row._errors = ErrorDict()


def editor_post(request, kind, page, organisation, form, formsets, restored, save):
    """Handle the editor's POST; returns a response, or None to re-render the editor."""
    action = request.POST.get("action") or SAVE
    if request.POST.get("add_row"):
        forms_valid(form, formsets)
        keep_uploads(request.user, formsets.values(), restored)
        quiet(form, formsets)
        return None
    if action == PREVIEW:
        if forms_valid(form, formsets):
            keep_uploads(request.user, formsets.values(), restored)
            return render_preview(request, kind, organisation, form, formsets, page)
        keep_uploads(request.user, formsets.values(), restored)
        return None
    saved = save_listing(request, form, formsets, save)
    if saved is None:
        keep_uploads(request.user, formsets.values(), restored)
        return None
    release_uploads(restored)
    if action == SUBMIT:
        try:
            services.listing_submit(user=request.user, page=type(saved).objects.get(pk=saved.pk))
        except ValidationError as error:
            for message in error.messages:
                messages.error(
                    request, _("草稿已保存，但未能提交审核：%(reason)s") % {"reason": message}
                )
            return redirect("workspace:listing_edit", kind=kind, pk=saved.pk)
        messages.success(request, _("已保存并提交平台审核。"))
        return redirect("workspace:dashboard")
    if page.pk:
        messages.success(request, _("已保存为新版本；提交审核并通过后才会公开。"))
    else:
        messages.success(request, _("草稿已保存。"))
    return redirect("workspace:listing_edit", kind=kind, pk=saved.pk)


def render_preview(request, kind, organisation, form, formsets, page):
    """The listing page as it will look, built from the unsaved input."""
    draft = posted_draft(kind, page, organisation, form, formsets)
    # Rows added in this form have no id yet: they cannot be linked, so the preview
    # lists them by name only (workspace/preview_*.html).
    new_attachments = [a for a in draft.attachments.all() if not a.pk]
    draft.attachments = [a for a in draft.attachments.all() if a.pk]
    return render(
        request,
        f"workspace/preview_{kind}.html",
        {
            "page": draft,
            "self": draft,
            "kind": kind,
            "show_confidential": True,
            "show_contact": True,
            "can_edit": False,
            "public_attachments": [a for a in draft.attachments.all() if a.is_public],
            "new_attachments": new_attachments,
            "preview": True,
        },
    )


def render_editor(request, kind, page, form, formsets, organisation):
    posted = request.method == "POST"
    return render(
        request,
        "workspace/listing_form.html",
        {
            "kind": kind,
            "page": page,
            "form": form,
            "formsets": formsets,
            "organisation": organisation,
            # After a POST the box scores the input, not the last saved version.
            "completeness": listing_completeness(
                posted_draft(kind, page, organisation, form, formsets) if posted else page
            ),
            "can_submit": organisation.is_verified,
        },
    )


@login_required
def listing_create(request, organisation_id: int):
    organisation = member_organisation(request, organisation_id)
    kind = organisation.listing_kind
    blank = lifecycle.listing_model(kind)(organisation=organisation)
    form, formsets, restored = editor_forms(request, kind, blank)
    if request.method == "POST":
        response = editor_post(
            request,
            kind,
            blank,
            organisation,
            form,
            formsets,
            restored,
            lambda **kw: services.listing_create(
                user=request.user, organisation=organisation, **kw
            ),
        )
        if response is not None:
            return response
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
    form, formsets, restored = editor_forms(request, kind, draft)
    if request.method == "POST":
        response = editor_post(
            request,
            kind,
            draft,
            page.organisation,
            form,
            formsets,
            restored,
            lambda **kw: services.listing_update(user=request.user, page=page, **kw),
        )
        if response is not None:
            return response
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
