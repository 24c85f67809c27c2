"""The catalogue workbook layout: one column list per kind, shared by template, import and export.

Money is written in 万元 (up to four decimals, so every yuan amount is exact) and
stored in yuan; dates are ``YYYY-MM-DD`` text or Excel date cells.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext_lazy as _

from cms.models import (
    Attribute,
    BudgetKind,
    DemandIndicator,
    DemandPage,
    IPOwnership,
    IPStatus,
    IPType,
    Level,
    PriceKind,
    Stage,
    TechnologyIP,
)
from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField
from marketplace.organisations.credit_code import validate_credit_code
from marketplace.organisations.districts import District
from marketplace.organisations.models import Organisation

# Rows whose 外部编号 starts with this are the template's examples and are skipped.
EXAMPLE_PREFIX = "示例"
LIST_SPLIT = re.compile(r"[、,，;；\n]+")
LINE_SPLIT = re.compile(r"[\r\n]+")
PART_SPLIT = re.compile(r"[|｜]")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
YUAN_PER_WAN = 10_000


class CellError(ValueError):
    """A cell whose value cannot be used; the message says why, in the user's language."""


class Lookups:
    """Taxonomies loaded once per import, matched by name or code."""

    def __init__(self) -> None:
        self.taxonomies = {
            model: {key: obj for obj in model.objects.all() for key in (obj.name, obj.slug)}
            for model in (IndustryChain, TechnologyField, CooperationMode)
        }

    def find(self, model, value: str):
        try:
            return self.taxonomies[model][value]
        except KeyError:
            raise CellError(
                _("“%(value)s”不是有效的%(what)s，请使用填写说明中列出的名称。")
                % {"value": value, "what": model._meta.verbose_name}
            ) from None


# ---------------------------------------------------------------------------
# Cell parsers: (value, lookups) -> python value; raise CellError. Never called on empty cells.


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.strftime("%Y-%m-%d")
    return str(value).strip()


def text(max_length: int | None = None) -> Callable[[Any, Lookups], str]:
    def parse(value: Any, lookups: Lookups) -> str:
        result = _text(value)
        if max_length and len(result) > max_length:
            raise CellError(
                _("最多%(max)d个字，当前%(n)d个字。") % {"max": max_length, "n": len(result)}
            )
        return result

    return parse


def rich_text(value: Any, lookups: Lookups) -> str:
    return "".join(
        f"<p>{escape(line.strip())}</p>" for line in LINE_SPLIT.split(_text(value)) if line.strip()
    )


def parse_date(value: Any, lookups: Lookups | None = None) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    raise CellError(_("日期格式不正确，应为 YYYY-MM-DD，例如 2026-06-30。"))


def end_of_day(value: Any, lookups: Lookups) -> dt.datetime:
    day = parse_date(value)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def money_wan(value: Any, lookups: Lookups) -> int:
    if isinstance(value, bool):
        raise CellError(_("应为以万元为单位的数字，例如 50 或 12.5。"))
    raw = str(value).strip().replace(",", "").replace("，", "")
    raw = raw.removesuffix("万元").removesuffix("万").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise CellError(_("应为以万元为单位的数字，例如 50 或 12.5。")) from None
    if not amount.is_finite() or amount < 0:
        raise CellError(_("金额不能为负数。"))
    yuan = amount * YUAN_PER_WAN
    if yuan != yuan.to_integral_value():
        raise CellError(_("金额最多保留四位小数（精确到元）。"))
    return int(yuan)


def integer(low: int, high: int) -> Callable[[Any, Lookups], int]:
    def parse(value: Any, lookups: Lookups) -> int:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise CellError(_("应为整数。")) from None
        if number != number.to_integral_value():
            raise CellError(_("应为整数。"))
        if not low <= number <= high:
            raise CellError(_("应在 %(low)d 到 %(high)d 之间。") % {"low": low, "high": high})
        return int(number)

    return parse


def yes_no(value: Any, lookups: Lookups) -> bool:
    if isinstance(value, bool):
        return value
    raw = _text(value).lower()
    if raw in {"是", "y", "yes", "true", "1"}:
        return True
    if raw in {"否", "n", "no", "false", "0"}:
        return False
    raise CellError(_("应填写“是”或“否”。"))


def workbook_label(label) -> str:
    """A choice label as workbooks hold it: in the site's language, whatever the UI language.

    The catalogue workbook is a Chinese exchange format (Chinese headers); writing its values
    in the reader's UI language would make an export taken in English fail to re-import.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


@cache
def _choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Code or label in any of the site's languages (case-folded) → the choice's code."""
    lookup = {}
    for language, _name in reversed(settings.LANGUAGES):  # the first language wins a clash
        with translation.override(language):
            lookup.update({str(label).casefold(): value for value, label in choices.choices})
    lookup.update({value.casefold(): value for value in choices.values})
    return lookup


def _choice_value(choices: type[models.TextChoices], raw: str) -> str:
    """The code of a choice given by code or by its label in any of the site's languages."""
    value = _choice_lookup(choices).get(raw.strip().casefold())
    if value is not None:
        return value
    raise CellError(
        _("“%(value)s”不是允许的值，可选：%(allowed)s。")
        % {"value": raw, "allowed": "、".join(workbook_label(label) for label in choices.labels)}
    )


def choice(choices: type[models.TextChoices]) -> Callable[[Any, Lookups], str]:
    return lambda value, lookups: _choice_value(choices, _text(value))


def credit_code(value: Any, lookups: Lookups) -> str:
    try:
        return validate_credit_code(_text(value))
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


def taxonomy(model) -> Callable[[Any, Lookups], Any]:
    return lambda value, lookups: lookups.find(model, _text(value))


def taxonomies(model) -> Callable[[Any, Lookups], list]:
    def parse(value: Any, lookups: Lookups) -> list:
        names = [name.strip() for name in LIST_SPLIT.split(_text(value)) if name.strip()]
        return list(dict.fromkeys(lookups.find(model, name) for name in names))

    return parse


def _parts(line: str, n: int) -> list[str]:
    parts = [part.strip() for part in PART_SPLIT.split(line)]
    if len(parts) > n:
        raise CellError(
            _("“%(line)s”的字段过多，每行最多%(n)d项，用“|”分隔。") % {"line": line, "n": n}
        )
    return parts + [""] * (n - len(parts))


def indicators(value: Any, lookups: Lookups) -> list[DemandIndicator]:
    result = []
    for line in filter(None, (line.strip() for line in LINE_SPLIT.split(_text(value)))):
        name, target, unit, verification = _parts(line, 4)
        if not name or not target:
            raise CellError(
                _("“%(line)s”缺少指标名称或目标值，格式：指标名称|目标值|单位|考核方式。")
                % {"line": line}
            )
        result.append(
            DemandIndicator(
                name=name[:100],
                target_value=target[:60],
                unit=unit[:30],
                verification=verification[:200],
            )
        )
    return result


def ip_items(value: Any, lookups: Lookups) -> list[TechnologyIP]:
    result = []
    for line in filter(None, (line.strip() for line in LINE_SPLIT.split(_text(value)))):
        kind, number, title, status = _parts(line, 4)
        result.append(
            TechnologyIP(
                ip_type=_choice_value(IPType, kind),
                number=number[:60],
                title=title[:150],
                status=_choice_value(IPStatus, status) if status else IPStatus.GRANTED,
            )
        )
    return result


# ---------------------------------------------------------------------------
# Cell writers for export: page -> cell value.


def _label(choices: type[models.TextChoices], name: str) -> Callable[[Any], str]:
    return lambda page: (
        workbook_label(choices(getattr(page, name)).label) if getattr(page, name) else ""
    )


def _wan(name: str) -> Callable[[Any], Any]:
    def export(page) -> Any:
        yuan = getattr(page, name)
        if yuan is None:
            return None
        wan = Decimal(yuan) / YUAN_PER_WAN
        return int(wan) if wan == wan.to_integral_value() else float(wan)

    return export


def _plain(name: str) -> Callable[[Any], str]:
    def export(page) -> str:
        html = re.sub(r"</p>|<br\s*/?>", "\n", getattr(page, name) or "")
        return "\n".join(line.strip() for line in strip_tags(html).splitlines() if line.strip())

    return export


def _local_date(name: str) -> Callable[[Any], Any]:
    def export(page) -> Any:
        value = getattr(page, name)
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value).date()
        return value

    return export


def _names(name: str) -> Callable[[Any], str]:
    return lambda page: "、".join(obj.name for obj in getattr(page, name).all())


def _indicator_lines(page) -> str:
    return "\n".join(
        "|".join([i.name, i.target_value, i.unit, i.verification]).rstrip("|")
        for i in page.indicators.all()
    )


def _ip_lines(page) -> str:
    return "\n".join(
        "|".join([str(ip.get_ip_type_display()), ip.number, ip.title, str(ip.get_status_display())])
        for ip in page.ip_items.all()
    )


# ---------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class Column:
    """One workbook column: its Chinese header, how a cell is read and how it is written."""

    header: str
    field: str
    parse: Callable[[Any, Lookups], Any]
    export: Callable[[Any], Any] | None = None
    required: bool = False
    empty: Any = ""
    note: str = ""
    allowed: Callable[[], list[str]] | None = None
    example: Any = None
    width: int = 18
    # Where the value goes: "page", "organisation" or "m2m" / "children" on the page.
    target: str = "page"
    extra: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The header as written in the workbook; required columns carry an asterisk."""
        return f"{self.header}*" if self.required else self.header

    def to_cell(self, page) -> Any:
        if self.export is not None:
            return self.export(page)
        value = getattr(page, self.field)
        return "" if value is None else value


def _labels(choices: type[models.TextChoices]) -> Callable[[], list[str]]:
    return lambda: [workbook_label(label) for label in choices.labels]


def _names_of(model) -> Callable[[], list[str]]:
    return lambda: list(model.objects.values_list("name", flat=True))


def _org(name: str) -> Callable[[Any], Any]:
    return lambda page: getattr(page.organisation, name)


def _district_label(page) -> str:
    return workbook_label(District(page.district).label) if page.district else ""


DATE_NOTE = _("日期格式 YYYY-MM-DD（如 2026-06-30），也可直接填写 Excel 日期。")
MONEY_NOTE = _("单位：万元，可带最多四位小数（精确到元），如 50 或 12.5。")
MULTI_NOTE = _("可填多个，用顿号“、”或逗号分隔。")

COMMON_HEAD = [
    Column(
        "外部编号",
        "external_ref",
        text(64),
        required=True,
        width=16,
        export=lambda p: listing_ref(p),
        note=_(
            "各地市/高校报送目录中的唯一编号；再次导入同一编号会更新原条目而不是新增。以“示例”开头的行不会导入。"
        ),
    ),
]


def _org_columns(kind: str) -> list[Column]:
    who = _("需求单位") if kind == "demand" else _("完成单位")
    return [
        Column(
            str(who),
            "org_name",
            text(120),
            export=_org("name"),
            required=True,
            width=28,
            target="organisation",
            note=_(
                "单位全称；平台中尚无此信用代码的单位会自动创建并进入单位认证待审核，认证通过前其项目只保存为草稿，不发布。"
            ),
        ),
        Column(
            "统一社会信用代码",
            "credit_code",
            credit_code,
            export=_org("credit_code"),
            required=True,
            width=22,
            target="organisation",
            note=_("18位，按 GB 32100-2015 校验；可含空格或全角字符。"),
        ),
    ]


CONTACT_COLUMNS = [
    Column(
        "联系人", "contact_name", text(50), width=10, note=_("新建单位时必填（作为单位联系人）。")
    ),
    Column("联系电话", "contact_phone", text(32), width=16, note=_("新建单位时必填。")),
    Column("联系邮箱", "contact_email", text(254), width=22),
]

DISTRICT = Column(
    "所在区县",
    "district",
    choice(District),
    export=_district_label,
    required=True,
    width=14,
    allowed=_labels(District),
    note=_("济南市区县或功能区名称。"),
)


def _choice_column(
    header: str, name: str, choices: type[models.TextChoices], *, empty: Any, width: int
) -> Column:
    """An optional column holding one of ``choices``, written and read by its label."""
    return Column(
        header,
        name,
        choice(choices),
        export=_label(choices, name),
        empty=empty,
        allowed=_labels(choices),
        width=width,
    )


def _taxonomy_column(header: str, name: str, model, *, required: bool, width: int) -> Column:
    """A column naming one entry of a taxonomy snippet (chain or field), read and written by name."""
    return Column(
        header,
        name,
        taxonomy(model),
        export=lambda p: getattr(p, name) and getattr(p, name).name,
        required=required,
        empty=None,
        allowed=_names_of(model),
        width=width,
    )


def _cooperation_column(header: str) -> Column:
    """The cooperation modes of a listing (several, by name): 合作方式 / 转化方式."""
    return Column(
        header,
        "cooperation_modes",
        taxonomies(CooperationMode),
        export=_names("cooperation_modes"),
        empty=[],
        target="m2m",
        allowed=_names_of(CooperationMode),
        note=MULTI_NOTE,
        width=24,
    )


def _chain_column(*, required: bool) -> Column:
    return _taxonomy_column("产业链", "industry_chain", IndustryChain, required=required, width=22)


def _field_column(*, required: bool) -> Column:
    return _taxonomy_column(
        "技术领域", "technology_field", TechnologyField, required=required, width=18
    )


DEMAND_COLUMNS: list[Column] = [
    *COMMON_HEAD,
    Column("需求名称", "title", text(255), required=True, width=36),
    *_org_columns("demand"),
    DISTRICT,
    _chain_column(required=True),
    _field_column(required=False),
    Column("关键词", "keywords", text(200), note=_("3–8个，用逗号或顿号分隔。"), width=24),
    Column(
        "主要技术问题",
        "problem",
        rich_text,
        export=_plain("problem"),
        required=True,
        width=48,
        note=_("纯文本；每行一段。"),
    ),
    Column(
        "核心技术指标",
        "indicators",
        indicators,
        export=_indicator_lines,
        empty=[],
        target="children",
        width=36,
        note=_(
            "每行一项，格式：指标名称|目标值|单位|考核方式，如“焊后变形量|≤0.2|mm|第三方检测”。"
        ),
    ),
    Column("研发现状", "current_state", text(), width=30),
    Column("国内外对标情况", "benchmark", text(), width=30),
    Column("预期成果", "expected_outcome", text(), width=30),
    Column("应用场景", "application_scenario", text(), width=30),
    Column(
        "揭榜截止日期",
        "bid_deadline",
        end_of_day,
        export=_local_date("bid_deadline"),
        empty=None,
        note=DATE_NOTE,
        width=14,
    ),
    Column(
        "攻关完成时限",
        "delivery_deadline",
        lambda v, lk: parse_date(v),
        empty=None,
        note=DATE_NOTE,
        width=14,
    ),
    _choice_column(
        "知识产权归属", "ip_ownership", IPOwnership, empty=IPOwnership.CONTRACT, width=14
    ),
    _choice_column("资金投入方式", "budget_kind", BudgetKind, empty=BudgetKind.RANGE, width=14),
    Column(
        "预算下限（万元）",
        "budget_min",
        money_wan,
        export=_wan("budget_min"),
        empty=None,
        note=MONEY_NOTE,
        width=14,
    ),
    Column(
        "预算上限/榜额（万元）",
        "budget_max",
        money_wan,
        export=_wan("budget_max"),
        empty=None,
        note=MONEY_NOTE,
        width=16,
    ),
    _cooperation_column("合作方式"),
    Column("揭榜方条件", "bidder_requirements", text(), width=30),
    Column(
        "拟择优揭榜方数量",
        "winners_count",
        integer(1, 10),
        empty=1,
        note=_("1–10 的整数，默认 1。"),
        width=10,
    ),
    Column(
        "截止前密封投标",
        "sealed_bids",
        yes_no,
        export=lambda p: "是" if p.sealed_bids else "否",
        empty=False,
        allowed=lambda: ["是", "否"],
        width=10,
    ),
    *CONTACT_COLUMNS,
]

TECHNOLOGY_COLUMNS: list[Column] = [
    *COMMON_HEAD,
    Column("成果名称", "title", text(255), required=True, width=36),
    *_org_columns("technology"),
    Column(
        "单位类型",
        "org_kind",
        choice(Organisation.Kind),
        export=lambda p: workbook_label(Organisation.Kind(p.organisation.kind).label),
        empty=Organisation.Kind.UNIVERSITY,
        target="organisation",
        width=10,
        allowed=lambda: [
            workbook_label(Organisation.Kind.UNIVERSITY.label),
            workbook_label(Organisation.Kind.INSTITUTE.label),
        ],
        note=_("仅在新建单位时使用，默认“高校”。"),
    ),
    DISTRICT,
    _field_column(required=True),
    _chain_column(required=False),
    Column("关键词", "keywords", text(200), note=_("3–8个，用逗号或顿号分隔。"), width=24),
    Column("成果简介", "summary", text(), required=True, width=48, note=_("200–500字为宜。")),
    Column(
        "技术说明",
        "description",
        rich_text,
        export=_plain("description"),
        width=40,
        note=_("纯文本；每行一段。"),
    ),
    _choice_column("成果属性", "attribute", Attribute, empty=Attribute.ORIGINAL, width=16),
    _choice_column("成果水平", "level", Level, empty=Level.UNRATED, width=12),
    _choice_column("成果所处阶段", "stage", Stage, empty=Stage.LAB, width=12),
    Column(
        "技术就绪度（TRL）",
        "trl",
        integer(1, 9),
        empty=3,
        note=_("按 GB/T 22900 填写 1–9 的整数，默认 3。"),
        width=10,
    ),
    Column("主要技术经济指标", "indicators", text(), width=30),
    Column("应用场景", "application_scenarios", text(), width=30),
    Column("技术优势", "advantages", text(), width=30),
    Column(
        "知识产权",
        "ip_items",
        ip_items,
        export=_ip_lines,
        empty=[],
        target="children",
        width=36,
        note=_(
            "每行一项，格式：类型|编号|名称|法律状态，如“发明专利|ZL202310000000.1|一种……方法|已授权”。"
        ),
        allowed=_labels(IPType),
    ),
    _cooperation_column("转化方式"),
    _choice_column("报价方式", "price_kind", PriceKind, empty=PriceKind.NEGOTIABLE, width=10),
    Column(
        "意向价格（万元）",
        "asking_price",
        money_wan,
        export=_wan("asking_price"),
        empty=None,
        note=MONEY_NOTE,
        width=14,
    ),
    Column("团队负责人", "team_lead", text(50), width=12),
    Column("团队成员", "team_members", text(), width=24),
    *CONTACT_COLUMNS,
]

COLUMNS: dict[str, list[Column]] = {"demand": DEMAND_COLUMNS, "technology": TECHNOLOGY_COLUMNS}
SHEET_TITLES = {"demand": "技术需求目录", "technology": "科技成果目录"}
# The organisation kinds each catalogue accepts.
ORG_KINDS = {
    "demand": {Organisation.Kind.ENTERPRISE},
    "technology": {Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE},
}


def listing_ref(page) -> str:
    """The listing's external reference, or the one export generates so it re-imports in place."""
    if page.external_ref:
        return page.external_ref
    return f"JB-{'D' if isinstance(page, DemandPage) else 'T'}-{page.pk}"


def normalise_header(value: Any) -> str:
    return re.sub(r"[\s*＊]+", "", str(value or "")).replace("(", "（").replace(")", "）")
