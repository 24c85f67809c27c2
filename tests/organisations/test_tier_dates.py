"""Bad tier dates: a translated error on the field, never the database constraint's name (12.15)."""

from __future__ import annotations

import datetime as dt

import pytest

from marketplace.organisations.forms import EnterpriseTierForm
from marketplace.organisations.models import EnterpriseTier
from tests.factories import EnterpriseTierFactory

pytestmark = pytest.mark.django_db


def _admin_data(organisation, certified: str, expires: str) -> dict:
    return {
        "kind": "enterprise",
        "name": organisation.name,
        "credit_code": organisation.credit_code,
        "district": organisation.district,
        "contact_name": "张工",
        "contact_phone": "0531-88888888",
        "tiers-TOTAL_FORMS": "1",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
        "tiers-0-tier": "gazelle",
        "tiers-0-certified_on": certified,
        "tiers-0-expires_on": expires,
        "tiers-0-certificate_number": "",
        "tiers-0-id": "",
        "tiers-0-DELETE": "",
    }


def test_admin_edit_with_expiry_before_certification_shows_a_field_error(
    client, curator, pending_org
):
    client.force_login(curator)

    response = client.post(
        f"/admin/organisations/edit/{pending_org.pk}/",
        _admin_data(pending_org, "2025-06-01", "2024-06-01"),
    )

    assert response.status_code == 200  # the form again, not a redirect or a 500
    body = response.content.decode()
    assert "有效期至必须晚于认定日期（2025-06-01）。" in body
    assert "tier_expiry_after_certification" not in body
    assert not EnterpriseTier.objects.filter(organisation=pending_org).exists()
    form = response.context["form"]
    errors = form.formsets["tiers"].forms[0].errors
    assert list(errors) == ["expires_on"]


def test_same_day_expiry_is_refused_on_the_field_in_the_member_form():
    form = EnterpriseTierForm(
        {"tier": "gazelle", "certified_on": "2025-06-01", "expires_on": "2025-06-01"}
    )

    assert not form.is_valid()
    assert form.errors["expires_on"] == ["有效期至必须晚于认定日期（2025-06-01）。"]
    assert "__all__" not in form.errors


def test_model_full_clean_reports_the_field(pending_org):
    tier = EnterpriseTierFactory.build(
        organisation=pending_org,
        certified_on=dt.date(2025, 6, 1),
        expires_on=dt.date(2025, 1, 1),
    )

    with pytest.raises(Exception) as error:
        tier.full_clean()

    assert set(error.value.message_dict) == {"expires_on"}
