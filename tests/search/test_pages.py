"""Wagtail pages → search documents, index lifecycle tasks, rebuild and checks."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from search import analysis, indexing, tasks
from search.backends import get_search_backend
from search.checks import check_search_backends
from search.documents import document_from_page
from tests.factories import DemandIndicatorFactory, DemandPageFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def index(settings, tmp_path):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path / "index")}
    }
    return get_search_backend()


def publish(factory, capture, **kwargs):
    with capture(execute=True):
        return factory(**kwargs)


def test_demand_page_maps_public_fields_only(enterprise):
    page = DemandPageFactory(
        organisation=enterprise,
        confidential_details="机密配方X",
        contact_phone="123",
        problem="<p>薄壁件<b>焊接</b>变形</p>",
        current_state="现有工艺不稳定",
    )
    DemandIndicatorFactory(page=page)
    doc = document_from_page(page)
    assert (doc.kind, doc.id, doc.title) == ("demand", str(page.pk), page.title)
    assert doc.summary == "薄壁件焊接变形"
    assert "现有工艺不稳定" in doc.body and "焊后变形量 ≤0.2mm" in doc.body
    assert "机密配方X" not in doc.full_text() and "123" not in doc.full_text()
    assert doc.keywords == ["激光焊接", "变形控制", "高温合金"]
    assert doc.budget == 1_000_000 and doc.district == "370112"
    assert doc.deadline == timezone.localtime(page.bid_deadline).date()
    assert doc.organisation_id == str(enterprise.pk) and doc.status == "open"


def test_a_demands_required_stage_meets_a_technologys_stage_in_matching(enterprise, university):
    from search.matching import criteria_met

    need = document_from_page(DemandPageFactory(organisation=enterprise, required_stage="pilot"))
    assert need.maturity == "pilot"
    codes = {
        stage: {
            c.code
            for c in criteria_met(
                need,
                document_from_page(TechnologyPageFactory(organisation=university, stage=stage)),
            )
        }
        for stage in ("small_pilot", "pilot", "mature")
    }
    assert "maturity" not in codes["small_pilot"]
    assert "maturity" in codes["pilot"] and "maturity" in codes["mature"]
    unasked = document_from_page(DemandPageFactory(organisation=enterprise))
    assert unasked.maturity == ""


def test_rich_text_is_indexed_as_plain_text_with_paragraph_breaks(university):
    page = TechnologyPageFactory(
        organisation=university,
        description='<p data-block-key="a1">激光<b>焊接</b> &amp; 熔覆</p><p>3&lt;5 工艺</p><ul><li>甲</li><li>乙</li></ul>',
    )
    body = document_from_page(page).body
    assert "激光焊接 & 熔覆\n3<5 工艺\n甲\n乙" in body
    # Paragraphs stay apart: no bigram across the break.
    assert "艺甲" not in analysis.bigrams(body) and "覆3" not in analysis.bigrams(body)


def test_technology_page_maps_stage_and_price(university):
    page = TechnologyPageFactory(
        organisation=university,
        stage="small_pilot",
        price_kind="fixed",
        asking_price=300_000,
        advantages="成本低",
    )
    doc = document_from_page(page)
    assert doc.kind == "technology" and doc.maturity == "small_pilot"
    assert doc.budget == 300_000 and "成本低" in doc.body
    negotiable = TechnologyPageFactory(
        organisation=university, price_kind="negotiable", asking_price=5
    )
    assert document_from_page(negotiable).budget is None


def test_publishing_indexes_and_fills_admin_search_tokens(
    index, enterprise, django_capture_on_commit_callbacks
):
    page = publish(DemandPageFactory, django_capture_on_commit_callbacks, organisation=enterprise)
    assert index.get_document("demand", str(page.pk)).title == page.title
    page.refresh_from_db()
    assert {"激光", "焊接", "薄壁"} <= set(page.search_tokens.split())


def test_unpublishing_removes_from_index(index, enterprise, django_capture_on_commit_callbacks):
    page = publish(DemandPageFactory, django_capture_on_commit_callbacks, organisation=enterprise)
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert index.get_document("demand", str(page.pk)) is None


def test_deleting_removes_from_index(index, university, django_capture_on_commit_callbacks):
    page = publish(
        TechnologyPageFactory, django_capture_on_commit_callbacks, organisation=university
    )
    assert index.count("technology") == 1
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert index.count("technology") == 0


def test_a_listing_that_stops_being_public_is_removed(
    index, enterprise, django_capture_on_commit_callbacks
):
    page = publish(DemandPageFactory, django_capture_on_commit_callbacks, organisation=enterprise)
    assert index.get_document("demand", str(page.pk)) is not None
    with django_capture_on_commit_callbacks(execute=True):
        type(page).objects.filter(pk=page.pk).update(status="withdrawn")
        indexing.listing_changed("demand", page.pk)  # a change no signal reports
    assert index.get_document("demand", str(page.pk)) is None


def test_a_status_saved_without_publishing_is_reindexed(
    index, enterprise, django_capture_on_commit_callbacks
):
    page = publish(DemandPageFactory, django_capture_on_commit_callbacks, organisation=enterprise)
    page.status = "withdrawn"
    with django_capture_on_commit_callbacks(execute=True):
        page.save()
    assert index.get_document("demand", str(page.pk)) is None


def test_one_transaction_sends_one_task_per_kind(
    index, enterprise, university, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    real = tasks._sync_many  # runs once per task (the immediate backend runs tasks at enqueue)
    monkeypatch.setattr(
        tasks, "_sync_many", lambda kind, ids: sent.append((kind, list(ids))) or real(kind, ids)
    )
    with django_capture_on_commit_callbacks(execute=True):
        demands = [DemandPageFactory(organisation=enterprise) for _ in range(3)]
        techs = [TechnologyPageFactory(organisation=university) for _ in range(2)]
    assert sorted(sent) == [
        ("demand", sorted(p.pk for p in demands)),
        ("technology", sorted(p.pk for p in techs)),
    ]
    assert index.count("demand") == 3 and index.count("technology") == 2


def test_batch_block_outside_a_transaction_sends_one_task(index, enterprise, monkeypatch):
    pages = [DemandPageFactory(organisation=enterprise) for _ in range(3)]
    sent = []
    real = tasks._sync_many  # runs once per task (the immediate backend runs tasks at enqueue)
    monkeypatch.setattr(
        tasks, "_sync_many", lambda kind, ids: sent.append((kind, list(ids))) or real(kind, ids)
    )
    # pytest-django's test transaction counts as "inside atomic": run_on_commit
    # would wait for it, so emulate autocommit by running callbacks at once.
    monkeypatch.setattr(indexing.transaction, "on_commit", lambda fn, **kw: fn())
    with indexing.batch():
        for page in pages:
            indexing.listing_changed("demand", page.pk)
        assert sent == []
    assert sent == [("demand", sorted(p.pk for p in pages))]
    assert index.count("demand") == 3


def test_index_pages_is_synchronous_and_fills_admin_search(index, enterprise):
    from wagtail.search.backends import get_search_backend as wagtail_backend

    from cms.models import DemandPage

    page = DemandPageFactory(organisation=enterprise, title="高温合金薄壁件激光焊接")
    gone = DemandPageFactory(organisation=enterprise, live=False)
    result = indexing.index_pages("demand", [page.pk, gone.pk, 999_999])
    assert result == {"indexed": 1, "removed": 2}
    assert index.get_document("demand", str(page.pk)) is not None
    page.refresh_from_db()
    assert "焊接" in page.search_tokens.split()
    found = wagtail_backend().search("焊接", DemandPage)
    assert page.pk in [p.pk for p in found]


def test_published_listing_is_searchable_once_the_commit_runs_its_task(
    index, enterprise, django_capture_on_commit_callbacks
):
    # How long that takes through a real worker is bench/bench_publish.py's to measure.
    from search.backends.base import SearchQuery

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = DemandPageFactory(organisation=enterprise, title="超声波无损检测需求")
    assert index.search(SearchQuery(kind="demand", text="无损检测")).hits == []
    for callback in callbacks:  # the commit: enqueue (immediate backend runs it) …
        callback()
    hits = index.search(SearchQuery(kind="demand", text="无损检测")).hits  # … and search
    assert [h.id for h in hits] == [str(page.pk)]


@task()
def other_work() -> str:
    """Stands for any default-priority task queued before an index update."""
    return "done"


# A real db_worker checks its connection like a request does, which a test wrapped in
# a transaction cannot survive on PostgreSQL: this one commits for real (serialized_rollback
# restores the Wagtail tree and taxonomies its flush removes).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_queued_index_update_runs_before_earlier_default_work(settings, index, enterprise):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for _ in range(3):
        other_work.enqueue()
    page = DemandPageFactory(organisation=enterprise, title="超声波无损检测需求")  # commits
    assert index.get_document("demand", str(page.pk)) is None  # queued, not run
    call_command("db_worker", batch=True, max_tasks=1, startup_delay=False, reload=False)
    assert index.get_document("demand", str(page.pk)) is not None
    ready = DBTaskResult.objects.ready()
    assert ready.filter(task_path__endswith="other_work").count() == 3


def test_failed_task_is_retried(index, enterprise, monkeypatch):
    page = DemandPageFactory(organisation=enterprise)
    calls = []
    real = tasks._sync_many

    def flaky(kind, page_ids):
        calls.append(page_ids)
        if len(calls) == 1:
            raise OSError("disk hiccup")
        return real(kind, page_ids)

    monkeypatch.setattr(tasks, "_sync_many", flaky)
    tasks.sync_listings.enqueue("demand", [page.pk])
    assert len(calls) == 2
    assert index.get_document("demand", str(page.pk)) is not None


def test_rebuild_index_command(index, enterprise, university, capsys):
    kept = DemandPageFactory(organisation=enterprise)
    DemandPageFactory(organisation=enterprise, live=False)
    TechnologyPageFactory(organisation=university)
    index.index_documents(
        [document_from_page(kept).__class__(kind="demand", id="stale", title="旧")]
    )
    call_command("rebuild_index", "--no-progress")
    out = capsys.readouterr().out
    assert "demand: 1 documents" in out and "technology: 1 documents" in out
    assert index.get_document("demand", "stale") is None
    assert index.get_document("demand", str(kept.pk)) is not None


def test_matches_between_published_pages(
    index, enterprise, university, django_capture_on_commit_callbacks
):
    from search import matching

    tech = publish(
        TechnologyPageFactory,
        django_capture_on_commit_callbacks,
        organisation=university,
        title="激光焊接变形控制工艺",
        summary="通过焊接路径优化控制高温合金薄壁件的焊接变形",
        keywords="激光焊接",
    )
    publish(TechnologyPageFactory, django_capture_on_commit_callbacks, organisation=university)
    demand = publish(DemandPageFactory, django_capture_on_commit_callbacks, organisation=enterprise)
    found = matching.match(document_from_page(demand), backend=index)
    assert found[0].document.id == str(tech.pk)
    assert "焊接" in found[0].shared_terms
    past = timezone.now() - dt.timedelta(days=1)
    demand.bid_deadline = past
    with django_capture_on_commit_callbacks(execute=True):
        demand.save()  # a plain save re-indexes too
    assert matching.match(document_from_page(tech), backend=index) == []


def test_system_check_reports_broken_configuration(settings, tmp_path):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path)}
    }
    assert check_search_backends() == []
    settings.SEARCH_BACKENDS = {"other": {"BACKEND": "search.backends.nowhere"}}
    ids = {m.id for m in check_search_backends()}
    assert ids == {"jiebang_search.E001", "jiebang_search.E002"}
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.elasticsearch", "URLS": ["es:9200"]}
    }
    assert [m.id for m in check_search_backends()] == ["jiebang_search.W001"]


def test_a_lifecycle_transition_reindexes_the_listing(
    index, enterprise, django_capture_on_commit_callbacks
):
    from cms import lifecycle

    page = publish(DemandPageFactory, django_capture_on_commit_callbacks, organisation=enterprise)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.move(page, lifecycle.Transition.AWARD)  # as bid_award does
    doc = index.get_document("demand", str(page.pk))
    assert doc.status == "awarded"  # still public, no longer matchable
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.move(page, lifecycle.Transition.UNPUBLISH)
    assert index.get_document("demand", str(page.pk)) is None
