from django.urls import path

from . import views

app_name = "workspace"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<str:kind>/<int:pk>/edit/", views.listing_edit, name="listing_edit"),
]
