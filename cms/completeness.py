"""How complete and precise a listing is: a 0–100 score and what is still missing or vague.

Pure functions over a page object (saved, unsaved or rebuilt from a revision), so the
workspace, the Wagtail admin panel and tests all score the same draft the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape

from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

MIN_PROBLEM_CHARS = 100
MIN_SUMMARY_CHARS = 100
MIN_KEYWORDS = 3
NUMBER = re.compile(r"\d")
# Stage → the TRL range (GB/T 22900) a result at that stage plausibly has.
STAGE_TRL = {"lab": (1, 4), "small_pilot": (3, 6), "pilot": (5, 7), "mature": (7, 9)}


@dataclass(frozen=True)
class Issue:
    """One missing or vague item, named by the field a member should fix."""

    field: str
    label: str
    message: str
    weight: int


@dataclass
class Completeness:
    """The score and the issues behind it."""

    score: int
    issues: list[Issue] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return not self.issues


Check = Callable[[object], "str | None"]


def plain_length(value: str) -> int:
    """Characters of visible text in a (possibly rich) text value, ignoring whitespace."""
    text = unescape(strip_tags(value or ""))
    return len(re.sub(r"\s+", "", text))


def label_of(page, name: str) -> str:
    verbose_name = getattr(type(page)._meta.get_field(name), "verbose_name", None)
    if verbose_name:
        return str(verbose_name)
    # Child relations (inline lists) have no verbose name of their own.
    return str(
        {
            "indicators": _("核心技术指标"),
            "ip_items": _("知识产权"),
            "attachments": _("证明材料"),
        }.get(name, name)
    )


# ---------------------------------------------------------------------------
# Checks shared by both listing types: return a message when the item falls short.


def check_keywords(page) -> str | None:
    count = len(page.keyword_list)
    if count == 0:
        return _("未填写关键词。")
    if count < MIN_KEYWORDS:
        return _("关键词偏少（至少 %(n)d 个）。") % {"n": MIN_KEYWORDS}
    return None


def check_cooperation(page) -> str | None:
    return None if page.cooperation_modes.all() else _("未选择合作方式。")


def check_field(page) -> str | None:
    return None if page.technology_field_id else _("未选择技术领域。")


def check_industry_chain(page) -> str | None:
    return None if page.industry_chain_id else _("未选择产业链。")


def check_contact(page) -> str | None:
    return None if page.contact_name and page.contact_phone else _("联系人或联系电话未填写。")


# ---------------------------------------------------------------------------
# Demand checks


def check_problem(page) -> str | None:
    length = plain_length(page.problem)
    if length == 0:
        return _("未描述主要技术问题。")
    if length < MIN_PROBLEM_CHARS:
        return _("技术问题描述过短（%(n)d 字，建议不少于 %(min)d 字）。") % {
            "n": length,
            "min": MIN_PROBLEM_CHARS,
        }
    return None


def check_indicators(page) -> str | None:
    indicators = list(page.indicators.all())
    if not indicators:
        return _("没有核心技术指标。")
    if not any(NUMBER.search(i.target_value or "") for i in indicators):
        return _("指标没有量化目标值（目标值中应含数字）。")
    return None


def check_bid_deadline(page) -> str | None:
    return None if page.bid_deadline else _("未设置揭榜截止时间。")


def check_delivery_deadline(page) -> str | None:
    return None if page.delivery_deadline else _("未设置攻关完成时限。")


def check_budget(page) -> str | None:
    if page.budget_kind == "negotiable":
        return _("资金投入为面议，建议给出预算区间。")
    if not page.budget_max:
        return _("未填写预算金额。")
    return None


def check_expected_outcome(page) -> str | None:
    return None if plain_length(page.expected_outcome) else _("未填写预期成果。")


# ---------------------------------------------------------------------------
# Technology checks


def check_summary(page) -> str | None:
    length = plain_length(page.summary)
    if length == 0:
        return _("未填写成果简介。")
    if length < MIN_SUMMARY_CHARS:
        return _("成果简介过短（%(n)d 字，建议不少于 %(min)d 字）。") % {
            "n": length,
            "min": MIN_SUMMARY_CHARS,
        }
    return None


def check_trl(page) -> str | None:
    if not page.trl:
        return _("未填写技术就绪度（TRL）。")
    low, high = STAGE_TRL.get(page.stage, (1, 9))
    if not low <= page.trl <= high:
        return _("TRL %(trl)d 与所处阶段不一致。") % {"trl": page.trl}
    return None


def check_ip(page) -> str | None:
    return None if page.ip_items.all() else _("未列出知识产权。")


def check_evidence(page) -> str | None:
    if not page.attachments.all():
        return _("没有证明材料附件（检测报告、中试报告等）。")
    return None


def check_tech_indicators(page) -> str | None:
    if not plain_length(page.indicators):
        return _("未填写主要技术经济指标。")
    if not NUMBER.search(page.indicators):
        return _("技术经济指标没有量化数据。")
    return None


def check_scenarios(page) -> str | None:
    return None if plain_length(page.application_scenarios) else _("未填写应用场景。")


def check_team(page) -> str | None:
    return None if page.team_lead else _("未填写团队负责人。")


# (field, weight, check); weights of each list sum to 100.
DEMAND_CHECKS: list[tuple[str, int, Check]] = [
    ("problem", 20, check_problem),
    ("indicators", 20, check_indicators),
    ("bid_deadline", 10, check_bid_deadline),
    ("delivery_deadline", 5, check_delivery_deadline),
    ("keywords", 10, check_keywords),
    ("budget_max", 10, check_budget),
    ("cooperation_modes", 10, check_cooperation),
    ("technology_field", 5, check_field),
    ("expected_outcome", 5, check_expected_outcome),
    ("contact_phone", 5, check_contact),
]
TECHNOLOGY_CHECKS: list[tuple[str, int, Check]] = [
    ("summary", 20, check_summary),
    ("trl", 10, check_trl),
    ("ip_items", 15, check_ip),
    ("attachments", 10, check_evidence),
    ("indicators", 10, check_tech_indicators),
    ("keywords", 10, check_keywords),
    ("cooperation_modes", 10, check_cooperation),
    ("application_scenarios", 5, check_scenarios),
    ("technology_field", 5, check_field),
    ("contact_phone", 5, check_contact),
]


def checks_for(page) -> list[tuple[str, int, Check]]:
    return DEMAND_CHECKS if hasattr(page, "problem") else TECHNOLOGY_CHECKS


def listing_completeness(page) -> Completeness:
    """Score a demand or technology page and list what is missing or vague."""
    issues = []
    for name, weight, check in checks_for(page):
        message = check(page)
        if message:
            issues.append(
                Issue(field=name, label=label_of(page, name), message=str(message), weight=weight)
            )
    return Completeness(score=100 - sum(i.weight for i in issues), issues=issues)
