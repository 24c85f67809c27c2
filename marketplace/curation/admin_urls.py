from django.urls import path

from . import views

app_name = "curation"
urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("template/<str:kind>.xlsx", views.template, name="template"),
    path("export/<str:kind>.xlsx", views.export, name="export"),
]
