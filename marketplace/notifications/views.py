from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Notification
from .selectors import notification_list
from .services import notification_mark_read


@login_required
def notification_centre(request):
    page = Paginator(notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page_obj": page})


@login_required
@require_POST
def notification_open(request, pk: int):
    item = Notification.objects.filter(recipient=request.user, pk=pk).first()
    if item is None:
        raise Http404
    notification_mark_read(user=request.user, notification_id=pk)
    target = item.target_url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    notification_mark_read(user=request.user)
    return redirect("notifications:list")
