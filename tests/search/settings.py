"""Minimal settings to run the search app alone (until the project's exist)."""

SECRET_KEY = "search-tests-only"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "search",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"
SEARCH_BACKENDS = {
    "default": {"BACKEND": "search.backends.embedded", "PATH": "/tmp/jiebang-search-tests"},
}
