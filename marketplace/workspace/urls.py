from django.urls import path

from . import views

app_name = "workspace"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisations/<dbid:organisation_id>/new/", views.listing_create, name="listing_create"),
    path("<str:kind>/<dbid:pk>/edit/", views.listing_edit, name="listing_edit"),
    path("<str:kind>/<dbid:pk>/submit/", views.listing_submit, name="listing_submit"),
    path("<str:kind>/<dbid:pk>/withdraw/", views.listing_withdraw, name="listing_withdraw"),
    path("<str:kind>/<dbid:pk>/matches/", views.listing_matches, name="listing_matches"),
]
