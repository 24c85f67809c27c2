"""The English catalogue (locale/en) is complete, compiled, and used by the public pages."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

from .factories import DemandPageFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def _po_entries(path: Path) -> list[dict]:
    """A minimal .po reader (entries are separated by blank lines): keys, strings and flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set()}
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#~"):
                entry = {}  # obsolete entries are not compiled
                break
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if "msgid" in entry:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def entries():
    return [e for e in _po_entries(CATALOGUE / "django.po") if e["msgid"]]


def test_catalogue_has_no_untranslated_or_fuzzy_entries(entries):
    assert len(entries) > 500
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:10]}"
    untranslated = [
        e["msgid"]
        for e in entries
        if not [k for k in e if k.startswith("msgstr")]
        or not all(e[k] for k in e if k.startswith("msgstr"))
    ]
    assert not untranslated, f"untranslated entries: {untranslated[:10]}"


def test_compiled_catalogue_matches_the_po_file(entries):
    """The shipped .mo is compiled from the current .po (the repo does not compile at run time)."""
    with open(CATALOGUE / "django.mo", "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    catalog = mo._catalog  # the stdlib exposes no public listing
    assert mo.info().get("plural-forms", "").startswith("nplurals=2;")
    stale = []
    for e in entries:
        msgid = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            for n in range(2):
                if catalog.get((msgid, n)) != e[f"msgstr[{n}]"]:
                    stale.append(e["msgid"])
        elif catalog.get(msgid) != e["msgstr"]:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is out of date with django.po (run compilemessages): {stale[:10]}"


def test_placeholders_survive_translation(entries):
    import re

    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{\}")
    for e in entries:
        wanted = sorted(placeholder.findall(e["msgid"]))
        for key in (k for k in e if k.startswith("msgstr")):
            assert sorted(placeholder.findall(e[key])) == wanted, (e["msgid"], e[key])


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_demand_catalogue_in_english(english):
    DemandPageFactory(title="锅炉烟气脱硝催化剂寿命提升")
    body = english.get("/demands/").content.decode()
    assert '<html lang="en">' in body
    for text in (
        "Jinan Industry–Academia–Research Matching Platform",
        "Sign in",
        "Sign up",
        "1 result",
        "Open for bids",
        "Industry chain",
        "Technology field",
        "Budget",
        "Deadline",
        "Search R&D demands",
        "Filters",
    ):
        assert text in body, text
    for text in (
        "济南产学研对接平台",
        "登录",
        "注册",
        "筛选",
        "共 1 项",
        "揭榜中",
        "全部区县",
        "搜索技术需求",
        "预算",
        "截止",
        "企业出题",
        "开源项目",
    ):
        assert text not in body, text


def test_technology_catalogue_in_english(english):
    TechnologyPageFactory(title="低温SCR脱硝催化剂")
    body = english.get("/technologies/").content.decode()
    assert '<html lang="en">' in body
    for text in ("1 result", "Published", "Search technologies", "Maturity", "Filters"):
        assert text in body, text
    for text in (
        "济南产学研对接平台",
        "登录",
        "筛选",
        "共 1 项",
        "已发布",
        "搜索科技成果",
        "成熟度",
        "面议",
    ):
        assert text not in body, text


def test_listing_pages_in_english(english):
    demand = DemandPageFactory(title="锅炉烟气脱硝催化剂寿命提升")
    body = english.get(demand.url).content.decode()
    for text in (
        "Bidding deadline",
        "Main technical problem",
        "Contact details",
        "Q&A",
        "Sign in to ask a question",
        "No questions yet.",
    ):
        assert text in body, text
    for text in ("揭榜截止时间", "主要技术问题", "联系方式", "答疑", "登录后提问", "暂无问题"):
        assert text not in body, text


def test_login_page_in_english(english):
    body = english.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body
    assert "Sign In" in body and "Sign up" in body
    for text in ("登录", "注册", "忘记密码", "济南产学研对接平台"):
        assert text not in body, text


def test_chinese_stays_the_default(client):
    body = client.get("/demands/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body and "济南产学研对接平台" in body


def test_one_chinese_word_two_english_meanings(english):
    """揭榜 is the site's name and a bid; 单位 an organisation and a unit of measure."""
    from django.utils import translation

    from cms.models import DemandIndicator

    demand = DemandPageFactory(title="锅炉烟气脱硝催化剂寿命提升")
    body = english.get(demand.url).content.decode()
    assert 'class="brand" href="/">Jiebang<small>' in body
    assert "<h2>Bid</h2>" in body
    with translation.override("en"):
        assert str(DemandIndicator._meta.get_field("unit").verbose_name) == "Unit"
