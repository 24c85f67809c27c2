from django.urls import path

from . import dashboard_views, views

app_name = "curation"
urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/confirm/<str:token>/", views.catalogue_confirm, name="catalogue_confirm"),
    path("template/<str:kind>.xlsx", views.template, name="template"),
    path("export/<str:kind>.xlsx", views.export, name="export"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path(
        "dashboard/export/<str:key>.xlsx", dashboard_views.dashboard_export, name="dashboard_export"
    ),
    path("dashboard/<slug:page>/", dashboard_views.dashboard, name="dashboard_page"),
]
