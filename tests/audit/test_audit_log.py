"""The audit log below every app: its migration keeps old entries, and the decisions are logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from marketplace.audit.models import AuditEntry
from marketplace.audit.services import audit_record
from tests.factories import UserFactory

BEFORE_MOVE = [("curation", "0003_overduereminder")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


# Migrating back and forth needs real commits; serialized_rollback restores the site
# structure a flush removes, as the other transactional tests do.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moving_the_log_below_the_apps_keeps_every_entry():
    curator = UserFactory(email="audit-curator@example.com")
    executor = _migrate(BEFORE_MOVE)
    old = executor.loader.project_state(BEFORE_MOVE).apps.get_model("curation", "AuditEntry")
    when = dt.datetime(2025, 3, 1, 1, 30, tzinfo=dt.UTC)
    first = old.objects.create(
        actor_id=curator.pk,
        actor_label="审核员",
        action="match.recommend",
        object_type="matches.match",
        object_id="7",
        object_label="需求 × 成果",
        note="供需高度匹配",
        details={"score": 0.91},
    )
    second = old.objects.create(action="catalogue.export", note="demand")
    old.objects.filter(pk=first.pk).update(created_at=when)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    moved = {e.pk: e for e in AuditEntry.objects.all()}
    assert set(moved) == {first.pk, second.pk}
    entry = moved[first.pk]
    assert (entry.created_at, entry.actor_id, entry.actor_label) == (when, curator.pk, "审核员")
    assert (entry.action, entry.object_type, entry.object_id) == (
        "match.recommend",
        "matches.match",
        "7",
    )
    assert (entry.note, entry.details) == ("供需高度匹配", {"score": 0.91})
    # The new table's id sequence continues after the copied ids.
    assert audit_record(actor=curator, action="organisation.verify", obj=None).pk > second.pk


@pytest.mark.django_db
def test_curators_read_the_log_in_chinese_and_beijing_time(client, curator):
    entry = audit_record(actor=curator, action="bid.award", obj=None, note="定榜")
    AuditEntry.objects.filter(pk=entry.pk).update(
        created_at=dt.datetime(2025, 3, 1, 1, 30, tzinfo=dt.UTC)
    )
    client.force_login(curator)
    body = client.get("/admin/audit_log/").content.decode()
    assert "操作" in body and "原因/备注" in body
    assert "2025年3月1日 09:30" in body  # 01:30 UTC, shown in Beijing time
    assert str(AuditEntry.objects.get(pk=entry.pk)).startswith("2025-03-01 09:30 ")
