"""Onboarding, join requests and the owners' members page; every object checked on the server."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import EnterpriseTierFormSet, JoinSearchForm, OrganisationForm
from .models import Membership, Organisation

TIER_FIELDS = ("tier", "certified_on", "expires_on", "certificate_number")


@login_required
def onboard(request):
    """Choose between registering a new organisation and asking to join one."""
    search = JoinSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    return render(
        request,
        "organisations/onboard.html",
        {
            "search": search,
            "query": query,
            "results": selectors.organisation_search(query),
            "memberships": selectors.membership_list_of_user(request.user),
        },
    )


@login_required
def register(request):
    """Register a new organisation; the user becomes its owner and it awaits verification."""
    form = OrganisationForm(request.POST or None)
    tiers = EnterpriseTierFormSet(request.POST or None, prefix="tiers")
    if request.method == "POST" and form.is_valid() and tiers.is_valid():
        try:
            organisation = services.organisation_register(
                user=request.user, data=form.cleaned_data, tiers=_tier_rows(tiers)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("单位已提交，平台审核通过后即可提交项目。"))
            return redirect("organisations:members", organisation.pk)
    return render(
        request,
        "organisations/register.html",
        {
            "form": form,
            "tiers": tiers,
            "duplicate_code": form.has_error("credit_code", "duplicate"),
        },
    )


def _tier_rows(formset) -> list[dict]:
    return [
        {field: form.cleaned_data.get(field) for field in TIER_FIELDS}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data
    ]


@login_required
@require_POST
def join(request, pk: int):
    """Ask to join an organisation found by search."""
    organisation = get_object_or_404(
        Organisation.objects.filter(kind__in=selectors.REGISTRABLE_KINDS), pk=pk
    )
    try:
        services.membership_request(user=request.user, organisation=organisation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("已向 %(org)s 提交加入申请，请等待单位管理员审批。") % {"org": organisation}
        )
    return redirect("organisations:onboard")


@login_required
def members(request, pk: int):
    """An organisation's members and open join requests; members only, others get 404."""
    organisation, membership = selectors.organisation_for_member(request.user, pk)
    return render(
        request,
        "organisations/members.html",
        {
            "organisation": organisation,
            "membership": membership,
            "memberships": selectors.membership_list(organisation),
            "tiers": organisation.tiers.all(),
        },
    )


@login_required
@require_POST
def membership_decide(request, pk: int, membership_pk: int, decision: str):
    """An owner approves or declines a join request."""
    organisation, membership = selectors.organisation_for_member(request.user, pk)
    if not membership.is_owner:
        raise Http404
    request_ = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
    service = {"approve": services.membership_approve, "decline": services.membership_decline}
    try:
        decided = service[decision](membership=request_, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("已处理 %(user)s 的加入申请：%(status)s。")
            % {"user": decided.user, "status": decided.get_status_display()},
        )
    return redirect("organisations:members", organisation.pk)


@login_required
def edit(request, pk: int):
    """An owner corrects an unverified organisation and sends it back for review."""
    organisation, membership = selectors.organisation_for_member(request.user, pk)
    if not membership.is_owner:
        raise Http404
    if organisation.is_verified:
        messages.info(request, _("已认证单位的信息变更请联系平台工作人员。"))
        return redirect("organisations:members", organisation.pk)
    form = OrganisationForm(request.POST or None, instance=organisation)
    del form.fields["kind"]
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                organisation=organisation, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("单位信息已更新，等待平台重新审核。"))
            return redirect("organisations:members", organisation.pk)
    return render(request, "organisations/edit.html", {"form": form, "organisation": organisation})
