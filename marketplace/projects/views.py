"""Project pages: the parties' list and detail in /workspace/, the public notices, each decision.

Thin views over services: every view finds the project through a selector that checks
who may see it (404 otherwise), and every POST goes through a service that checks the
rule again and changes nothing when it refuses.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.bidding import ledger
from marketplace.bidding.models import ContractState, TechContract
from marketplace.bidding.selectors import deal_contract, deal_payments
from marketplace.organisations.permissions import is_curator

from . import permissions as perms
from . import selectors, services
from .forms import (
    AcceptanceForm,
    ContractForm,
    ContractReturnForm,
    MilestoneReportForm,
    ObjectionForm,
    PaymentForm,
    ReasonForm,
    ResolveForm,
)
from .models import Acceptance, AcceptanceState, MilestoneReport, Objection, ProjectMilestone


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for msgs in error.message_dict.values() for m in msgs]
    return list(error.messages)


def _flash_errors(request, error: ValidationError) -> None:
    for message in _errors(error):
        messages.error(request, message)


def _decide(request, project_id: int, decision: Callable[[], object], done: str):
    """Run one decision service: refused is a 404, bad input flashed errors; back to the project."""
    try:
        decision()
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, done)
    return redirect("projects:detail", pk=project_id)


@login_required
def project_list(request):
    return render(
        request,
        "projects/project_list.html",
        {"projects": selectors.project_list(request.user), "is_curator": is_curator(request.user)},
    )


def _detail_context(request, project, **extra):
    user = request.user
    milestones = list(project.milestones.prefetch_related("reports__values__indicator"))
    acceptance = project.acceptances.prefetch_related("results").first()
    owner = perms.is_owner(user, project)
    curator = is_curator(user)
    context = {
        "project": project,
        "milestones": milestones,
        "consortium": list(project.consortium.all()),
        "objections": list(project.objections.all()),
        "acceptance": acceptance,
        "is_owner": owner,
        "is_winner": perms.is_winner(user, project),
        "is_curator": curator,
        "can_report": perms.can_report(user, project),
        "can_decide": perms.can_decide_milestone(user, project),
        "start_blocker": services.start_blocker(project),
        "can_start": perms.can_start(user, project),
        "acceptance_blocker": services.acceptance_blocker(project),
        "can_sign": acceptance is not None
        and (
            (owner and acceptance.state == AcceptanceState.PENDING)
            or (curator and acceptance.state == AcceptanceState.OWNER_SIGNED)
        ),
        "can_return_acceptance": acceptance is not None
        and (owner or curator)
        and acceptance.state in (AcceptanceState.PENDING, AcceptanceState.OWNER_SIGNED),
        "reason_form": ReasonForm(),
        "resolve_form": ResolveForm(),
        **_ledger_context(user, project),
    }
    context.update(extra)
    return context


def _ledger_context(user, project) -> dict:
    """技术合同登记 and 到账 on the project page: what is recorded, who may add what."""
    deal = selectors.project_deal(project)
    if deal is None:
        return {"deal": None}
    contract = deal_contract(deal)
    payments, paid = deal_payments(deal)
    open_for_contract = contract is None or contract.state == ContractState.RETURNED
    return {
        "deal": deal,
        "contract": contract,
        "payments": payments,
        "paid_total": paid,
        "can_register_contract": open_for_contract and ledger.can_register_contract(user, deal),
        "can_decide_contract": contract is not None
        and contract.state == ContractState.SUBMITTED
        and is_curator(user),
        "can_record_payment": ledger.can_record_payment(user, deal),
        "contract_form": ContractForm(
            initial=_contract_initial(contract, deal),
        ),
        "contract_return_form": ContractReturnForm(),
        "payment_form": PaymentForm(),
    }


def _contract_initial(contract, deal) -> dict:
    if contract is not None:  # a returned contract: corrected and resubmitted
        return {
            "contract_type": contract.contract_type,
            "number": contract.number,
            "registry": contract.registry,
            "signed_on": contract.signed_on,
            "registered_on": contract.registered_on,
            "amount": contract.amount,
            "technology_amount": contract.technology_amount,
        }
    return {"registry": ledger.default_registry(), "amount": deal.amount}


@login_required
def project_detail(request, pk: int):
    project = selectors.project_get(request.user, pk)
    return render(request, "projects/project_detail.html", _detail_context(request, project))


@login_required
@require_POST
def project_start(request, pk: int):
    project = selectors.project_get(request.user, pk)
    return _decide(
        request,
        project.pk,
        lambda: services.project_start(project=project, user=request.user),
        _("项目已启动。"),
    )


@login_required
@require_POST
def objection_resolve(request, pk: int):
    objection = get_object_or_404(Objection.objects.select_related("project"), pk=pk)
    project = selectors.project_get(request.user, objection.project_id)
    if not is_curator(request.user):
        raise Http404
    form = ResolveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("projects:detail", pk=project.pk)
    try:
        services.objection_resolve(
            user=request.user,
            objection=objection,
            upheld=form.cleaned_data["decision"] == "upheld",
            resolution=form.cleaned_data["resolution"],
        )
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("异议已处理。"))
    return redirect("projects:detail", pk=project.pk)


def _milestone(request, pk: int) -> ProjectMilestone:
    milestone = get_object_or_404(ProjectMilestone.objects.select_related("project"), pk=pk)
    milestone.project = selectors.project_get(request.user, milestone.project_id)
    return milestone


@login_required
def milestone_report(request, pk: int):
    milestone = _milestone(request, pk)
    project = milestone.project
    if not perms.is_winner(request.user, project):
        raise Http404
    indicators = list(project.demand.indicators.all()) if project.demand else []
    form = MilestoneReportForm(request.POST or None, request.FILES or None, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_report(
                user=request.user,
                milestone=milestone,
                text=form.cleaned_data["text"],
                file=form.cleaned_data.get("file"),
                values=form.indicator_values(),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("进展已报告，等待需求方确认。")
                if project.kind == "demand"
                else _("进展已报告，等待成果方确认。"),
            )
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/milestone_report.html",
        {"project": project, "milestone": milestone, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def milestone_accept(request, pk: int):
    milestone = _milestone(request, pk)
    return _decide(
        request,
        milestone.project_id,
        lambda: services.milestone_accept(user=request.user, milestone=milestone),
        _("里程碑已确认。"),
    )


@login_required
@require_POST
def milestone_return(request, pk: int):
    milestone = _milestone(request, pk)
    reason = request.POST.get("reason", "")
    return _decide(
        request,
        milestone.project_id,
        lambda: services.milestone_return(user=request.user, milestone=milestone, reason=reason),
        _("里程碑已退回。"),
    )


@login_required
def report_file(request, pk: int):
    report = get_object_or_404(MilestoneReport.objects.select_related("milestone__project"), pk=pk)
    selectors.project_get(request.user, report.milestone.project_id)
    if not report.file:
        raise Http404
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.original_name or "report",
        content_type=report.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def acceptance_request(request, pk: int):
    project = selectors.project_get(request.user, pk)
    if not perms.is_owner(request.user, project):
        raise Http404
    indicators = list(project.demand.indicators.all()) if project.demand else []
    form = AcceptanceForm(request.POST or None, indicators=indicators)
    blocker = services.acceptance_blocker(project)
    if request.method == "POST" and form.is_valid():
        try:
            services.acceptance_request(
                user=request.user,
                project=project,
                summary=form.cleaned_data["summary"],
                results=form.results(),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("已申请验收，等待签字。"))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/acceptance_form.html",
        {"project": project, "form": form, "blocker": blocker},
        status=400 if form.errors else 200,
    )


def _acceptance(request, pk: int) -> Acceptance:
    acceptance = get_object_or_404(Acceptance.objects.select_related("project"), pk=pk)
    acceptance.project = selectors.project_get(request.user, acceptance.project_id)
    return acceptance


@login_required
@require_POST
def acceptance_sign(request, pk: int):
    acceptance = _acceptance(request, pk)
    return _decide(
        request,
        acceptance.project_id,
        lambda: services.acceptance_sign(user=request.user, acceptance=acceptance),
        _("已签字。"),
    )


@login_required
@require_POST
def acceptance_return(request, pk: int):
    acceptance = _acceptance(request, pk)
    reason = request.POST.get("reason", "")
    return _decide(
        request,
        acceptance.project_id,
        lambda: services.acceptance_return(user=request.user, acceptance=acceptance, reason=reason),
        _("验收已退回。"),
    )


# -- 技术合同登记 and 到账 -----------------------------------------------------------------


def _party_deal(request, pk: int, allowed):
    """The project (404 unless the user sees it) and its deal, if ``allowed(user, deal)``."""
    project = selectors.project_get(request.user, pk)
    deal = selectors.project_deal(project)
    if deal is None or not allowed(request.user, deal):
        raise Http404
    return project, deal


def _ledger_form_post(request, project, form, write, done: str, anchor: str, form_key: str):
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, done)
            return redirect(services.project_url(project) + anchor)
    context = _detail_context(request, project, **{form_key: form})
    return render(request, "projects/project_detail.html", context, status=400)


@login_required
@require_POST
def contract_register(request, pk: int):
    project, deal = _party_deal(request, pk, ledger.is_party)
    return _ledger_form_post(
        request,
        project,
        ContractForm(request.POST),
        lambda data: ledger.contract_register(
            user=request.user, deal=deal, target_url=services.project_url(project), **data
        ),
        _("技术合同已登记，等待管理部门确认。"),
        "#contract",
        "contract_form",
    )


@login_required
@require_POST
def payment_record(request, pk: int):
    project, deal = _party_deal(
        request, pk, lambda user, d: ledger.is_payer(user, d) or is_curator(user)
    )
    return _ledger_form_post(
        request,
        project,
        PaymentForm(request.POST),
        lambda data: ledger.payment_record(
            user=request.user, deal=deal, target_url=services.project_url(project), **data
        ),
        _("到账已登记。"),
        "#payments",
        "payment_form",
    )


def _contract(request, pk: int) -> tuple[TechContract, object]:
    contract = get_object_or_404(TechContract.objects.select_related("deal"), pk=pk)
    project_id = selectors.project_id_of_deal(contract.deal)
    if project_id is None:  # a match deal's contract: no project page
        raise Http404
    project = selectors.project_get(request.user, project_id)
    if not is_curator(request.user):
        raise Http404
    return contract, project


@login_required
@require_POST
def contract_confirm(request, pk: int):
    contract, project = _contract(request, pk)
    return _decide(
        request,
        project.pk,
        lambda: ledger.contract_confirm(
            user=request.user, contract=contract, target_url=services.project_url(project)
        ),
        _("技术合同登记已确认。"),
    )


@login_required
@require_POST
def contract_return(request, pk: int):
    contract, project = _contract(request, pk)
    reason = request.POST.get("reason", "")
    return _decide(
        request,
        project.pk,
        lambda: ledger.contract_return(
            user=request.user,
            contract=contract,
            reason=reason,
            target_url=services.project_url(project),
        ),
        _("技术合同登记已退回。"),
    )


# -- public: 揭榜结果公示 ---------------------------------------------------------------


def notice_list(request):
    return render(request, "projects/notice_list.html", {"projects": selectors.notice_list()})


def notice_detail(request, pk: int):
    project = selectors.notice_get(pk)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        if form.is_valid():
            try:
                services.objection_file(
                    user=request.user, project=project, reason=form.cleaned_data["reason"]
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as error:
                for message in _errors(error):
                    form.add_error(None, message)
            else:
                messages.success(request, _("异议已提交，管理部门将处理并反馈。"))
                return redirect("projects_public:notice_detail", pk=project.pk)
    return render(
        request,
        "projects/notice_detail.html",
        {
            "project": project,
            "consortium": list(project.consortium.all()),
            "form": form,
            "can_object": perms.can_object(request.user, project),
        },
        status=400 if form.errors else 200,
    )
