"""Curators see index updates that gave up in the Wagtail admin; nobody else does."""

from __future__ import annotations

import pytest
from django.utils import timezone

from search.models import IndexFailure
from search.services import index_failure_record
from tests.factories import DemandPageFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/index_failures/"


@pytest.fixture
def failure(enterprise):
    page = DemandPageFactory(organisation=enterprise, title="超声波无损检测需求")
    return index_failure_record(
        kind="demand",
        page_ids=[page.pk, 999_999],
        attempts=5,
        task_name="sync_listings",
        error="IndexCorrupt: meta.json: expected value",
    )


def test_curators_see_open_and_resolved_give_ups(client, curator, failure):
    IndexFailure.objects.create(
        kind="technology",
        page_ids=list(range(1, 31)),
        attempts=5,
        task_name="sync_listings",
        resolved_at=timezone.now(),
        resolution=IndexFailure.Resolution.RECONCILED,
    )
    client.force_login(curator)
    assert LIST in client.get("/admin/").content.decode()  # in the sidebar menu
    html = client.get(LIST).content.decode()
    assert "索引同步失败" in html and "未修复" in html and "索引核对已修复" in html
    page_id = failure.page_ids[0]
    assert f"{page_id}, 999999" in html
    assert "1, 2, 3, 4, 5, 6, 7, 8, 9, 10 等 30 个" in html
    open_only = client.get(LIST, {"resolved": "false"}).content.decode()
    assert f"{page_id}, 999999" in open_only and "等 30 个" not in open_only

    html = client.get(f"{LIST}inspect/{failure.pk}/").content.decode()
    assert "超声波无损检测需求" in html and f"/admin/pages/{page_id}/edit/" in html
    assert "#999999 (已删除)" in html and "meta.json: expected value" in html


def test_give_ups_are_read_only_and_hidden_from_members(
    client, curator, enterprise_member, failure
):
    client.force_login(curator)
    for url in (f"{LIST}new/", f"{LIST}edit/{failure.pk}/", f"{LIST}delete/{failure.pk}/"):
        assert client.get(url).status_code == 404, url
    client.force_login(enterprise_member)
    response = client.get(LIST)
    assert response.status_code in (302, 403)
    assert "999999" not in response.content.decode()
    assert IndexFailure.objects.count() == 1
