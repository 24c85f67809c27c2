"""/api/v1/: the public catalogues, the OpenAPI schema and its self-hosted docs UI."""

from django.apps import apps
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

# Path converters, not regexes: ids are "dbid" (marketplace/converters.py).
router = SimpleRouter(use_regex_path=False)
router.register("demands", views.DemandViewSet, basename="demand")
router.register("technologies", views.TechnologyViewSet, basename="technology")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    *router.urls,
    path("", include("marketplace.bidding.api_urls")),
    path("", include("marketplace.matches.api_urls")),
    path("", include("marketplace.projects.api_urls")),
]

# Redoc is left out: its template pulls fonts from Google's CDN.
# The docs UI's scripts come from drf-spectacular-sidecar's static files, which exist
# only when the app is installed; without it the UI is left out rather than broken.
if apps.is_installed("drf_spectacular_sidecar"):
    urlpatterns += [
        path("docs/", views.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    ]

# Last: any other path under /api/v1/ (an id out of range, a typo) is a JSON 404,
# never Wagtail's HTML page. Paths without the slash still get APPEND_SLASH's redirect.
# [\s\S], not ".": a newline in the path (%0A, found by the fuzzing) is a character too.
urlpatterns += [re_path(r"^[\s\S]*/$", views.not_found, name="not_found")]
