from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from marketplace.organisations.models import Organisation

from .factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _site_language():
    # The test client runs LocaleMiddleware in this thread, and its activate() outlives the
    # request: a test that browsed in English must not leave English on for the next one.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits live in the cache; one test's attempts must not throttle the next.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def curator(db):
    user = UserFactory(email="curator-test@example.com", display_name="审核员")
    user.groups.add(Group.objects.get(name=settings.JIEBANG_CURATORS_GROUP))
    return user


@pytest.fixture
def enterprise(db):
    return OrganisationFactory(kind=Organisation.Kind.ENTERPRISE, name="济南精工装备有限公司")


@pytest.fixture
def university(db):
    return OrganisationFactory(kind=Organisation.Kind.UNIVERSITY, name="山东测试大学")


@pytest.fixture
def enterprise_member(enterprise):
    return MembershipFactory(
        organisation=enterprise, user=UserFactory(email="ent@example.com")
    ).user


@pytest.fixture
def research_member(university):
    return MembershipFactory(
        organisation=university, user=UserFactory(email="res@example.com")
    ).user


@pytest.fixture
def outsider(db):
    return MembershipFactory(
        user=UserFactory(email="other@example.com"),
        organisation=OrganisationFactory(name="无关单位有限公司"),
    ).user


# --- Real-browser journeys: Playwright drives Debian's chromium against the live server. ---

CHROMIUM = os.environ.get("JIEBANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    """A fresh chromium per test: Playwright's sync API owns an event loop while it runs."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"chromium not installed at {CHROMIUM} (make test installs it as root)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # The test thread uses the ORM while Playwright's loop exists in it; that is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            instance = pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server, settings):
    """Open a phone-sized page on the live server; each call is a separate person."""
    settings.ALLOWED_HOSTS = ["*"]

    def make(locale: str = "zh-CN"):
        context = browser.new_context(
            locale=locale, base_url=live_server.url, viewport={"width": 412, "height": 915}
        )
        context.set_default_timeout(15_000)
        return context.new_page()

    return make


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    """Create pages with a factory and run their publish (index) tasks, as after a commit."""

    def make(factory, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return factory(**kwargs)

    return make
