"""Curators read the audit log in words and local time (issue 12.15)."""

from __future__ import annotations

import ast
import datetime as dt
import pathlib
import re

import pytest
from django.conf import settings

from marketplace.audit.actions import ACTION_LABELS, action_label
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import audit_record

ROOT = pathlib.Path(settings.BASE_DIR)
CODE = re.compile(r"^[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*$")
NOT_ACTIONS = re.compile(r"\.(xlsx|csv|txt|html|json|py|jsonl)$")


def _recorded_action_codes() -> dict[str, str]:
    """Every action code the source can record: the literal ``action=`` of each
    ``audit_record(`` call, and, in modules that pass the code through a variable or a
    helper, every ``entity.verb`` string literal of that module."""
    found: dict[str, str] = {}
    for base in ("marketplace", "cms", "search"):
        for path in (ROOT / base).rglob("*.py"):
            if "migrations" in path.parts or path.name == "actions.py":
                continue
            source = path.read_text(encoding="utf-8")
            if "audit_record(" not in source:
                continue
            tree = ast.parse(source)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if CODE.match(node.value) and not NOT_ACTIONS.search(node.value):
                        found.setdefault(node.value, str(path.relative_to(ROOT)))
    return found


def test_the_walk_finds_the_codes_of_every_app():
    codes = _recorded_action_codes()
    for code in (
        "organisation.verify",
        "listing.approve",
        "bid.award",
        "match.recommend",
        "project.start",
        "catalogue.import",
        "event.invite",
        "dashboard.export",
    ):
        assert code in codes


def test_every_recorded_action_code_has_a_chinese_label():
    missing = {
        code: where for code, where in _recorded_action_codes().items() if code not in ACTION_LABELS
    }
    assert missing == {}, "add these codes to marketplace/audit/actions.py ACTION_LABELS"


@pytest.mark.django_db
def test_list_detail_and_filter_show_labels_not_codes(client, curator):
    entry = audit_record(actor=curator, action="organisation.verify", obj=curator, note="资料齐全")
    client.force_login(curator)

    listing = client.get("/admin/audit_log/").content.decode()
    detail = client.get(f"/admin/audit_log/inspect/{entry.pk}/").content.decode()

    assert "单位认证通过" in listing and "单位认证通过" in detail
    assert ">organisation.verify<" not in listing.replace(" ", "").replace("\n", "")
    assert "organisation.verify" not in detail
    # The filter offers the action in words; the object type by its model's name.
    assert '<option value="organisation.verify">单位认证通过</option>' in listing
    assert "accounts.user" not in detail
    filtered = client.get("/admin/audit_log/", {"action": "organisation.verify"})
    assert filtered.status_code == 200 and "资料齐全" in filtered.content.decode()


def test_unknown_code_keeps_its_entity_in_words():
    assert action_label("bid.archive") == "揭榜方案：bid.archive"
    assert action_label("weird") == "weird"


@pytest.mark.django_db
def test_detail_shows_the_same_local_time_as_the_list(client, curator):
    entry = audit_record(actor=curator, action="bid.award", obj=None, note="定榜")
    AuditEntry.objects.filter(pk=entry.pk).update(
        created_at=dt.datetime(2025, 3, 1, 1, 30, tzinfo=dt.UTC)
    )
    client.force_login(curator)

    listing = client.get("/admin/audit_log/").content.decode()
    detail = client.get(f"/admin/audit_log/inspect/{entry.pk}/").content.decode()

    assert "2025年3月1日 09:30" in listing  # 01:30 UTC in Beijing time (TIME_ZONE)
    assert "2025年3月1日 09:30" in detail
    assert "01:30" not in detail
