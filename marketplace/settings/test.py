"""Test settings: fast hasher, locmem email and cache, immediate tasks; DATABASE_URL picks the DB."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import SEARCH_BACKENDS

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
_TMP = Path(tempfile.mkdtemp(prefix="jiebang-test-"))
MEDIA_ROOT = _TMP / "media"
if SEARCH_BACKENDS["default"]["BACKEND"] == "search.backends.embedded":
    SEARCH_BACKENDS["default"]["PATH"] = str(_TMP / "search-index")
    # In-process for speed; tests/search/test_index_damage.py runs the isolated engine.
    SEARCH_BACKENDS["default"]["ISOLATE"] = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
JIEBANG_SITE_URL = WAGTAILADMIN_BASE_URL = "http://testserver"
