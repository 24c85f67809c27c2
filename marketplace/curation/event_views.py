"""供需对接会 views: the curators' admin pages, and the members' invitations page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cms.models import IndustryChain
from cms.selectors import technology_list
from marketplace.organisations.permissions import is_member_of

from . import events
from .models import EventInvitation, EventMeeting, MatchmakingEvent
from .views import curator_required

SEARCH_LIMIT = 30


def listing_label(page) -> str:
    return f"{page.title} · {page.organisation.name}"


class EventForm(forms.ModelForm):
    """An event's details and its picks; only suggested, picked or searched listings are shown."""

    demands = forms.ModelMultipleChoiceField(
        label=gettext_lazy("技术需求"),
        queryset=events.open_demands(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technologies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("科技成果"),
        queryset=technology_list(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = MatchmakingEvent
        fields = ["title", "date", "place", "description", "industry_chain"]
        widgets = {
            "date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, shown_demands, shown_technologies, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            picked_d = self.instance.demands.all()
            picked_t = self.instance.technologies.all()
            # Keep listings already on the event valid even if they have since closed.
            self.fields["demands"].queryset = (events.open_demands() | picked_d).distinct()
            self.fields["technologies"].queryset = (technology_list() | picked_t).distinct()
            self.initial.setdefault("demands", list(picked_d))
            self.initial.setdefault("technologies", list(picked_t))
            shown_demands = unique(list(picked_d) + shown_demands)
            shown_technologies = unique(list(picked_t) + shown_technologies)
        # Validation uses the full querysets; rendering only the listings worth looking at.
        self.fields["demands"].widget.choices = [(d.pk, listing_label(d)) for d in shown_demands]
        self.fields["technologies"].widget.choices = [
            (t.pk, listing_label(t)) for t in shown_technologies
        ]


def unique(pages: list) -> list:
    seen, result = set(), []
    for page in pages:
        if page.pk not in seen:
            seen.add(page.pk)
            result.append(page)
    return result


class SuggestionForm(forms.Form):
    industry_chain = forms.ModelChoiceField(
        label=gettext_lazy("产业链"),
        queryset=IndustryChain.objects.all(),
        required=False,
        empty_label=gettext_lazy("缺口最大的产业链"),
    )
    q = forms.CharField(label=gettext_lazy("按名称查找项目"), required=False, max_length=100)


class MeetingForm(forms.ModelForm):
    class Meta:
        model = EventMeeting
        fields = ["demand", "technology", "outcome", "follow_up"]
        widgets = {"outcome": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demand"].queryset = event.demands.select_related("organisation")
        self.fields["technology"].queryset = event.technologies.select_related("organisation")


def suggestions_for(request):
    """Read the chain / search box and compute what to offer (gap suggestions + search hits)."""
    form = SuggestionForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    gap = events.gap_suggestions(industry_chain=data.get("industry_chain"))
    demands, technologies = list(gap.demands), list(gap.technologies)
    if data.get("q"):
        match = Q(title__icontains=data["q"]) | Q(keywords__icontains=data["q"])
        demands += list(events.open_demands().filter(match)[:SEARCH_LIMIT])
        technologies += list(technology_list().filter(match)[:SEARCH_LIMIT])
    return form, gap, unique(demands), unique(technologies)


def event_form(request, instance=None):
    suggestion_form, gap, demands, technologies = suggestions_for(request)
    form = EventForm(
        request.POST or None,
        instance=instance,
        shown_demands=demands,
        shown_technologies=technologies,
        initial={} if instance else {"industry_chain": gap.industry_chain},
    )
    return form, {"suggestion_form": suggestion_form, "gap": gap, "form": form}


def save_event(request, form, save):
    if not form.is_valid():
        return None
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("demands", "technologies")}
    try:
        return save(
            data=data,
            demands=form.cleaned_data["demands"],
            technologies=form.cleaned_data["technologies"],
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None


# -- curator admin views ----------------------------------------------------------------


@curator_required
def event_list(request):
    return render(request, "curation/events/list.html", {"events": events.event_list()})


@curator_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    form, context = event_form(request)
    if request.method == "POST":
        event = save_event(
            request,
            form,
            lambda data, **picks: events.event_create(curator=request.user, **data, **picks),
        )
        if event is not None:
            messages.success(request, _("已创建对接会。"))
            return redirect("curation_events:detail", pk=event.pk)
    return render(request, "curation/events/form.html", context)


@curator_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk: int):
    event = get_object_or_404(MatchmakingEvent, pk=pk)
    form, context = event_form(request, instance=event)
    if request.method == "POST":
        saved = save_event(
            request, form, lambda **kw: events.event_update(curator=request.user, event=event, **kw)
        )
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect("curation_events:detail", pk=event.pk)
    return render(request, "curation/events/form.html", {**context, "event": event})


@curator_required
def event_detail(request, pk: int):
    try:
        event = events.event_get(pk)
    except MatchmakingEvent.DoesNotExist as error:
        raise Http404 from error
    invited = {i.organisation_id for i in event.invitations.all()}
    return render(
        request,
        "curation/events/detail.html",
        {
            "event": event,
            "meeting_form": MeetingForm(event=event),
            "uninvited": [o for o in events.event_organisations(event) if o.pk not in invited],
            "states": MatchmakingEvent.State,
        },
    )


def run(request, pk: int, action, done: str):
    event = get_object_or_404(MatchmakingEvent, pk=pk)
    try:
        action(event)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("curation_events:detail", pk=pk)


@curator_required
@require_POST
def event_invite(request, pk: int):
    return run(
        request,
        pk,
        lambda event: events.event_invite(curator=request.user, event=event),
        _("已向项目单位发出邀请。"),
    )


@curator_required
@require_POST
def event_state(request, pk: int):
    state = request.POST.get("state", "")
    return run(
        request,
        pk,
        lambda event: events.event_set_state(curator=request.user, event=event, state=state),
        _("状态已更新。"),
    )


@curator_required
@require_POST
def meeting_record(request, pk: int):
    event = get_object_or_404(MatchmakingEvent, pk=pk)
    form = MeetingForm(request.POST, event=event)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("curation_events:detail", pk=pk)
    return run(
        request,
        pk,
        lambda event: events.meeting_record(curator=request.user, event=event, **form.cleaned_data),
        _("已记录对接情况。"),
    )


# -- member views (mounted at /workspace/events/ by marketplace/curation/urls.py) ------------


@login_required
def invitations(request):
    return render(
        request,
        "curation/events/invitations.html",
        {
            "invitations": events.invitation_list_for(request.user),
            "states": MatchmakingEvent.State,
            "statuses": EventInvitation.Status,
        },
    )


@login_required
@require_POST
def invitation_respond(request, pk: int):
    invitation = get_object_or_404(EventInvitation.objects.select_related("event"), pk=pk)
    if not is_member_of(request.user, invitation.organisation_id):
        raise Http404
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        messages.error(request, _("请选择参加或不参加。"))
        return redirect("events:list")
    try:
        events.invitation_respond(
            user=request.user, invitation=invitation, accept=answer == "accept"
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已答复。"))
    return redirect("events:list")
