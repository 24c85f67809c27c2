"""供需对接会 views: the curators' admin pages, and the members' invitations page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cms.models import DemandPage, IndustryChain, TechnologyPage
from cms.selectors import technology_list
from marketplace.organisations.permissions import is_member_of

from . import events
from .models import EventInvitation, EventMeeting, MatchmakingEvent
from .views import curator_required

SEARCH_LIMIT = 30


def listing_label(page) -> str:
    """Title, organisation and publication date: catalogues hold identical titles."""
    published = page.first_published_at or page.latest_revision_created_at
    return _("%(title)s · %(organisation)s · %(date)s 发布") % {
        "title": page.title,
        "organisation": page.organisation.name,
        "date": timezone.localtime(published).strftime("%Y-%m-%d") if published else "—",
    }


class ListingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return listing_label(obj)


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
    """The gap / name search above the picks; part of the event form, prefixed ``suggest``."""

    prefix = "suggest"
    industry_chain = forms.ModelChoiceField(
        label=gettext_lazy("产业链"),
        queryset=IndustryChain.objects.all(),
        required=False,
        empty_label=gettext_lazy("缺口最大的产业链"),
    )
    q = forms.CharField(label=gettext_lazy("按名称查找项目"), required=False, max_length=100)


class MeetingForm(forms.ModelForm):
    demand = ListingChoiceField(label=gettext_lazy("技术需求"), queryset=DemandPage.objects.none())
    technology = ListingChoiceField(
        label=gettext_lazy("科技成果"), queryset=TechnologyPage.objects.none()
    )
    follow_up_owner = forms.ModelChoiceField(
        label=gettext_lazy("后续负责人"),
        queryset=events.curator_users(),
        required=False,
        help_text=gettext_lazy("有后续事项时必填：到期当天起提醒该审核人员一次，并列入逾期事项。"),
    )

    class Meta:
        model = EventMeeting
        fields = [
            "demand",
            "technology",
            "outcome",
            "follow_up",
            "follow_up_owner",
            "follow_up_due",
        ]
        widgets = {
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "follow_up_due": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demand"].queryset = event.demands.select_related("organisation")
        self.fields["technology"].queryset = event.technologies.select_related("organisation")
        self.fields["follow_up_owner"].queryset = events.curator_users()


def suggestions_for(data):
    """Read the chain / search box and compute what to offer (gap suggestions + search hits)."""
    form = SuggestionForm(data if any(k.startswith("suggest-") for k in data) else None)
    found = form.cleaned_data if form.is_bound and form.is_valid() else {}
    gap = events.gap_suggestions(industry_chain=found.get("industry_chain"))
    demands, technologies = list(gap.demands), list(gap.technologies)
    if found.get("q"):
        match = Q(title__icontains=found["q"]) | Q(keywords__icontains=found["q"])
        demands += list(events.open_demands().filter(match)[:SEARCH_LIMIT])
        technologies += list(technology_list().filter(match)[:SEARCH_LIMIT])
    return form, gap, unique(demands), unique(technologies)


def ticked(data, name: str, queryset) -> list:
    """The listings ticked in the submitted form, so a search round trip keeps them shown."""
    ids = [value for value in data.getlist(name) if value.isdigit()]
    return list(queryset.filter(pk__in=ids).select_related("organisation")) if ids else []


def event_form(request, instance=None):
    """The event form with its suggestions; a 更新建议 round trip keeps every typed value.

    The search fields are part of the one POST form: 更新建议 re-renders the form with what
    was typed and ticked (unbound, so no errors are shown yet), and 保存 saves it.
    """
    data = request.POST if request.method == "POST" else request.GET
    suggestion_form, gap, demands, technologies = suggestions_for(data)
    searching = request.method == "POST" and "suggest" in request.POST
    if request.method == "POST":
        demands = unique(ticked(data, "demands", events.open_demands()) + demands)
        technologies = unique(ticked(data, "technologies", technology_list()) + technologies)
    kwargs = {"instance": instance, "shown_demands": demands, "shown_technologies": technologies}
    if request.method == "POST" and not searching:
        form = EventForm(request.POST, **kwargs)
    else:
        initial = {} if instance else {"industry_chain": gap.industry_chain}
        if searching:
            initial = typed_values(EventForm(**kwargs), request.POST)
        form = EventForm(initial=initial, **kwargs)
    context = {"suggestion_form": suggestion_form, "gap": gap, "form": form}
    return form, searching, context


def typed_values(form: forms.Form, data) -> dict:
    """What the user typed into each field, as initial values for an unbound form."""
    return {
        name: field.widget.value_from_datadict(data, {}, form.add_prefix(name))
        for name, field in form.fields.items()
    }


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
    form, searching, context = event_form(request)
    if request.method == "POST" and not searching:
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
    form, searching, context = event_form(request, instance=event)
    if request.method == "POST" and not searching:
        saved = save_event(
            request, form, lambda **kw: events.event_update(curator=request.user, event=event, **kw)
        )
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect("curation_events:detail", pk=event.pk)
    return render(request, "curation/events/form.html", {**context, "event": event})


@curator_required
def event_detail(request, pk: int):
    return render_detail(request, pk, MeetingForm)


def render_detail(request, pk: int, meeting_form):
    """The event page; ``meeting_form`` is a bound form coming back with its errors, or the class."""
    try:
        event = events.event_get(pk)
    except MatchmakingEvent.DoesNotExist as error:
        raise Http404 from error
    if isinstance(meeting_form, type):
        meeting_form = meeting_form(event=event)
    invited = {i.organisation_id for i in event.invitations.all()}
    return render(
        request,
        "curation/events/detail.html",
        {
            "event": event,
            "meeting_form": meeting_form,
            "uninvited": [o for o in events.event_organisations(event) if o.pk not in invited],
            "states": MatchmakingEvent.State,
            "today": timezone.localdate(),
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
    if form.is_valid():
        try:
            events.meeting_record(curator=request.user, event=event, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已记录对接情况。"))
            return redirect("curation_events:detail", pk=pk)
    # Back to the page with what was typed and the reasons next to the fields.
    messages.error(request, _("对接记录未保存，请按提示修改。"))
    return render_detail(request, pk, form)


@curator_required
@require_POST
def follow_up_done(request, pk: int, meeting_pk: int):
    meeting = get_object_or_404(EventMeeting, pk=meeting_pk, event_id=pk)
    return run(
        request,
        pk,
        lambda event: events.meeting_follow_up_done(curator=request.user, meeting=meeting),
        _("已标记后续完成。"),
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
