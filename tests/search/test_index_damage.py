"""A damaged index or a dead engine never takes a page, a worker or a command down.

Faults are injected for real: index files are corrupted or truncated on disk
(under a running engine, too), the engine process is killed, and the
binding's own panic is triggered. Pages must answer with the database
listing and a notice; ``rebuild_index`` must repair the index by itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import tantivy
from django.conf import settings as django_settings
from django.core.management import call_command

from search.backends import get_search_backend
from search.backends.base import SearchEngineError, SearchQuery
from search.backends.embedded import EmbeddedSearchBackend, IndexCorrupt
from search.checks import check_search_backends
from search.selectors import ENGINE_UNAVAILABLE
from tests.factories import TechnologyPageFactory

pytestmark = pytest.mark.django_db

NOTICE = str(ENGINE_UNAVAILABLE)[:12]


class PanickingBackend(EmbeddedSearchBackend):
    """The real engine, made to panic as a corrupt segment can (a zero-size top-k panics)."""

    def _facets(self, searcher, query, names):
        searcher.search(query, 0)  # pyo3_runtime.PanicException, a BaseException
        return super()._facets(searcher, query, names)


SearchBackend = PanickingBackend


def configure(settings, path: Path, **params) -> EmbeddedSearchBackend:
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(path), **params}
    }
    return get_search_backend()


@pytest.fixture
def isolated(settings, tmp_path):
    backend = configure(settings, tmp_path / "index", ISOLATE=True, ENGINE_RESTART_AFTER=0)
    yield backend
    backend._engine_process().close()


@pytest.fixture
def welding(university, published):
    return published(
        TechnologyPageFactory,
        organisation=university,
        title="激光焊缝跟踪系统",
        keywords="激光焊接, 焊缝跟踪",
    )


def segment_files(index_dir: Path, kind: str = "technology") -> list[Path]:
    files = [p for p in (index_dir / kind).iterdir() if p.suffix in (".idx", ".store", ".term")]
    assert files, "the index has no segment files to damage"
    return files


def flip_bytes(path: Path) -> None:
    """Overwrite bytes in the middle of a file, keeping its size (bit rot)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 16] = bytes(b ^ 0x5A for b in data[middle : middle + 16])
    path.write_bytes(bytes(data))


def shows(response, page) -> bool:
    return f'href="{page.url}"' in response.content.decode()


def catalogue_search(client, text="焊缝"):
    return client.get("/technologies/", {"q": text})


def test_a_corrupt_index_file_serves_the_database_listing_with_a_notice(
    settings, tmp_path, welding, client
):
    index_dir = tmp_path / "index"
    configure(settings, index_dir)
    call_command("rebuild_index", "--no-progress")
    for path in segment_files(index_dir):
        flip_bytes(path)
    configure(settings, index_dir)  # a fresh process opens the damaged index

    response = catalogue_search(client)
    assert response.status_code == 200
    assert NOTICE in response.content.decode()
    assert shows(response, welding)
    api = client.get("/api/v1/technologies/", {"q": "焊缝"})
    assert api.status_code == 200 and api.json()["search_unavailable"] is True
    assert [r["id"] for r in api.json()["results"]] == [welding.pk]


def test_a_corrupt_file_is_reported_as_damage_before_the_engine_reads_it(tmp_path, welding):
    backend = EmbeddedSearchBackend({"PATH": str(tmp_path)})
    call_command("rebuild_index", "--no-progress")  # fills the configured index, not ours
    from search.documents import document_from_page

    backend.index_documents([document_from_page(welding)])
    for path in segment_files(tmp_path):
        flip_bytes(path)
    with pytest.raises(IndexCorrupt, match="checksum"):
        EmbeddedSearchBackend({"PATH": str(tmp_path)}).count("technology")


def test_an_engine_panic_is_an_error_the_page_survives(settings, tmp_path, welding, client):
    configure(settings, tmp_path / "index")
    call_command("rebuild_index", "--no-progress")
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": __name__, "PATH": str(tmp_path / "index")}}
    with pytest.raises(SearchEngineError, match="panicked"):
        get_search_backend().search(SearchQuery(kind="technology", text="焊缝"))
    response = catalogue_search(client)
    assert response.status_code == 200 and NOTICE in response.content.decode()
    api = client.get("/api/v1/technologies/", {"q": "焊缝"})
    assert api.status_code == 200 and api.json()["search_unavailable"] is True


def test_files_truncated_under_a_running_engine_cost_a_search_not_the_process(
    isolated, tmp_path, welding, client
):
    """The engine child faults (SIGBUS) on the truncated mapping; this process serves on."""
    call_command("rebuild_index", "--no-progress")
    found = catalogue_search(client)
    assert NOTICE not in found.content.decode() and shows(found, welding)
    engine_pid = isolated._engine_process().pid
    assert engine_pid and engine_pid != os.getpid()

    for path in segment_files(tmp_path / "index"):
        os.truncate(path, 0)  # same files, same inodes: the child's mappings lose their pages
    response = catalogue_search(client)
    assert response.status_code == 200
    assert NOTICE in response.content.decode() and shows(response, welding)
    assert isolated._engine_process().pid is None  # the child died, and only the child
    # A new child verifies the index before opening it: damage is an error, not a crash.
    with pytest.raises(IndexCorrupt):
        isolated.search(SearchQuery(kind="technology", text="焊缝"))

    call_command("rebuild_index", "--no-progress")  # repairs without hand deletion
    response = catalogue_search(client)
    assert NOTICE not in response.content.decode() and shows(response, welding)


def test_a_killed_engine_process_is_replaced(isolated, welding, client):
    call_command("rebuild_index", "--no-progress")
    assert isolated.count("technology") == 1
    os.kill(isolated._engine_process().pid, signal.SIGKILL)
    response = catalogue_search(client)
    assert response.status_code == 200 and NOTICE in response.content.decode()
    assert isolated.count("technology") == 1  # a new child after ENGINE_RESTART_AFTER


def test_after_a_crash_the_engine_waits_before_restarting(settings, tmp_path, welding):
    backend = configure(settings, tmp_path / "index", ISOLATE=True, ENGINE_RESTART_AFTER=60)
    try:
        call_command("rebuild_index", "--no-progress")
        os.kill(backend._engine_process().pid or _start(backend), signal.SIGKILL)
        for _ in range(2):  # no storm of new children while it keeps failing
            with pytest.raises(SearchEngineError):
                backend.count("technology")
        assert backend._engine_process().pid is None
    finally:
        backend._engine_process().close()


def _start(backend) -> int:
    backend.count("technology")
    return backend._engine_process().pid


def corrupt_every_index(index_dir: Path) -> None:
    for kind in ("demand", "technology"):
        (index_dir / kind / "meta.json").write_text("{garbage")


def test_commands_run_and_rebuild_repairs_a_corrupt_index(settings, tmp_path, welding):
    index_dir = tmp_path / "index"
    configure(settings, index_dir)
    call_command("rebuild_index", "--no-progress")
    corrupt_every_index(index_dir)

    messages = check_search_backends()
    assert [m.id for m in messages] == ["jiebang_search.W001", "jiebang_search.W001"]
    assert all("rebuild_index" in m.msg for m in messages)
    call_command("check")  # warnings only: migrate and every other command still run

    call_command("rebuild_index", "--no-progress")
    assert check_search_backends() == []
    backend = configure(settings, index_dir)
    assert backend.search(SearchQuery(kind="technology", text="焊缝")).total == 1


def test_manage_py_migrate_runs_with_a_corrupt_index(tmp_path):
    """A real process: nothing opens the index at start-up."""
    index_dir = tmp_path / "search-index"
    for kind in ("demand", "technology"):
        (index_dir / kind).mkdir(parents=True)
    corrupt_every_index(index_dir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.dev",
        "JIEBANG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check", "--plan"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "is damaged" in result.stderr  # the system check's warning says what to do
    assert "rebuild_index" in result.stderr


def test_an_index_written_by_another_tantivy_schema_is_replaced_by_rebuild(
    settings, tmp_path, welding
):
    index_dir = tmp_path / "index"
    other = tantivy.SchemaBuilder()
    other.add_text_field("something_else", stored=True)
    (index_dir / "technology").mkdir(parents=True)
    tantivy.Index(other.build(), path=str(index_dir / "technology"))
    configure(settings, index_dir)
    call_command("rebuild_index", "--no-progress")
    assert configure(settings, index_dir).count("technology") == 1


def test_a_stopped_elasticsearch_serves_the_database_listing(settings, welding, client):
    """A cluster that is down (nothing listens on the port): the pages fall back, quickly."""
    import socket

    with socket.socket() as probe:  # a free local port: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.elasticsearch",
            "URLS": [f"http://127.0.0.1:{port}"],
            "MAX_RETRIES": 0,
        }
    }
    response = catalogue_search(client)
    assert response.status_code == 200
    assert NOTICE in response.content.decode() and shows(response, welding)
    api = client.get("/api/v1/technologies/", {"q": "焊缝"})
    assert api.status_code == 200 and api.json()["search_unavailable"] is True
    listing = client.get(welding.url)
    assert listing.status_code == 200  # its matches say they are unavailable
