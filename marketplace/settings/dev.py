"""Local development: embedded defaults (SQLite, embedded search index), console email."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env_bool, os

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A dev machine runs no worker by default: index updates run in the request.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATA_DIR.mkdir(parents=True, exist_ok=True)
