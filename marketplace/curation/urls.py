"""Member-facing pages of the curation app: invitations to 供需对接会 (mounted at /workspace/events/)."""

from django.urls import path

from . import event_views

app_name = "events"
urlpatterns = [
    path("", event_views.invitations, name="list"),
    path("invitations/<dbid:pk>/respond/", event_views.invitation_respond, name="respond"),
]
