"""Members' alerts under /workspace/alerts/: thin views over the alerts services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import lifecycle
from cms.forms import add_service_errors
from marketplace.organisations.permissions import is_member_of

from . import services
from .forms import AlertEditForm, AlertSaveForm
from .models import Alert
from .selectors import alert_hits, alert_list, catalogue_url, normalise_query, query_summary


def own_alert(request, pk: int) -> Alert:
    """The user's alert; 404 for anyone else's."""
    return get_object_or_404(Alert.objects.select_related("listing"), pk=pk, user=request.user)


@login_required
def alert_list_view(request):
    alerts = list(alert_list(user=request.user))
    bases: dict[str, str] = {}
    for alert in alerts:
        alert.summary = "" if alert.listing_id else query_summary(alert.kind, alert.query)
        alert.open_url = (
            alert.listing.get_url(request) if alert.listing_id else catalogue_url(alert, bases)
        )
    return render(
        request,
        "alerts/list.html",
        {"alerts": alerts, "max_saved": services.MAX_SAVED_SEARCHES},
    )


@login_required
def alert_save(request):
    """GET: the form for the search the member came from; POST: save it."""
    if request.method == "POST":
        form = AlertSaveForm(request.POST)
        if form.is_valid():
            try:
                alert = services.alert_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("已保存搜索“%(name)s”。有新项目发布时会通知您。") % {"name": alert.name},
                )
                return redirect("alerts:list")
    else:
        kind = request.GET.get("kind", "")
        if kind not in lifecycle.LISTING_KINDS:
            raise Http404
        query, _errors = normalise_query(kind, request.GET.get("query", ""))
        form = AlertSaveForm(initial={"kind": kind, "query": query})
    kind = form["kind"].value()
    summary = (
        query_summary(kind, form["query"].value() or "") if kind in lifecycle.LISTING_KINDS else ""
    )
    return render(request, "alerts/save.html", {"form": form, "summary": summary})


@login_required
def alert_detail(request, pk: int):
    """An alert: what it delivered, and its name, delivery and pause switch."""
    alert = own_alert(request, pk)
    form = AlertEditForm(request.POST or None, instance=Alert.objects.get(pk=alert.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_update(alert=alert, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("alerts:detail", pk=alert.pk)
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "form": form,
            "hits": alert_hits(alert=alert),
            "summary": "" if alert.listing_id else query_summary(alert.kind, alert.query),
            "open_url": alert.listing.url if alert.listing_id else catalogue_url(alert),
        },
    )


@login_required
@require_POST
def alert_pause(request, pk: int):
    alert = own_alert(request, pk)
    services.alert_update(
        alert=alert, name=alert.name, frequency=alert.frequency, is_active=not alert.is_active
    )
    if alert.is_active:
        messages.success(request, _("已恢复“%(name)s”。") % {"name": alert.name})
    else:
        messages.success(request, _("已暂停“%(name)s”，暂停期间不会通知。") % {"name": alert.name})
    return redirect("alerts:list")


@login_required
@require_POST
def alert_delete_view(request, pk: int):
    alert = own_alert(request, pk)
    services.alert_delete(alert=alert)
    messages.success(request, _("已删除“%(name)s”。") % {"name": alert.name})
    return redirect("alerts:list")


@login_required
@require_POST
def match_subscription_view(request, kind: str, pk: int):
    """Follow or stop following the new matches of one of my organisation's listings."""
    if kind not in lifecycle.LISTING_KINDS:
        raise Http404
    listing = get_object_or_404(lifecycle.listing_model(kind), pk=pk)
    if not is_member_of(request.user, listing.organisation_id):
        raise Http404
    subscribed = request.POST.get("subscribed") == "1"
    services.match_subscription_set(user=request.user, listing=listing, subscribed=subscribed)
    if subscribed:
        messages.success(request, _("出现新的匹配项目时会通知您。"))
    else:
        messages.success(request, _("已取消新匹配提醒。"))
    return redirect("workspace:listing_matches", kind=kind, pk=listing.pk)
