from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("onboard/", views.onboard, name="onboard"),
    path("register/", views.register, name="register"),
    path("<int:pk>/join/", views.join, name="join"),
    path("<int:pk>/members/", views.members, name="members"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path(
        "<int:pk>/members/<int:membership_pk>/approve/",
        views.membership_decide,
        {"decision": "approve"},
        name="membership_approve",
    ),
    path(
        "<int:pk>/members/<int:membership_pk>/decline/",
        views.membership_decide,
        {"decision": "decline"},
        name="membership_decline",
    ),
]
