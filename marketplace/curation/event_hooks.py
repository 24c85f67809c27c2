"""Wagtail admin hooks for 需求诊断 and 供需对接会: URLs, menu items, page buttons."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from cms.lifecycle import is_listing
from marketplace.organisations.permissions import is_curator

from . import diagnosis_views, event_views
from .diagnosis import can_diagnose

diagnosis_urls = (
    [
        path("", diagnosis_views.queue, name="queue"),
        path("<dbid:page_id>/", diagnosis_views.diagnose, name="diagnose"),
    ],
    "curation_diagnosis",
)

event_urls = (
    [
        path("", event_views.event_list, name="list"),
        path("new/", event_views.event_create, name="create"),
        path("<dbid:pk>/", event_views.event_detail, name="detail"),
        path("<dbid:pk>/edit/", event_views.event_edit, name="edit"),
        path("<dbid:pk>/invite/", event_views.event_invite, name="invite"),
        path("<dbid:pk>/state/", event_views.event_state, name="state"),
        path("<dbid:pk>/meetings/", event_views.meeting_record, name="meeting"),
        path(
            "<dbid:pk>/meetings/<dbid:meeting_pk>/done/",
            event_views.follow_up_done,
            name="follow_up_done",
        ),
    ],
    "curation_events",
)


@hooks.register("register_admin_urls")
def register_event_and_diagnosis_urls():
    return [
        path("curation/diagnosis/", include(diagnosis_urls)),
        path("curation/events/", include(event_urls)),
    ]


class CuratorOnlyMenuItem(MenuItem):
    def is_shown(self, request):
        return is_curator(request.user)


@hooks.register("register_admin_menu_item")
def register_diagnosis_menu_item():
    return CuratorOnlyMenuItem(
        _("需求诊断"), reverse("curation_diagnosis:queue"), icon_name="help", order=880
    )


@hooks.register("register_admin_menu_item")
def register_events_menu_item():
    return CuratorOnlyMenuItem(
        _("供需对接会"), reverse("curation_events:list"), icon_name="group", order=885
    )


def diagnosis_button(page, user, priority):
    if not is_listing(page) or not can_diagnose(user, page):
        return None
    return Button(
        _("诊断并退回"),
        reverse("curation_diagnosis:diagnose", args=[page.pk]),
        icon_name="help",
        priority=priority,
    )


@hooks.register("register_page_header_buttons")
def page_header_diagnosis_button(page, user, view_name, next_url=None):
    button = diagnosis_button(page, user, priority=40)
    return [button] if button else []


@hooks.register("register_page_listing_more_buttons")
def page_listing_diagnosis_button(page, user, next_url=None):
    button = diagnosis_button(page, user, priority=45)
    return [button] if button else []
