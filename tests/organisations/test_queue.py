"""Verification queue additions: possible duplicates and expiring tier certifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from marketplace.organisations.selectors import (
    normalise_organisation_name,
    organisation_code,
    organisation_duplicates,
    tier_expiring_list,
)
from tests.factories import EnterpriseTierFactory, OrganisationFactory, credit_code

pytestmark = pytest.mark.django_db

LISTING = "/admin/organisations/"
EXPIRING = "/admin/organisations/expiring/"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("济南精工装备有限公司", "济南精工装备股份有限公司"),
        ("济南精工装备有限公司", "山东济南精工装备（集团）有限公司"),
        ("济南精工装备有限公司", "济南 精工装备 有限责任公司"),
        ("Ｊｉｎａｎ精工有限公司", "jinan精工(山东)有限公司"),
    ],
)
def test_similar_names_share_a_key(a, b):
    assert normalise_organisation_name(a) == normalise_organisation_name(b)


def test_different_bodies_keep_different_keys():
    assert normalise_organisation_name("济南大学") != normalise_organisation_name("山东大学")
    assert normalise_organisation_name("济南精工装备有限公司") != normalise_organisation_name(
        "济南精密装备有限公司"
    )


def test_organisation_code_is_the_body_part_of_the_credit_code():
    assert organisation_code("91370100MA3C5X1J2Q") == "MA3C5X1J2"
    assert organisation_code("bad") == ""


@pytest.fixture
def duplicates(db):
    original = OrganisationFactory(name="济南精工装备有限公司", credit_code=credit_code(501))
    renamed = OrganisationFactory(
        name="济南精工装备股份有限公司", verification="pending", credit_code=credit_code(502)
    )
    # Same 组织机构代码 (characters 9–17) under another registration authority's prefix.
    same_code = OrganisationFactory(
        name="历城精密机械有限公司",
        verification="pending",
        credit_code=credit_code(501, prefix="91370112"),
    )
    unrelated = OrganisationFactory(name="山东测试大学", kind="university")
    return original, renamed, same_code, unrelated


def test_duplicates_by_name_and_by_organisation_code(duplicates):
    original, renamed, same_code, unrelated = duplicates
    found = organisation_duplicates([original, renamed, same_code, unrelated])
    assert {(d.pk, d.reason) for d in found[original.pk]} == {
        (renamed.pk, "名称相近"),
        (same_code.pk, "组织机构代码相同"),
    }
    assert [d.pk for d in found[renamed.pk]] == [original.pk]
    assert [d.pk for d in found[same_code.pk]] == [original.pk]
    assert unrelated.pk not in found


def test_listing_flags_possible_duplicates_with_links(client, curator, duplicates):
    original, renamed, _same_code, unrelated = duplicates
    client.force_login(curator)
    response = client.get(LISTING, {"verification": "pending"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "可能重复" in body
    assert f"/admin/organisations/inspect/{original.pk}/" in body
    assert "名称相近" in body and "组织机构代码相同" in body


def test_listing_queries_do_not_grow_with_rows(client, curator, django_assert_max_num_queries):
    for n in range(30):
        OrganisationFactory(name=f"济南重复测试{n % 3}有限公司", credit_code=credit_code(600 + n))
    client.force_login(curator)
    client.get(LISTING)
    with django_assert_max_num_queries(30):
        assert client.get(LISTING).status_code == 200


def test_decision_page_warns_about_duplicates(client, curator, duplicates):
    original, renamed, _same_code, _unrelated = duplicates
    client.force_login(curator)
    body = client.get(f"/admin/organisations/verify/{renamed.pk}/").content.decode()
    assert "可能重复" in body and original.name in body


def test_expiring_tiers_within_90_days(client, curator):
    today = timezone.localdate()
    soon = EnterpriseTierFactory(
        organisation=OrganisationFactory(name="快到期科技有限公司"),
        certified_on=today - dt.timedelta(days=1000),
        expires_on=today + dt.timedelta(days=20),
        certificate_number="ZJTX-2022-001",
    )
    later = EnterpriseTierFactory(
        organisation=OrganisationFactory(name="明年到期科技有限公司"),
        certified_on=today - dt.timedelta(days=100),
        expires_on=today + dt.timedelta(days=200),
    )
    EnterpriseTierFactory(
        organisation=OrganisationFactory(name="已过期科技有限公司"),
        certified_on=today - dt.timedelta(days=1000),
        expires_on=today - dt.timedelta(days=1),
    )
    edge = EnterpriseTierFactory(
        organisation=OrganisationFactory(name="九十天到期科技有限公司"),
        certified_on=today - dt.timedelta(days=1000),
        expires_on=today + dt.timedelta(days=90),
    )
    assert list(tier_expiring_list()) == [soon, edge]
    client.force_login(curator)
    body = client.get(EXPIRING).content.decode()
    assert "快到期科技有限公司" in body and "ZJTX-2022-001" in body and "九十天到期" in body
    assert later.organisation.name not in body and "已过期科技有限公司" not in body
    assert "梯度认定到期提醒（2）" in client.get(LISTING).content.decode()


def test_expiring_list_is_for_curators_only(client, enterprise_member):
    client.force_login(enterprise_member)
    assert client.get(EXPIRING).status_code in (302, 403, 404)
