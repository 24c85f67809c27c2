"""The project's URLs plus the curation app's member pages, until marketplace/urls.py mounts them."""

from django.urls import include, path

from marketplace.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("workspace/events/", include("marketplace.curation.urls")),
    *project_urlpatterns,
]
