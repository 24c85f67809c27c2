"""Search backends, chosen in settings like Wagtail's ``WAGTAILSEARCH_BACKENDS``.

``settings.SEARCH_BACKENDS`` maps a name to a config dict whose ``BACKEND`` is
the dotted path of a module defining ``SearchBackend``::

    SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": BASE_DIR / "data" / "index"},
    }
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from search.backends.base import BaseSearchBackend

DEFAULT_BACKENDS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "search.backends.embedded", "PATH": "data/search-index"},
}


class SearchBackendError(ImproperlyConfigured):
    """Raised when a search backend is missing or misconfigured."""


def backend_configs() -> dict[str, dict[str, Any]]:
    """Return ``settings.SEARCH_BACKENDS``, or the embedded default when unset."""
    from django.conf import settings

    return getattr(settings, "SEARCH_BACKENDS", None) or DEFAULT_BACKENDS


def backend_class(config: dict[str, Any]) -> type[BaseSearchBackend]:
    """Return the ``SearchBackend`` class named by a config dict's ``BACKEND``."""
    path = config.get("BACKEND")
    if not path:
        raise SearchBackendError("a search backend config needs a BACKEND entry")
    try:
        module = import_module(path)
    except ImportError as exc:
        raise SearchBackendError(f"cannot import search backend {path!r}: {exc}") from exc
    backend_class = getattr(module, "SearchBackend", None)
    if backend_class is None:
        raise SearchBackendError(f"search backend module {path!r} defines no SearchBackend")
    return backend_class


def load_backend(config: dict[str, Any], **overrides: Any) -> BaseSearchBackend:
    """Return a backend instance for one config dict, with ``overrides`` applied."""
    return backend_class(config)({**config, **overrides})


_cache: dict[str, BaseSearchBackend] = {}


def get_search_backend(name: str = "default") -> BaseSearchBackend:
    """Return the configured backend called ``name`` (one instance per process)."""
    configs = backend_configs()
    if name not in configs:
        known = ", ".join(sorted(configs)) or "none"
        raise SearchBackendError(
            f"no search backend named {name!r} in SEARCH_BACKENDS (configured: {known})"
        )
    if name not in _cache:
        _cache[name] = load_backend(configs[name])
    return _cache[name]


def reset_search_backends() -> None:
    """Forget cached backend instances (after settings change, e.g. in tests)."""
    _cache.clear()
