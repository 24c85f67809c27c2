"""Issue 12.15: Wagtail 8 admin strings its own zh_Hans catalogue lacks are Chinese for
curators (locale/zh_Hans holds only those msgids)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext
from wagtail.models import Page

pytestmark = pytest.mark.django_db


def test_missing_wagtail_msgids_are_chinese():
    with translation.override("zh-hans"):
        assert gettext("Date updated") == "更新日期"
        assert gettext("Content metrics") == "内容指标"
        assert (
            ngettext("Referenced %(count)s time", "Referenced %(count)s times", 3) % {"count": 3}
            == "被引用 3 次"
        )
        # Wagtail's own translations are untouched.
        assert gettext("Actions") == "动作"
    with translation.override("en"):
        assert gettext("Date updated") == "Date updated"


def test_page_explorer_filters_are_chinese_for_a_curator(client, curator):
    client.force_login(curator)
    root = Page.objects.filter(depth=2).first()
    body = client.get(f"/admin/pages/{root.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "编辑者" in body and "Edited by" not in body
    assert "有子页面" in body and "Has child pages" not in body
