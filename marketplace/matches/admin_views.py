"""Curators' match desk in the Wagtail admin: queue, decisions, manual proposals, answers, deals."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import (
    BulkForm,
    DealForm,
    DismissForm,
    ManualProposeForm,
    MessageForm,
    QueueFilterForm,
    RecommendForm,
)
from .permissions import is_curator

PAGE_SIZE = 50


def curator_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_curator(request.user):
            return HttpResponseForbidden(_("仅平台审核人员可以使用此功能。"))
        return view(request, *args, **kwargs)

    return wrapped


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("p"))


@curator_required
@require_http_methods(["GET", "POST"])
def queue(request):
    # Filters combine and stay in the page links; invalid ones show their error and the
    # unfiltered queue.
    filters = QueueFilterForm(request.GET)
    page = _page(request, selectors.match_queue(**filters.queue_kwargs()))
    ids = [m.pk for m in page] if request.method == "GET" else request.POST.getlist("matches")
    form = BulkForm(request.POST or None, match_ids=ids)
    if request.method == "POST" and form.is_valid():
        return _bulk(request, form)
    rows = [
        (
            m,
            selectors.listing_public_summary(m.demand),
            selectors.listing_public_summary(m.technology),
            selectors.match_reasons(m),
        )
        for m in page
    ]
    return render(
        request,
        "matches/admin/queue.html",
        {
            "page_obj": page,
            "rows": rows,
            "form": form,
            "min_score": selectors.match_min_score(),
            "filters": filters,
        },
        status=400 if form.is_bound else 200,
    )


def _bulk(request, form):
    data = form.cleaned_data
    if data["action"] == "recommend":
        result = services.matches_recommend_bulk(
            matches=data["matches"],
            curator=request.user,
            note_demand=data["note_demand"],
            note_technology=data["note_technology"],
        )
        messages.success(request, _("已推荐 %(n)d 条。") % {"n": len(result.done)})
    else:
        result = services.matches_dismiss_bulk(
            matches=data["matches"], curator=request.user, note=data["note"]
        )
        messages.success(request, _("已忽略 %(n)d 条。") % {"n": len(result.done)})
    for pk, reason in result.skipped:
        messages.warning(request, _("#%(pk)d 未处理：%(reason)s") % {"pk": pk, "reason": reason})
    # Back to the same filtered view of the queue.
    query = request.GET.urlencode()
    return redirect(reverse("matches_admin:queue") + (f"?{query}" if query else ""))


@curator_required
@require_GET
def recommended(request):
    return render(
        request,
        "matches/admin/recommended.html",
        {
            "page_obj": _page(request, selectors.match_recommended_list()),
        },
    )


def _detail(request, match, status=200, **forms):
    context = {
        "match": match,
        "demand": selectors.listing_public_summary(match.demand),
        "technology": selectors.listing_public_summary(match.technology),
        "recommend_form": RecommendForm(),
        "dismiss_form": DismissForm(),
        "deal_form": DealForm(
            initial={
                "amount": match.deal.amount if match.deal else None,
                "signed_on": match.deal.signed_on if match.deal else None,
                "note": match.deal.note if match.deal else "",
            }
        ),
        "message_form": MessageForm(),
        "conversation": selectors.match_messages(match=match) if match.is_conversation_open else [],
        **forms,
    }
    return render(request, "matches/admin/detail.html", context, status=status)


@curator_required
@require_GET
def detail(request, pk: int):
    return _detail(request, selectors.match_get(pk=pk))


def _act(request, pk: int, form_class, form_name: str, call):
    """Validate a POSTed form and run one service; re-render the detail with errors if refused."""
    match = selectors.match_get(pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(match, form.cleaned_data)
        except ValidationError as exc:
            # A refusal concerns the match, not a field: shown above whichever forms its state allows.
            messages.error(request, " ".join(exc.messages))
        else:
            return None
    return _detail(request, selectors.match_get(pk=pk), status=400, **{form_name: form})


@curator_required
@require_POST
def recommend(request, pk: int):
    refused = _act(
        request,
        pk,
        RecommendForm,
        "recommend_form",
        lambda m, d: services.match_recommend(
            match=m,
            curator=request.user,
            note_demand=d["note_demand"],
            note_technology=d["note_technology"],
        ),
    )
    if refused:
        return refused
    messages.success(request, _("已推荐给双方单位。"))
    return redirect("matches_admin:queue")


@curator_required
@require_POST
def dismiss(request, pk: int):
    refused = _act(
        request,
        pk,
        DismissForm,
        "dismiss_form",
        lambda m, d: services.match_dismiss(match=m, curator=request.user, note=d["note"]),
    )
    if refused:
        return refused
    messages.success(request, _("已忽略，匹配引擎不会再推荐该组合。"))
    return redirect("matches_admin:queue")


@curator_required
@require_POST
def deal(request, pk: int):
    refused = _act(
        request,
        pk,
        DealForm,
        "deal_form",
        lambda m, d: services.match_record_deal(
            match=m,
            curator=request.user,
            amount=d["amount"],
            signed_on=d["signed_on"],
            note=d["note"],
        ),
    )
    if refused:
        return refused
    messages.success(request, _("已登记成交。"))
    return redirect("matches_admin:detail", pk=pk)


@curator_required
@require_POST
def message(request, pk: int):
    refused = _act(
        request,
        pk,
        MessageForm,
        "message_form",
        lambda m, d: services.match_message_post(match=m, user=request.user, body=d["body"]),
    )
    return refused or redirect("matches_admin:detail", pk=pk)


@curator_required
@require_http_methods(["GET", "POST"])
def propose(request):
    form = ManualProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            match = services.match_propose_manual(
                demand=form.cleaned_data["demand"],
                technology=form.cleaned_data["technology"],
                curator=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已加入待审核队列。"))
            return redirect("matches_admin:detail", pk=match.pk)
    return render(
        request, "matches/admin/propose.html", {"form": form}, status=400 if form.is_bound else 200
    )
