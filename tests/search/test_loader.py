import pytest

from search.backends import SearchBackendError, get_search_backend, load_backend
from search.backends.elasticsearch import ElasticsearchSearchBackend
from search.backends.embedded import EmbeddedSearchBackend


def test_default_backend_comes_from_settings(settings, tmp_path):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path)}
    }
    backend = get_search_backend()
    assert isinstance(backend, EmbeddedSearchBackend)
    assert backend.path == tmp_path
    assert get_search_backend() is backend


def test_named_elasticsearch_backend(settings):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": "/tmp/x"},
        "es": {
            "BACKEND": "search.backends.elasticsearch",
            "URLS": ["http://localhost:9200"],
            "INDEX_PREFIX": "jiebang",
        },
    }
    backend = get_search_backend("es")
    assert isinstance(backend, ElasticsearchSearchBackend)
    assert backend.alias("demand") == "jiebang-demand"


def test_unknown_name_is_a_clear_configuration_error(settings):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": "/tmp/x"}
    }
    with pytest.raises(SearchBackendError, match="no search backend named 'nope'.*default"):
        get_search_backend("nope")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "needs a BACKEND"),
        ({"BACKEND": "search.backends.nonexistent"}, "cannot import"),
        ({"BACKEND": "search.analysis"}, "defines no SearchBackend"),
        ({"BACKEND": "search.backends.embedded"}, "needs a PATH"),
    ],
)
def test_broken_configs_raise_improperly_configured(config, message):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=message):
        load_backend(config)


def test_unsupported_feature_names_the_backend():
    from search.backends.base import BaseSearchBackend

    with pytest.raises(
        NotImplementedError, match="base search backend does not support autocomplete"
    ):
        BaseSearchBackend().autocomplete("demand", "x")
