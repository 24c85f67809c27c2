"""The site's URLs plus the bids API router (until marketplace/api/urls.py includes it)."""

from django.urls import include, path

from marketplace.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("api/v1/", include("marketplace.bidding.api_urls")),
    *site_urlpatterns,
]
