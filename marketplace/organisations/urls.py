from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("onboard/", views.onboard, name="onboard"),
    path("register/", views.register, name="register"),
    path("<dbid:pk>/join/", views.join, name="join"),
    path("<dbid:pk>/members/", views.members, name="members"),
    path("<dbid:pk>/edit/", views.edit, name="edit"),
    path(
        "<dbid:pk>/members/<dbid:membership_pk>/approve/",
        views.membership_decide,
        {"decision": "approve"},
        name="membership_approve",
    ),
    path(
        "<dbid:pk>/members/<dbid:membership_pk>/decline/",
        views.membership_decide,
        {"decision": "decline"},
        name="membership_decline",
    ),
]
