"""System checks: a broken search configuration is reported at start-up."""

from __future__ import annotations

from django.core.checks import Error, Warning, register

from search.backends import SearchBackendError, backend_configs, load_backend


@register("search")
def check_search_backends(app_configs=None, **kwargs):
    """Report backends that cannot be loaded, and problems the backends find themselves."""
    messages = []
    configs = backend_configs()
    if "default" not in configs:
        messages.append(Error("SEARCH_BACKENDS has no 'default' entry.", id="jiebang_search.E001"))
    for name, config in configs.items():
        try:
            backend = load_backend(config)
        except SearchBackendError as exc:
            messages.append(Error(f"search backend {name!r}: {exc}", id="jiebang_search.E002"))
            continue
        for problem in backend.check():
            messages.append(
                Warning(f"search backend {name!r}: {problem}", id="jiebang_search.W001")
            )
    return messages
