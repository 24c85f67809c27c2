from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

# Every id in a path is a "dbid" (registered in marketplace/__init__.py), so an id no
# database can hold, such as 10**30, is a 404 and never reaches the ORM.

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("organisations/", include("marketplace.organisations.urls")),
    path("workspace/events/", include("marketplace.curation.urls")),
    path("workspace/projects/", include("marketplace.projects.urls")),
    path("workspace/alerts/", include("marketplace.alerts.urls")),
    path("workspace/", include("marketplace.workspace.urls")),
    path("projects/", include("marketplace.projects.public_urls")),
    path("bids/", include("marketplace.bidding.urls")),
    path("notifications/", include("marketplace.notifications.urls")),
    path("matches/", include("marketplace.matches.urls")),
    path("search/", include("search.urls")),
    path("api/v1/", include("marketplace.api.urls")),
    path("files/", include("cms.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

urlpatterns += [path("", include(wagtail_urls))]
