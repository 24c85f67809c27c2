"""Member pages under /matches/: matches recommended to my organisation, answers, the conversation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import AnswerForm, MessageForm
from .permissions import can_post_message, sides_of


@login_required
def match_list(request):
    matches = selectors.match_list_for_user(user=request.user)
    views = selectors.side_views_for_user(user=request.user, matches=matches)
    return render(request, "matches/list.html", {"views": views})


@login_required
def match_detail(request, pk: int):
    match = selectors.match_get_for_user(user=request.user, pk=pk)
    return _render_detail(request, match)


def _render_detail(request, match, answer_form=None, message_form=None, status=200):
    user = request.user
    views = [selectors.side_view(match, side) for side in sides_of(user, match)]
    can_message = can_post_message(user, match)
    return render(
        request,
        "matches/detail.html",
        {
            "match": match,
            "views": views,
            "answer_form": answer_form or AnswerForm(),
            "message_form": message_form or MessageForm(),
            "can_message": can_message,
            "conversation": selectors.match_messages(match=match)
            if match.is_conversation_open
            else [],
        },
        status=status,
    )


@login_required
@require_POST
def match_answer(request, pk: int):
    match = selectors.match_get_for_user(user=request.user, pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, match, answer_form=form, status=400)
    try:
        match = services.match_answer(
            match=match,
            user=request.user,
            interested=form.interested,
            note=form.cleaned_data["note"],
            side=form.cleaned_data["side"] or None,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _render_detail(request, match, answer_form=form, status=400)
    if match.is_conversation_open:
        messages.success(request, _("双方均有意向，对接沟通已开启。"))
    else:
        messages.success(request, _("已提交答复。"))
    return redirect("matches:detail", pk=match.pk)


@login_required
@require_POST
def match_message(request, pk: int):
    match = selectors.match_get_for_user(user=request.user, pk=pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, match, message_form=form, status=400)
    try:
        services.match_message_post(match=match, user=request.user, body=form.cleaned_data["body"])
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _render_detail(request, match, message_form=form, status=400)
    return redirect("matches:detail", pk=match.pk)
