"""Settings shared by every environment; secrets and hosts come from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
# Everything the site writes at run time (SQLite file, search index, uploads)
# lives here; the folder is git-ignored.
DATA_DIR = Path(os.environ.get("JIEBANG_DATA_DIR", BASE_DIR / "data"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "marketplace.accounts",
    "marketplace.audit",
    "marketplace.organisations",
    "cms",
    "search",
    "marketplace.workspace",
    "marketplace.bidding",
    "marketplace.projects",
    "marketplace.notifications",
    "marketplace.matches",
    "marketplace.curation",
    "marketplace.api",
    "marketplace.alerts",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "marketplace.accounts.middleware.CuratorMFARequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "marketplace.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "marketplace.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'jiebang.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the task worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Internationalisation: Chinese first, English available.
# Argon2id with OWASP's parameters (marketplace/accounts/hashers.py); PBKDF2 stays second so
# older hashes verify and are upgraded at the next login.
PASSWORD_HASHERS = [
    "marketplace.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Uploaded attachments (listing documents, bid files) are capped here and checked by content.
JIEBANG_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Catalogue imports (docs/curation.md): data rows per workbook, upload size, size of the
# workbook's parts once unzipped (a zip bomb is refused before parsing), errors listed.
JIEBANG_IMPORT_MAX_ROWS = int(os.environ.get("JIEBANG_IMPORT_MAX_ROWS", "5000"))
JIEBANG_IMPORT_MAX_BYTES = int(os.environ.get("JIEBANG_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
JIEBANG_IMPORT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("JIEBANG_IMPORT_MAX_UNZIPPED_BYTES", str(100 * 1024 * 1024))
)
JIEBANG_IMPORT_MAX_ERRORS_SHOWN = int(os.environ.get("JIEBANG_IMPORT_MAX_ERRORS_SHOWN", "200"))

# Wagtail
WAGTAIL_SITE_NAME = "揭榜 · 济南产学研对接平台"
# The public address of the site (scheme, host and port, no trailing slash): every link in
# an e-mail (ours, allauth's, Wagtail's) starts here, never at the host a request came in on.
JIEBANG_SITE_URL = (
    os.environ.get("JIEBANG_SITE_URL")
    or os.environ.get("WAGTAILADMIN_BASE_URL")
    or "http://127.0.0.1:8000"
).rstrip("/")
WAGTAILADMIN_BASE_URL = JIEBANG_SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "doc", "xlsx", "pptx", "png", "jpg", "jpeg", "zip", "txt"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = JIEBANG_MAX_ATTACHMENT_BYTES
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: the bureau's network may not reach it (broken avatars on every admin page),
# and curators' e-mail hashes should not go to a third party. Wagtail's default avatar shows.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_PASSWORD_RESET_ENABLED = False  # password reset goes through allauth

# Our search and matching engine (search/). Wagtail's admin search stays on its
# database backend above.
SEARCH_BACKENDS = {
    "default": {
        "BACKEND": "search.backends.embedded",
        "PATH": str(DATA_DIR / "search-index"),
        # Engine work runs in a child process of each web / task process, so a
        # damaged index file costs a search, never the worker (docs/operations.md).
        "ISOLATE": env_bool("JIEBANG_SEARCH_ISOLATE", True),
    }
}
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
if ELASTICSEARCH_URL:
    SEARCH_BACKENDS["default"] = {
        "BACKEND": "search.backends.elasticsearch",
        "URLS": [ELASTICSEARCH_URL],
        "INDEX_PREFIX": os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "jiebang"),
        "OPTIONS": {
            "basic_auth": tuple(os.environ["ELASTICSEARCH_BASIC_AUTH"].split(":", 1))
            if os.environ.get("ELASTICSEARCH_BASIC_AUTH")
            else None,
            "api_key": os.environ.get("ELASTICSEARCH_API_KEY") or None,
            "ca_certs": os.environ.get("ELASTICSEARCH_CA_CERTS") or None,
            "verify_certs": env_bool("ELASTICSEARCH_VERIFY_CERTS", True),
            "request_timeout": float(os.environ.get("ELASTICSEARCH_TIMEOUT", "5")),
        },
    }

# Background tasks: the database backend and its db_worker; tests run them immediately.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# django-allauth: email login, verified email required, rate limits on.
SITE_ID = 1
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_ADAPTER = "marketplace.accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "5/h/ip,3/h/key",
    "confirm_email": "3/5m/key",
}
LOGIN_REDIRECT_URL = "/workspace/"
LOGIN_URL = "/accounts/login/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Jiebang"
# Curators must have TOTP enrolled before they reach the admin (on in production).
JIEBANG_REQUIRE_CURATOR_MFA = env_bool("JIEBANG_REQUIRE_CURATOR_MFA", False)
JIEBANG_CURATORS_GROUP = "Curators"
# Engine-proposed matches below this score (0–100) never reach the curators' queue.
JIEBANG_MATCH_MIN_SCORE = int(os.environ.get("JIEBANG_MATCH_MIN_SCORE", "60"))
# 揭榜结果公示: working days (Monday–Friday) an award is published before its project starts.
JIEBANG_AWARD_NOTICE_WORKING_DAYS = int(os.environ.get("JIEBANG_AWARD_NOTICE_WORKING_DAYS", "5"))
# Days a pending action may wait before the curators' desk shows it as overdue.
JIEBANG_DUE_DAYS = {
    "listing_review": 3,
    "bid_decision": 14,
    "match_answer": 7,
    # The curator's to-do (curation/todo.py): verifications and engine proposals to decide.
    "organisation_verification": 5,
    "match_proposal": 5,
}

DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "揭榜平台 <noreply@jiebang.local>")

# REST API: catalogues, bids, matches (docs/api.md).
REST_FRAMEWORK = {
    # drf-spectacular's inspector plus the 400/403/404 answers every view can give.
    "DEFAULT_SCHEMA_CLASS": "marketplace.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiebang API",
    "DESCRIPTION": "济南产学研揭榜平台 API: demands, technologies, matches and bids.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["marketplace.schema.only_public_api"],
    "ENUM_NAME_OVERRIDES": {"DeclineReasonEnum": "marketplace.bidding.models.DeclineReason"},
    # Request bodies are JSON; DRF also parses forms (test client, browsable API), off-contract.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Path ids go through the "dbid" converter, bounded to MAX_ID (marketplace/converters.py).
    "PATH_CONVERTER_OVERRIDES": {
        "dbid": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
