"""The verification queue shows how long each pending organisation has waited and its due date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.organisations.models import Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_queue_shows_age_and_due_date_of_pending_organisations(client, curator, settings):
    settings.JIEBANG_DUE_DAYS = {**settings.JIEBANG_DUE_DAYS, "organisation_verification": 5}
    late = OrganisationFactory(
        name="久等认证有限公司", verification=Organisation.Verification.PENDING
    )
    created = timezone.now() - dt.timedelta(days=7, hours=2)
    Organisation.objects.filter(pk=late.pk).update(created_at=created)
    done = OrganisationFactory(
        name="已认证有限公司", verification=Organisation.Verification.VERIFIED
    )
    client.force_login(curator)

    html = client.get(reverse("organisation_review:index")).content.decode()

    assert "等待时长 / 应办结时间" in html
    row = html[html.index(late.name) :]
    row = row[: row.index("</tr>")]
    assert "7 天前" in row
    assert f"应办结：{timezone.localtime(created + dt.timedelta(days=5)):%Y-%m-%d %H:%M}" in row
    assert "data-overdue" in row
    done_row = html[html.index(done.name) :]
    assert "天前" not in done_row[: done_row.index("</tr>")]
