"""Thin views: parse input, ask permissions, call one service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.lifecycle import ListingKind, accepts_bids, kind_of
from cms.templatetags.money import yuan
from marketplace.workspace.pending import keep_uploads, release_uploads, restore_files

from . import permissions as perms
from . import selectors, services
from .forms import (
    AnswerForm,
    AttachmentFormSet,
    AwardForm,
    DeclineForm,
    DemandBidForm,
    MessageForm,
    MilestoneFormSet,
    QuestionForm,
    TechnologyBidForm,
    attachment_inputs,
    milestone_inputs,
    rebid_initial,
)
from .models import AccessLogEntry, PublicQuestion


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _apply_errors(exc: ValidationError, form, section_errors: dict) -> None:
    """Put a service's errors on the matching form fields (or the section they belong to)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errs in exc.message_dict.items():
        if key.startswith("indicator_") and f"{key}_value" in form.fields:
            form.add_error(f"{key}_value", errs)
        elif key in form.fields:
            form.add_error(key, errs)
        elif key in ("milestones", "attachments"):
            section_errors.setdefault(key, []).extend(errs)
        else:  # NON_FIELD_ERRORS and anything without a field of its own
            form.add_error(None, errs)


def _milestone_initial(bid):
    rows = (
        [{"due_date": m.due_date, "deliverable": m.deliverable} for m in bid.milestones.all()]
        if bid
        else []
    )
    return rows + [{}] * max(3 - len(rows), 1)


def _bid_form(request, listing, bid=None, previous=None):
    form_class = DemandBidForm if kind_of(listing) == ListingKind.DEMAND else TechnologyBidForm
    is_demand = form_class is DemandBidForm
    section_errors: dict[str, list] = {}
    if request.method == "POST":
        form = form_class(request.POST, instance=bid, listing=listing)
        # A demand bid's 进度安排 is required; a take-up request may carry an implementation
        # plan (实施计划: the taker's milestones, e.g. 中试, 量产), copied to the project alike.
        # (A take-up form sent without the plan's rows simply has none.)
        bound = is_demand or "ms-TOTAL_FORMS" in request.POST
        milestones = MilestoneFormSet(request.POST if bound else None, prefix="ms")
        # Files chosen before a validation error come back as kept uploads (workspace.pending).
        uploads, kept = restore_files(request.user, request.POST, request.FILES, ["att"])
        files = AttachmentFormSet(request.POST, uploads, prefix="att")
        milestones_ok = milestones.is_valid() if bound else True
        if form.is_valid() and milestones_ok and files.is_valid():
            data = form.to_input()
            if bound:
                data.milestones = milestone_inputs(milestones)
            data.attachments = attachment_inputs(files)
            data.remove_attachment_ids = [
                int(i) for i in request.POST.getlist("remove_attachment") if i.isdigit()
            ]
            submit = request.POST.get("action") == "submit"
            try:
                saved = services.bid_save(
                    user=request.user,
                    listing=listing,
                    data=data,
                    bid=bid,
                    token=form.cleaned_data.get("token"),
                    submit=submit,
                )
            except PermissionDenied:
                raise Http404
            except ValidationError as exc:
                _apply_errors(exc, form, section_errors)
            else:
                release_uploads(kept)
                messages.success(
                    request, _("揭榜已提交。") if saved.status == "submitted" else _("草稿已保存。")
                )
                return redirect("bidding:bid_detail", pk=saved.pk)
        keep_uploads(request.user, [files], kept)
    else:
        # A new bid after a withdrawn or declined one starts from it (issue 12, point 6).
        start = bid or previous
        initial = rebid_initial(form_class, previous) if bid is None and previous else None
        form = form_class(instance=bid, listing=listing, initial=initial)
        milestones = MilestoneFormSet(prefix="ms", initial=_milestone_initial(start))
        files = AttachmentFormSet(prefix="att")
    return render(
        request,
        "bidding/bid_form.html",
        {
            "listing": listing,
            "bid": bid,
            "form": form,
            "milestones": milestones,
            "files": files,
            "section_errors": section_errors,
            "is_demand": is_demand,
            "previous": previous if bid is None else None,
        },
    )


@login_required
def bid_create(request, kind: str, page_id: int):
    listing = selectors.listing_get(kind, page_id)
    organisation = perms.bidding_organisation(request.user, listing)
    if organisation is None:
        raise Http404
    existing = selectors.active_bid_of(organisation=organisation, listing=listing)
    if existing is not None:
        return redirect("bidding:bid_detail", pk=existing.pk)
    if not accepts_bids(listing):
        messages.error(request, _("该项目当前不接受揭榜。"))
        return redirect(listing.url)
    previous = selectors.previous_bid_of(organisation=organisation, listing=listing)
    return _bid_form(request, listing, previous=previous)


@login_required
def bid_edit(request, pk: int):
    bid = selectors.bid_get(user=request.user, pk=pk)
    if not perms.is_member_of(request.user, bid.organisation_id):
        raise Http404
    if not perms.can_edit_bid(request.user, bid):
        messages.error(request, _("该揭榜已截止或已处理，不能再修改。"))
        return redirect("bidding:bid_detail", pk=bid.pk)
    return _bid_form(request, bid.listing, bid)


@login_required
def bid_detail(request, pk: int):
    bid = selectors.bid_get(user=request.user, pk=pk)
    user = request.user
    return render(
        request,
        "bidding/bid_detail.html",
        {
            "bid": bid,
            "listing": bid.listing,
            "thread": bid.messages.select_related("author", "author_organisation"),
            "can_edit": perms.can_edit_bid(user, bid),
            "can_withdraw": perms.can_withdraw_bid(user, bid),
            "can_decide": perms.can_decide_bid(user, bid),
            "can_message": perms.can_message_bid(user, bid),
            "show_flags": perms.can_view_related_party_flags(user),
            "message_form": MessageForm(),
            "decline_form": DeclineForm(),
        },
    )


def _decision(request, pk: int, action):
    bid = selectors.bid_get(user=request.user, pk=pk)
    try:
        action(bid)
    except PermissionDenied:
        raise Http404
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect("bidding:bid_detail", pk=bid.pk)


def _confirmed(request) -> bool:
    """Irreversible actions act only on a POST from their confirmation page."""
    return request.method == "POST" and request.POST.get("confirm") == "1"


@login_required
def bid_withdraw(request, pk: int):
    """GET (or an unconfirmed POST) explains that a withdrawal is final; a confirmed POST acts."""
    bid = selectors.bid_get(user=request.user, pk=pk)
    if not perms.is_member_of(request.user, bid.organisation_id):
        raise Http404
    if not perms.can_withdraw_bid(request.user, bid):
        messages.error(request, _("该揭榜当前不能撤回。"))
        return redirect("bidding:bid_detail", pk=bid.pk)
    if not _confirmed(request):
        return render(
            request, "bidding/withdraw_confirm.html", {"bid": bid, "listing": bid.listing}
        )
    try:
        services.bid_withdraw(user=request.user, bid=bid)
    except PermissionDenied:
        raise Http404
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("揭榜已撤回。"))
    return redirect("bidding:bid_detail", pk=bid.pk)


def _owner_bid(request, pk: int):
    bid = selectors.bid_get(user=request.user, pk=pk)
    if not perms.is_listing_owner(request.user, bid.listing):
        raise Http404
    return bid


@login_required
@require_POST
def bid_shortlist(request, pk: int):
    _owner_bid(request, pk)
    return _decision(request, pk, lambda b: services.bid_shortlist(user=request.user, bid=b))


@login_required
def bid_award(request, pk: int):
    """定榜 cannot be undone: GET shows what will happen, a confirmed POST awards."""
    bid = _owner_bid(request, pk)
    if not perms.can_decide_bid(request.user, bid):
        messages.error(request, _("该揭榜当前不能定榜。"))
        return redirect("bidding:bid_detail", pk=bid.pk)
    form = AwardForm(request.POST if request.method == "POST" else None)
    if _confirmed(request) and form.is_valid():
        amount = form.cleaned_data.get("amount")
        try:
            awarded = services.bid_award(user=request.user, bid=bid, amount=amount)
        except PermissionDenied:
            raise Http404
        except ValidationError as exc:
            _apply_errors(exc, form, {})
        else:
            messages.success(
                request,
                _("已定榜：%(org)s 中榜，成交金额 %(amount)s。平台已通知揭榜方。")
                % {"org": bid.organisation.name, "amount": yuan(awarded.deal.amount) or "—"},
            )
            return redirect("bidding:bid_detail", pk=bid.pk)
    return render(request, "bidding/award_confirm.html", _award_context(bid, form))


def _award_context(bid, form) -> dict:
    listing = bid.listing
    awarded = selectors.awarded_count(listing=listing)
    return {
        "bid": bid,
        "listing": listing,
        "form": form,
        "awarded_count": awarded,
        "first_award": awarded == 0,
        "winners_count": getattr(listing, "winners_count", None),
        # The award opens a project under public notice (marketplace.projects, docs/projects.md).
        "notice_days": settings.JIEBANG_AWARD_NOTICE_WORKING_DAYS,
    }


@login_required
def bid_decline(request, pk: int):
    bid = _owner_bid(request, pk)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.bid_decline(
                user=request.user,
                bid=bid,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except PermissionDenied:
            raise Http404
        except ValidationError as exc:
            _apply_errors(exc, form, {})
        else:
            messages.success(request, _("已告知揭榜方未中榜原因。"))
            return redirect("bidding:bid_detail", pk=bid.pk)
    return render(request, "bidding/decline.html", {"bid": bid, "form": form})


@login_required
@require_POST
def bid_message(request, pk: int):
    bid = selectors.bid_get(user=request.user, pk=pk)
    form = MessageForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请输入消息内容。"))
        services.bid_message_post(user=request.user, bid=bid, body=form.cleaned_data["body"])
    except PermissionDenied:
        raise Http404
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect(reverse("bidding:bid_detail", kwargs={"pk": bid.pk}) + "#thread")


@login_required
def attachment_download(request, pk: int):
    item = selectors.attachment_get(user=request.user, pk=pk)
    bid = item.bid
    services.access_log_record(
        user=request.user,
        action=AccessLogEntry.Action.ATTACHMENT,
        bid=bid,
        attachment=item,
        demand=bid.demand,
        technology=bid.technology,
        ip_address=_ip(request),
    )
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def received(request, kind: str, page_id: int):
    listing = selectors.listing_get(kind, page_id)
    if not perms.can_view_received_bids(request.user, listing):
        raise Http404
    bids, sealed = selectors.bids_for_owner(user=request.user, listing=listing)
    return render(
        request,
        "bidding/received.html",
        {
            "listing": listing,
            "bids": bids,
            "sealed_count": sealed,
            "kind": kind,
            "is_owner": perms.is_listing_owner(request.user, listing),
            "can_close": perms.can_close_demand(request.user, listing),
            "show_flags": perms.can_view_related_party_flags(request.user),
        },
    )


@login_required
def compare(request, kind: str, page_id: int):
    listing = selectors.listing_get(kind, page_id)
    if not perms.can_view_received_bids(request.user, listing):
        raise Http404
    bids, sealed = selectors.bids_for_owner(user=request.user, listing=listing)
    chosen = request.GET.getlist("bid")
    if chosen:
        bids = [b for b in bids if str(b.pk) in chosen]
    comparison = selectors.bid_comparison(bids=bids, listing=listing)
    return render(
        request,
        "bidding/compare.html",
        {
            "listing": listing,
            "comparison": comparison,
            "sealed_count": sealed,
            "kind": kind,
        },
    )


@login_required
def my_bids(request):
    return render(
        request,
        "bidding/my_bids.html",
        {
            "own": selectors.bid_list_own(user=request.user),
            "received": selectors.bid_list_received(user=request.user),
        },
    )


@login_required
@require_POST
def question_ask(request, page_id: int):
    demand = selectors.listing_get(ListingKind.DEMAND, page_id)
    form = QuestionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("question") or _("请输入问题。"))
        services.question_ask(
            user=request.user, demand=demand, question=form.cleaned_data["question"]
        )
        messages.success(request, _("问题已提交，需求方答复后将公开显示。"))
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect(f"{demand.url}#qa")


@login_required
@require_POST
def question_answer(request, pk: int):
    question = get_object_or_404(PublicQuestion.objects.select_related("demand"), pk=pk)
    if not perms.is_listing_owner(request.user, question.demand):
        raise Http404
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请输入答复。"))
        services.question_answer(
            user=request.user, question=question, answer=form.cleaned_data["answer"]
        )
        messages.success(request, _("答复已公开。"))
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect(f"{question.demand.url}#qa")


@login_required
def confidential(request, page_id: int):
    demand = selectors.listing_get(ListingKind.DEMAND, page_id)
    user = request.user
    insider = perms.is_listing_owner(user, demand) or perms.is_curator(user)
    bid = perms.shortlisted_bid_of(user, demand)
    if not insider and bid is None:
        raise Http404
    if request.method == "POST" and request.POST.get("accept") == "1" and not insider:
        services.confidentiality_accept(user=user, demand=demand, ip_address=_ip(request))
        return redirect("bidding:confidential", page_id=demand.pk)
    if not perms.can_view_confidential_details(user, demand):
        return render(request, "bidding/terms.html", {"listing": demand, "bid": bid})
    services.access_log_record(
        user=user,
        action=AccessLogEntry.Action.CONFIDENTIAL,
        demand=demand,
        bid=bid,
        ip_address=_ip(request),
    )
    return render(
        request,
        "bidding/confidential.html",
        {
            "listing": demand,
            "bid": bid,
            "can_view_log": perms.can_view_access_log(user, demand),
        },
    )


@login_required
def access_log(request, kind: str, page_id: int):
    listing = selectors.listing_get(kind, page_id)
    if not perms.can_view_access_log(request.user, listing):
        raise Http404
    return render(
        request,
        "bidding/access_log.html",
        {
            "listing": listing,
            "entries": selectors.access_log_list(user=request.user, listing=listing)[:500],
        },
    )


@login_required
@require_POST
def demand_close(request, page_id: int):
    demand = selectors.listing_get(ListingKind.DEMAND, page_id)
    if not perms.is_listing_owner(request.user, demand):
        raise Http404
    try:
        services.demand_close(user=request.user, demand=demand)
        messages.success(request, _("已停止接受揭榜。"))
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect("bidding:received", kind="demand", page_id=demand.pk)
