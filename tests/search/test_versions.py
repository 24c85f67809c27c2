"""Listing versions: what reconciliation compares between the database and the index."""

from __future__ import annotations

import pytest

from cms.models import DemandPage, TechnologyPage
from marketplace.organisations.models import Organisation
from search.backends.elasticsearch import compile_versions_page
from search.documents import (
    ListingDocument,
    document_from_page,
    listing_queryset,
    listing_versions,
)
from tests.factories import DemandPageFactory, TechnologyPageFactory


def kind_of(page) -> str:
    return "demand" if isinstance(page, DemandPage) else "technology"


def version_of(page) -> str:
    """The version the database reports for ``page`` right now."""
    return listing_versions(kind_of(page))[str(page.pk)]


def reloaded(page):
    """The page as indexing reads it."""
    return listing_queryset(kind_of(page)).get(pk=page.pk)


@pytest.mark.django_db
def test_a_document_carries_the_version_the_database_reports(enterprise, university):
    pages = [
        DemandPageFactory(organisation=enterprise),
        DemandPageFactory(organisation=enterprise, industry_chain=None, bid_deadline=None),
        TechnologyPageFactory(organisation=university, price_kind="fixed", asking_price=5),
    ]
    for page in pages:
        doc = document_from_page(reloaded(page))
        assert doc.version and doc.version == version_of(page)
    # Only public listings have a version: a draft is not expected in the index.
    draft = DemandPageFactory(organisation=enterprise, live=False)
    assert str(draft.pk) not in listing_versions("demand")


@pytest.mark.django_db
def test_the_version_moves_with_what_the_index_shows(enterprise):
    page = DemandPageFactory(organisation=enterprise)
    seen = {version_of(page)}

    def changed(**values) -> bool:
        DemandPage.objects.filter(pk=page.pk).update(**values)
        version = version_of(page)
        new = version not in seen
        seen.add(version)
        return new

    assert changed(status="closed")
    assert changed(title="新的标题")
    assert changed(budget_max=2_000_000)
    assert changed(problem="<p>一段长度不同的新问题描述</p>")  # a text saved without a revision
    revision = page.save_revision()
    assert changed(live_revision=revision)  # every publish
    Organisation.objects.filter(pk=enterprise.pk).update(name="改名后的单位")
    assert version_of(page) not in seen
    # What the index never shows leaves the version alone.
    before = version_of(page)
    DemandPage.objects.filter(pk=page.pk).update(
        contact_phone="0531-1234567", confidential_details="机密", search_tokens="x y"
    )
    assert version_of(page) == before


@pytest.mark.django_db
def test_technology_versions_follow_price_and_stage(university):
    page = TechnologyPageFactory(organisation=university)
    before = version_of(page)
    TechnologyPage.objects.filter(pk=page.pk).update(stage="mature")
    after_stage = version_of(page)
    TechnologyPage.objects.filter(pk=page.pk).update(price_kind="fixed", asking_price=10)
    assert len({before, after_stage, version_of(page)}) == 3
    assert document_from_page(reloaded(page)).version == version_of(page)


def test_the_version_survives_the_stored_source():
    doc = ListingDocument(kind="demand", id="7", title="题", version="0123456789abcdef")
    assert ListingDocument.from_dict(doc.to_dict()).version == "0123456789abcdef"
    assert ListingDocument.from_dict({"kind": "demand", "id": "8"}).version == ""


def test_every_backend_lists_the_indexed_versions(backend):
    assert backend.indexed_versions("demand") == {}
    backend.index_documents(
        [
            ListingDocument(kind="demand", id="1", title="甲", version="v1"),
            ListingDocument(kind="demand", id="2", title="乙", version="v2"),
            ListingDocument(kind="demand", id="legacy", title="丙"),  # indexed before versions
            ListingDocument(kind="technology", id="1", title="丁", version="t1"),
        ]
    )
    backend.refresh()
    assert backend.indexed_versions("demand") == {"1": "v1", "2": "v2", "legacy": ""}
    backend.update_documents(
        "demand", [ListingDocument(kind="demand", id="2", title="乙", version="v3")], ["1"]
    )
    backend.refresh()
    assert backend.indexed_versions("demand") == {"2": "v3", "legacy": ""}
    assert backend.indexed_versions("technology") == {"1": "t1"}


def test_elasticsearch_pages_versions_through_a_point_in_time():
    first = compile_versions_page("pit-1", None, 1000)
    assert first == {
        "size": 1000,
        "query": {"match_all": {}},
        "pit": {"id": "pit-1", "keep_alive": "2m"},
        "sort": [{"_shard_doc": "asc"}],
        "_source": ["source.version"],
        "track_total_hits": False,
    }
    assert compile_versions_page("pit-2", [41], 10)["search_after"] == [41]
