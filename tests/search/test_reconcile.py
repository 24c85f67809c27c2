"""Reconciliation: updates lost while the index was broken are caught up; give-ups are recorded.

Faults are real: the index's meta.json is overwritten with garbage on disk and
a fresh backend (a worker starting while the index is damaged) tries to
write, so the sync task fails all its attempts and gives up. Stale and extra
documents come from changes made behind the index's back (queryset updates,
deletions whose task never ran).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cms.models import DemandPage, TechnologyPage
from marketplace.organisations.models import Organisation
from search import indexing, tasks
from search.backends import get_search_backend, reset_search_backends
from search.backends.base import SearchQuery
from search.documents import KINDS, ListingDocument
from search.models import IndexFailure
from tests.factories import DemandPageFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def index_path(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture(autouse=True)
def index(settings, index_path):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(index_path)}
    }
    backend = get_search_backend()
    for kind in KINDS:  # both indexes exist on disk before a fault is injected
        backend.clear(kind)
    return backend


@contextlib.contextmanager
def broken_index(index_path: Path):
    """Overwrite both indexes' meta.json with garbage while the block runs, then put it back.

    The backend cache is dropped on the way in and out, as when a worker
    process starts while the index is damaged and another after the repair.
    """
    saved = {kind: (index_path / kind / "meta.json").read_bytes() for kind in KINDS}
    for kind in KINDS:
        (index_path / kind / "meta.json").write_bytes(b'{"segments": [ garbage')
    reset_search_backends()
    try:
        yield
    finally:
        for kind, data in saved.items():
            (index_path / kind / "meta.json").write_bytes(data)
        reset_search_backends()


def found(kind: str, text: str) -> list[str]:
    backend = get_search_backend()
    backend.refresh()
    return [h.id for h in backend.search(SearchQuery(kind=kind, text=text)).hits]


def reconcile_output(capsys, *args) -> dict[str, dict]:
    call_command("reconcile_index", "--json", *args)
    lines = capsys.readouterr().out.strip().splitlines()
    return {row["kind"]: row for row in map(json.loads, lines)}


def counts(row: dict) -> tuple[int, int, int, int, int]:
    return row["checked"], row["missing"], row["stale"], row["extra"], row["fixed"]


def test_a_listing_published_while_the_index_was_broken_is_found_after_reconciling(
    index_path, enterprise, published, capsys
):
    published(DemandPageFactory, organisation=enterprise, title="高温合金激光焊接变形控制")
    with broken_index(index_path):
        lost = published(DemandPageFactory, organisation=enterprise, title="超声波无损检测需求")
    failure = IndexFailure.objects.get()
    assert (failure.kind, failure.page_ids, failure.attempts) == ("demand", [lost.pk], 5)
    assert failure.task_name == "sync_listings" and "meta.json" in failure.error
    assert not failure.is_resolved
    assert found("demand", "无损检测") == []  # the index is back, the update is lost

    report = reconcile_output(capsys)
    assert counts(report["demand"]) == (2, 1, 0, 0, 1)
    assert counts(report["technology"]) == (0, 0, 0, 0, 0)
    assert found("demand", "无损检测") == [str(lost.pk)]
    failure.refresh_from_db()
    assert failure.is_resolved and failure.resolution == IndexFailure.Resolution.RECONCILED
    lost.refresh_from_db()
    assert "无损" in lost.search_tokens.split()  # admin search caught up too


def test_stale_documents_are_found_by_version_and_reindexed(index, enterprise, published, capsys):
    demand = published(DemandPageFactory, organisation=enterprise)
    sibling = published(DemandPageFactory, organisation=enterprise)
    untouched = published(DemandPageFactory)
    # Behind the index's back: a queryset update sends no signal, so no task.
    DemandPage.objects.filter(pk=demand.pk).update(status="closed")
    Organisation.objects.filter(pk=enterprise.pk).update(name="济南新名称精密制造有限公司")

    report = reconcile_output(capsys, "--dry-run")
    assert counts(report["demand"]) == (3, 0, 2, 0, 0)
    assert index.get_document("demand", str(demand.pk)).status == "open"  # dry run: unchanged

    report = reconcile_output(capsys)
    assert counts(report["demand"]) == (3, 0, 2, 0, 2)
    index.refresh()
    doc = index.get_document("demand", str(demand.pk))
    assert doc.status == "closed" and doc.organisation_name == "济南新名称精密制造有限公司"
    assert index.get_document("demand", str(sibling.pk)).organisation_name.startswith("济南新名称")
    assert (
        index.get_document("demand", str(untouched.pk)).organisation_name
        != "济南新名称精密制造有限公司"
    )
    closed = index.search(SearchQuery(kind="demand", filters={"status": "closed"}))
    assert [h.id for h in closed.hits] == [str(demand.pk)]
    assert counts(reconcile_output(capsys)["demand"]) == (3, 0, 0, 0, 0)


def test_extra_documents_of_deleted_or_hidden_listings_are_removed(
    index, university, published, capsys
):
    deleted, unpublished, withdrawn, kept = (
        published(TechnologyPageFactory, organisation=university) for _ in range(4)
    )
    index.index_documents([ListingDocument(kind="technology", id="orphan", title="无主文档")])
    # None of these runs a task: the test transaction never commits.
    deleted.delete()
    TechnologyPage.objects.filter(pk=unpublished.pk).update(live=False)
    TechnologyPage.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    assert index.count("technology") == 5

    report = reconcile_output(capsys, "--kind", "technology")
    assert list(report) == ["technology"]
    assert counts(report["technology"]) == (5, 0, 0, 4, 4)
    index.refresh()
    assert index.count("technology") == 1
    assert index.get_document("technology", str(kept.pk)) is not None
    for gone in ("orphan", deleted.pk, unpublished.pk, withdrawn.pk):
        assert index.get_document("technology", str(gone)) is None


def test_an_index_in_step_reports_nothing_to_fix_after_a_rebuild(
    index, enterprise, university, published, capsys
):
    from cms.models import CooperationMode
    from tests.factories import DemandIndicatorFactory

    modes = list(CooperationMode.objects.all()[:2])
    demand = published(DemandPageFactory, organisation=enterprise, industry_chain=None)
    demand.cooperation_modes.set(modes)
    DemandIndicatorFactory(page=demand)
    published(DemandPageFactory, organisation=enterprise, budget_kind="negotiable")
    published(
        TechnologyPageFactory,
        organisation=university,
        price_kind="fixed",
        asking_price=300_000,
        description="<p>激光熔覆 &amp; 修复</p>",
    )
    # A rebuild writes every document afresh: its versions must equal the database's.
    call_command("rebuild_index", "--no-progress")
    capsys.readouterr()
    report = reconcile_output(capsys)
    assert counts(report["demand"]) == (2, 0, 0, 0, 0)
    assert counts(report["technology"]) == (1, 0, 0, 0, 0)


def test_a_damaged_index_fails_reconciliation_clearly_and_a_lost_one_is_refilled(
    index, index_path, enterprise, university, published, capsys
):
    demands = [published(DemandPageFactory, organisation=enterprise) for _ in range(3)]
    tech = published(TechnologyPageFactory, organisation=university, title="锂电池热管理系统")
    with broken_index(index_path):
        with pytest.raises(CommandError, match="索引核对失败"):
            call_command("reconcile_index")
    # The operator throws the damaged index away; reconciliation fills a new one.
    shutil.rmtree(index_path)
    reset_search_backends()
    report = reconcile_output(capsys, "--batch-size", "2")
    assert counts(report["demand"]) == (3, 3, 0, 0, 3)
    assert counts(report["technology"]) == (1, 1, 0, 0, 1)
    assert found("technology", "热管理") == [str(tech.pk)]
    assert get_search_backend().count("demand") == len(demands)


def test_after_a_rebuild_reconciliation_finds_nothing_and_closes_the_give_up(
    index_path, enterprise, published, capsys
):
    with broken_index(index_path):
        lost = published(DemandPageFactory, organisation=enterprise, title="超声波无损检测需求")
    call_command("rebuild_index", "--no-progress")
    capsys.readouterr()
    assert found("demand", "无损检测") == [str(lost.pk)]
    assert not IndexFailure.objects.get().is_resolved  # a rebuild does not know about it
    assert counts(reconcile_output(capsys)["demand"]) == (1, 0, 0, 0, 0)
    assert IndexFailure.objects.get().resolution == IndexFailure.Resolution.RECONCILED


def test_bad_batch_size_is_a_clear_error_and_changes_nothing(index, enterprise, published):
    page = published(DemandPageFactory, organisation=enterprise)
    index.delete_documents("demand", [str(page.pk)])
    with pytest.raises(CommandError, match="batch-size"):
        call_command("reconcile_index", "--batch-size", "0")
    assert index.get_document("demand", str(page.pk)) is None


def test_a_later_successful_sync_resolves_the_give_up(index_path, enterprise, published):
    pages = [published(DemandPageFactory, organisation=enterprise) for _ in range(2)]
    with broken_index(index_path):
        tasks.sync_listings.enqueue("demand", [p.pk for p in pages])
        tasks.sync_listings.enqueue("demand", [pages[0].pk])
    both, one = IndexFailure.objects.order_by("pk")
    assert both.page_ids == sorted(p.pk for p in pages) and one.page_ids == [pages[0].pk]

    tasks.sync_listings.enqueue("demand", [pages[0].pk])
    both.refresh_from_db()
    one.refresh_from_db()
    # Only a failure whose every page was synced is resolved by the sync.
    assert one.resolution == IndexFailure.Resolution.SYNCED and not both.is_resolved
    indexing.reconcile("demand")
    both.refresh_from_db()
    assert both.resolution == IndexFailure.Resolution.RECONCILED


def test_a_give_up_brings_one_queued_reconciliation_forward(
    settings, index_path, enterprise, published
):
    from django_tasks_db.models import DBTaskResult

    page = published(DemandPageFactory, organisation=enterprise)
    settings.TASKS = DB_TASKS
    pending = DBTaskResult.objects.filter(task_path="search.tasks.reconcile_index")
    assert tasks.schedule_reconcile() is True
    assert tasks.schedule_reconcile() is False  # one pending instance at a time
    queued = pending.get()
    assert queued.status == "READY" and queued.run_after > timezone.now() + dt.timedelta(minutes=10)

    with broken_index(index_path), pytest.raises(Exception, match="meta.json"):
        tasks.sync_listings.call("demand", [page.pk], attempt=tasks.MAX_ATTEMPTS)
    assert IndexFailure.objects.filter(page_ids=[page.pk]).exists()
    queued = pending.get()  # still one, now due soon
    assert queued.run_after <= timezone.now() + tasks.RECONCILE_AFTER_GIVE_UP


def test_the_periodic_task_keeps_one_successor_queued(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    pending = DBTaskResult.objects.filter(task_path="search.tasks.reconcile_index")
    result = tasks.reconcile_index.call()
    assert set(result) == {"demand", "technology"}
    assert pending.count() == 1
    assert pending.get().run_after > timezone.now() + dt.timedelta(minutes=10)
    tasks.reconcile_index.call()
    assert pending.count() == 1
    settings.JIEBANG_SEARCH_RECONCILE_INTERVAL = 0
    pending.delete()
    tasks.reconcile_index.call()
    assert not pending.exists()


def test_after_migrate_the_periodic_task_is_queued(settings):
    from django.apps import apps
    from django.db.models.signals import post_migrate
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    post_migrate.send(
        sender=apps.get_app_config("jiebang_search"),
        app_config=apps.get_app_config("jiebang_search"),
        verbosity=0,
        interactive=False,
        using="default",
        plan=[],
        apps=apps,
    )
    assert DBTaskResult.objects.filter(task_path="search.tasks.reconcile_index").count() == 1


def test_with_immediate_tasks_reconciliation_runs_once_and_schedules_nothing(
    index, enterprise, published
):
    page = published(DemandPageFactory, organisation=enterprise)
    index.delete_documents("demand", [str(page.pk)])
    assert tasks.schedule_reconcile() is False  # it would run at once, and again, forever
    result = tasks.reconcile_index.enqueue()
    assert result.status == "SUCCESSFUL"
    assert result.return_value["demand"]["fixed"] == 1
    assert index.get_document("demand", str(page.pk)) is not None


# A real db_worker checks its connection like a request does, which a test wrapped in a
# transaction cannot survive on PostgreSQL: this one commits for real (serialized_rollback
# restores the Wagtail tree and taxonomies its flush removes).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_runs_the_reconciliation_and_queues_the_next_one(settings, index, enterprise):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    page = DemandPageFactory(organisation=enterprise, title="超声波无损检测需求")  # commits
    DBTaskResult.objects.all().delete()  # its index update: lost, as if it had given up
    tasks.reconcile_index.enqueue()
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    runs = DBTaskResult.objects.filter(task_path="search.tasks.reconcile_index")
    done = runs.get(status="SUCCESSFUL")
    assert done.return_value["demand"]["missing"] == 1
    assert found("demand", "无损检测") == [str(page.pk)]
    successor = runs.get(status="READY")  # not due yet, so the batch worker left it
    assert successor.run_after > timezone.now() + dt.timedelta(minutes=10)
