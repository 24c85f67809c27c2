"""Curators' admin pages speak Chinese: no Python None, no English field names of ours (12.15)."""

from __future__ import annotations

import re

import pytest

from marketplace.audit.services import audit_record
from tests.factories import EnterpriseTierFactory

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg|template)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]*\bhidden\b[^>]*>.*?</div>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_organisation_pages_show_no_none_or_english_field_names(client, curator, pending_org):
    EnterpriseTierFactory(organisation=pending_org)
    entry = audit_record(actor=curator, action="organisation.verify", obj=pending_org)
    client.force_login(curator)
    for url in (
        "/admin/",
        "/admin/organisations/",
        f"/admin/organisations/inspect/{pending_org.pk}/",
        f"/admin/organisations/verify/{pending_org.pk}/",
        "/admin/organisations/expiring/",
        "/admin/audit_log/",
        f"/admin/audit_log/inspect/{entry.pk}/",
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        for word in (" None ", " Members ", "organisation.verify", "organisations.organisation"):
            assert word not in text, (url, word)
