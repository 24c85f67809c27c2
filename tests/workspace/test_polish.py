"""Workspace and listing polish (issue 12, point 8): one status badge, taxonomy values in
the active language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField

from ..factories import DemandPageFactory

pytestmark = pytest.mark.django_db


def badges(body: str, title: str) -> list[str]:
    heading = re.search(rf"<h3>{re.escape(title)}(.*?)</h3>", body, re.S).group(1)
    return re.findall(r'<span class="badge[^"]*">([^<]+)</span>', heading)


def test_a_new_listing_in_review_has_one_badge(client, enterprise_member, enterprise):
    page = DemandPageFactory(organisation=enterprise, live=False, status="draft", title="甲需求")
    client.force_login(enterprise_member)
    client.post(reverse("workspace:listing_submit", kwargs={"kind": "demand", "pk": page.pk}))
    body = client.get(reverse("workspace:dashboard")).content.decode()
    assert badges(body, "甲需求") == ["审核中"]


def test_an_edit_of_a_public_listing_in_review_shows_both_states(
    client, enterprise_member, enterprise
):
    from tests.workspace.helpers import demand_data

    page = DemandPageFactory(organisation=enterprise, title="乙需求")
    client.force_login(enterprise_member)
    edit = reverse("workspace:listing_edit", kwargs={"kind": "demand", "pk": page.pk})
    client.post(edit, demand_data(title="乙需求"))
    client.post(reverse("workspace:listing_submit", kwargs={"kind": "demand", "pk": page.pk}))
    body = client.get(reverse("workspace:dashboard")).content.decode()
    assert badges(body, "乙需求") == ["揭榜中", "审核中"]


# A value whose Chinese name is already a msgid of the English catalogue stands in for the
# values cms.setup marks for translation (their English names are added to the catalogue).
KNOWN = "技术领域", "Technology field"


def test_taxonomy_values_show_in_the_active_language():
    mode = CooperationMode.objects.create(name=KNOWN[0], slug="known-msgid")
    with translation.override("en"):
        assert str(mode) == KNOWN[1]
    with translation.override("zh-hans"):
        assert str(mode) == KNOWN[0]
    assert mode.name == KNOWN[0]  # stored as typed


def test_listing_page_shows_taxonomy_values_translated(client, settings):
    chain = IndustryChain.objects.create(name=KNOWN[0], slug="known-chain")
    field = TechnologyField.objects.create(name="中试", slug="known-field")  # msgid: Pilot scale
    page = DemandPageFactory(industry_chain=chain, technology_field=field)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(page.url).content.decode()
    assert "Technology field" in body and "Pilot scale" in body


def test_setup_taxonomy_names_are_marked_for_translation():
    # makemessages finds them: each name in cms/setup.py is wrapped in gettext_noop.
    from pathlib import Path

    import cms.setup as setup

    source = Path(setup.__file__).read_text(encoding="utf-8")
    for _slug, name in setup.INDUSTRY_CHAINS + setup.TECHNOLOGY_FIELDS + setup.COOPERATION_MODES:
        assert f'gettext_noop("{name}")' in source
