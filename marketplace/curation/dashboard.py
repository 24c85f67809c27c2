"""The market dashboard's tables: one registry shared by the pages, the charts and the exports.

A table is plain data (headers and rows of cells); the page renders it with an inline SVG
bar chart, and the .xlsx export writes the very same rows, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from marketplace.organisations.districts import District
from marketplace.organisations.selectors import age_text

from . import events, selectors
from .selectors import DashboardFilter

# ---------------------------------------------------------------------------
# Filters


class DashboardFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("首次发布自"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("至"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    district = forms.ChoiceField(label=_("区县"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("全部区县"))] + list(District.choices)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> DashboardFilter:
        """The valid part of the input; invalid values are reported on the form and ignored."""
        if not self.is_bound:
            return DashboardFilter()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return DashboardFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            district=data.get("district") or "",
        )


# ---------------------------------------------------------------------------
# Tables and charts


@dataclass
class Bar:
    label: str
    y: int
    segments: list[dict[str, Any]]


@dataclass
class Chart:
    """A horizontal bar chart laid out on the server: the template only draws the shapes."""

    height: int
    bars: list[Bar]
    legend: list[tuple[str, str]]


CHART_WIDTH = 640
LABEL_WIDTH = 190
BAR_AREA = 380
COLOURS = ("#007d7e", "#e07a1f", "#5b6abf")


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    chart_columns: tuple[int, ...] = ()
    display_limit: int | None = None
    highlight: list[bool] = field(default_factory=list)
    # Per row, where its link_column cell points on the page (the export keeps plain text).
    links: list[str] = field(default_factory=list)
    link_column: int = 1

    @property
    def shown_rows(self) -> list[list[Any]]:
        return self.rows[: self.display_limit] if self.display_limit else self.rows

    @property
    def rows_with_flags(self) -> list[tuple[list[Any], bool]]:
        flags = self.highlight or [False] * len(self.rows)
        return list(zip(self.shown_rows, flags, strict=False))

    @property
    def linked_rows(self) -> list[tuple[list[tuple[Any, str]], bool]]:
        """(cells as (value, link), overdue flag) for the page: one cell of a row may link."""
        links = self.links or [""] * len(self.rows)
        return [
            ([(cell, link if i == self.link_column else "") for i, cell in enumerate(row)], flag)
            for (row, flag), link in zip(self.rows_with_flags, links, strict=False)
        ]

    @cached_property
    def chart(self) -> Chart | None:
        return bar_chart(self) if self.chart_columns and self.rows else None


def bar_chart(table: Table, *, row_height: int = 24, max_bars: int = 30) -> Chart:
    """Lay out one bar per row (grouped when several columns are charted)."""
    rows = table.shown_rows[:max_bars]
    columns = table.chart_columns
    peak = max((_number(row[c]) for row in rows for c in columns), default=0) or 1
    thickness = (row_height - 6) // len(columns)
    bars = []
    for index, row in enumerate(rows):
        y = 4 + index * row_height
        segments = []
        for n, column in enumerate(columns):
            value = _number(row[column])
            width = round(BAR_AREA * value / peak, 1)
            top = y + n * thickness
            segments.append(
                {
                    "x": LABEL_WIDTH,
                    "y": top,
                    "width": width,
                    "height": thickness - 1,
                    "colour": COLOURS[n % len(COLOURS)],
                    "value": row[column],
                    "text_x": LABEL_WIDTH + width + 4,
                    "text_y": top + thickness - 3,
                }
            )
        bars.append(Bar(_short(str(row[0])), y + row_height // 2 + 2, segments))
    legend = [(table.headers[c], COLOURS[n % len(COLOURS)]) for n, c in enumerate(columns)]
    return Chart(height=8 + len(rows) * row_height, bars=bars, legend=legend)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def wan(yuan: int | None) -> float | int | None:
    """Yuan → 万元 for display and every export (exact: integers stay integers)."""
    if yuan is None:
        return None
    value = Decimal(yuan) / 10_000
    return int(value) if value == value.to_integral_value() else float(value)


# ---------------------------------------------------------------------------
# Figures: each selector runs once per request, however many tables read it


class Figures:
    def __init__(self, filters: DashboardFilter):
        self.filters = filters

    @cached_property
    def breakdown(self):
        return selectors.listing_breakdown(self.filters)

    @cached_property
    def states(self):
        return selectors.listing_state_counts(self.filters, self.breakdown)

    @cached_property
    def by_chain(self):
        return selectors.listing_counts_by(self.filters, "industry_chain_id", self.breakdown)

    @cached_property
    def by_district(self):
        return selectors.listing_counts_by(self.filters, "district", self.breakdown)

    @cached_property
    def bids(self):
        return selectors.bid_stats(self.filters)

    @cached_property
    def gap(self):
        return selectors.gap_tables(self.filters)


def _state_table(kind: str, title: str) -> Callable[[Figures], Table]:
    def build(figures: Figures) -> Table:
        rows = [[label, n] for _value, label, n in figures.states[kind]]
        rows.append([_("合计"), sum(r[1] for r in rows)])
        note = _("含草稿与审核中项目；按首次发布时间筛选时只计已发布过的项目。")
        return Table(f"state_{kind}", title, [_("状态"), _("数量")], rows, note, chart_columns=(1,))

    return build


def by_chain(figures: Figures) -> Table:
    demands, technologies = figures.by_chain
    rows = [
        [label, demands.get(pk, 0), technologies.get(pk, 0)]
        for pk, label in selectors.taxonomy_labels(selectors.IndustryChain)
    ]
    rows = [r for r in rows if r[0] != _("未分类") or r[1] or r[2]]
    return Table(
        "by_chain",
        _("按产业链（公开项目）"),
        [_("产业链"), _("技术需求"), _("科技成果")],
        rows,
        chart_columns=(1, 2),
    )


def by_district(figures: Figures) -> Table:
    demands, technologies = figures.by_district
    rows = [
        [str(label), demands.get(value, 0), technologies.get(value, 0)]
        for value, label in District.choices
    ]
    return Table(
        "by_district",
        _("按区县（公开项目）"),
        [_("区县"), _("技术需求"), _("科技成果")],
        rows,
        chart_columns=(1, 2),
    )


def bids_summary(figures: Figures) -> Table:
    stats = figures.bids
    hours = stats.median_hours_to_first_bid
    rows = [
        [_("已发布技术需求"), stats.demands],
        [_("收到揭榜的需求"), stats.demands_with_bids],
        [_("已提交揭榜方案"), stats.bids],
        [_("平均每项需求揭榜数"), stats.bids_per_demand],
        [_("首个揭榜的时间中位数（小时）"), hours if hours is not None else "—"],
        [_("首个揭榜的时间中位数（天）"), round(hours / 24, 1) if hours is not None else "—"],
    ]
    note = _("时间自需求首次发布起算，至第一份提交的揭榜方案（不含草稿）。")
    return Table("bids_summary", _("揭榜概况"), [_("指标"), _("数值")], rows, note)


def bid_buckets(figures: Figures) -> Table:
    rows = [[f"{label} 份", n] for label, n in figures.bids.buckets]
    return Table(
        "bid_buckets",
        _("每项需求的揭榜数分布"),
        [_("揭榜数"), _("需求数")],
        rows,
        chart_columns=(1,),
    )


def bids_per_demand(figures: Figures) -> Table:
    rows = [[d["title"], d["organisation"], d["bids"], d["hours"]] for d in figures.bids.per_demand]
    note = _("按揭榜数从多到少，页面显示前 20 项，导出文件含前 500 项。")
    return Table(
        "bids_per_demand",
        _("各需求揭榜数"),
        [_("技术需求"), _("需求单位"), _("揭榜数"), _("首个揭榜用时（小时）")],
        rows,
        note,
        chart_columns=(2,),
        display_limit=20,
    )


def _funnel_rows(stages) -> list[list[Any]]:
    first = stages[0][1] or 0
    return [[label, n, f"{round(100 * n / first, 1)}%" if first else "—"] for label, n in stages]


# Counts only: the money of deals is the ledger's (ledger_* tables), counted once.
FUNNEL_HEADERS = [_("阶段"), _("数量"), _("占第一阶段")]


def funnel_bids(figures: Figures) -> Table:
    rows = _funnel_rows(selectors.bid_funnel(figures.filters))
    note = _("揭榜与成交（两类目录合计）；按项目首次发布时间与所在区县筛选。")
    return Table("funnel_bids", _("揭榜成交漏斗"), FUNNEL_HEADERS, rows, note, chart_columns=(1,))


def funnel_matches(figures: Figures) -> Table | None:
    stages = selectors.match_funnel(figures.filters)
    if stages is None:
        return None
    note = _("对接推荐：提出 → 推荐 → 双方均表示有意向 → 成交；按需求的首次发布时间与区县筛选。")
    return Table(
        "funnel_matches",
        _("对接推荐漏斗"),
        FUNNEL_HEADERS,
        _funnel_rows(stages),
        note,
        chart_columns=(1,),
    )


GAP_HEADERS = [
    _("揭榜中需求"),
    _("无匹配成果的需求"),
    _("需求尚未测算"),
    _("已发布成果"),
    _("无匹配需求的成果"),
    _("成果尚未测算"),
]


def _gap_note(gap: selectors.GapTables) -> str:
    if gap.threshold is None:
        return _("对接推荐模块未启用，无法测算匹配覆盖。")
    if gap.last_run is None:
        return _(
            "匹配引擎尚未测算：运行 manage.py propose_matches（建议每晚运行）后，"
            "这里按匹配度统计供需缺口。"
        )
    return _(
        "“无匹配成果的需求”：匹配引擎在最近一次测算（%(when)s）中没有找到匹配度达到 "
        "%(threshold)s%% 且有共同关键词的公开成果；“无匹配需求的成果”反之。"
        "“尚未测算”为此后新发布、等待下次测算的项目。被统计的项目按筛选条件。"
    ) % {
        "when": date_format(timezone.localtime(gap.last_run), "SHORT_DATETIME_FORMAT"),
        "threshold": f"{gap.threshold:g}",
    }


def _gap_table(key: str, axis: str, title: str, first: str) -> Callable[[Figures], Table]:
    def build(figures: Figures) -> Table:
        rows = [
            [
                r.label,
                r.open_demands,
                r.uncovered_demands,
                r.unscanned_demands,
                r.public_technologies,
                r.unmatched_technologies,
                r.unscanned_technologies,
            ]
            for r in figures.gap[axis]
        ]
        note = _gap_note(figures.gap)
        return Table(key, title, [first, *GAP_HEADERS], rows, note, chart_columns=(2, 5))

    return build


def _pending_table(key: str, title: str, loader) -> Callable[[Figures], Table]:
    def build(figures: Figures) -> Table:
        items = loader(figures.filters)
        now = timezone.now()
        rows = [
            [
                item.kind,
                item.label,
                item.organisation,
                item.detail,
                _local(item.since),
                age_text(item.since, now),
                _local(item.due),
                item.overdue_days or "",
            ]
            for item in items
        ]
        days = selectors.due_days()
        note = (
            _(
                "办理时限（天）：项目审核 %(listing_review)s，截止后决定揭榜 %(bid_decision)s，"
                "推荐对接答复 %(match_answer)s；逾期项目标红。"
            )
            % days
        )  # noqa: UP031 — translatable strings keep named placeholders
        return Table(
            key,
            title,
            [
                _("事项"),
                _("项目"),
                _("单位"),
                _("说明"),
                _("开始时间"),
                _("等待时长"),
                _("应办结时间"),
                _("逾期天数"),
            ],
            rows,
            note,
            highlight=[i.is_overdue for i in items],
            links=[i.url for i in items],
        )

    return build


def response_curators(figures: Figures) -> Table:
    rows = [list(r) for r in selectors.curator_response_times(figures.filters)]
    return Table(
        "response_curators",
        _("审核人员响应时间"),
        [_("审核人员"), _("已办结审核"), _("中位用时（天）")],
        rows,
        _("从提交审核到审核人员作出决定；按提交时间筛选，不按区县筛选。"),
        chart_columns=(2,),
    )


def response_organisations(figures: Figures) -> Table:
    rows = [list(r) for r in selectors.organisation_response_times(figures.filters)]
    return Table(
        "response_organisations",
        _("单位响应时间"),
        [
            _("单位"),
            _("已决定的揭榜方案"),
            _("决定平均用时（天）"),
            _("已答复的推荐对接"),
            _("答复平均用时（天）"),
        ],
        rows,
        _("揭榜：从方案提交到入围、定榜或婉拒；对接：从平台推荐到该单位答复。"),
    )


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


# The deal ledger and the projects (issue 10.6)
#
# 成交总额 and 到账总额 are sums over the ledger's counted rows (bidding.Deal, not cancelled);
# the page shows 万元 (``wan``), the contract register keeps the national columns in yuan.

LEDGER_HEADERS = [_("成交笔数"), _("成交总额（万元）"), _("到账总额（万元）")]


def _ledger_table(key: str, title: str, first: str, rows, note: str = "") -> Table:
    body = [[r.label, r.deals, wan(r.amount), wan(r.paid)] for r in rows]
    return Table(key, title, [first, *LEDGER_HEADERS], body, note, chart_columns=(2, 3))


def ledger_summary(figures: Figures) -> Table:
    rows = selectors.ledger_by_source(figures.filters)
    table = _ledger_table(
        "ledger_summary",
        _("成交台账"),
        _("来源"),
        rows,
        _(
            "成交台账：揭榜定榜与对接推荐成交各记一笔，经揭榜的对接成交不重复计算；"
            "不含已取消的成交。到账为已登记的到账金额。"
        ),
    )
    table.rows.append(
        [
            _("合计"),
            sum(r.deals for r in rows),
            wan(sum(r.amount for r in rows)),
            wan(sum(r.paid for r in rows)),
        ]
    )
    return table


def ledger_by_district(figures: Figures) -> Table:
    rows = [r for r in selectors.ledger_by_district(figures.filters) if r.label or r.deals]
    return _ledger_table("ledger_by_district", _("成交与到账（按区县）"), _("区县"), rows)


def ledger_by_chain(figures: Figures) -> Table:
    rows = [
        r
        for r in selectors.ledger_by_chain(figures.filters)
        if r.label != str(_("未分类")) or r.deals
    ]
    return _ledger_table("ledger_by_chain", _("成交与到账（按产业链）"), _("产业链"), rows)


def projects_by_state(figures: Figures) -> Table:
    rows = [[label, n] for label, n in selectors.project_state_counts(figures.filters)]
    rows.append([_("合计"), sum(r[1] for r in rows)])
    return Table(
        "projects_by_state",
        _("攻关项目（按状态）"),
        [_("状态"), _("数量")],
        rows,
        chart_columns=(1,),
    )


COMPLETION_HEADERS = [_("项目数（不含撤销）"), _("已完成"), _("完成率")]


def _completion_table(key: str, title: str, first: str, rows) -> Table:
    body = [
        [r.label, r.projects, r.completed, f"{r.rate}%" if r.rate is not None else "—"]
        for r in rows
        if r.projects or r.label not in (str(_("未分类")), str(_("未填写")))
    ]
    note = _("完成率 = 已完成项目 ÷ 未撤销的项目。")
    return Table(key, title, [first, *COMPLETION_HEADERS], body, note, chart_columns=(1, 2))


def completion_by_district(figures: Figures) -> Table:
    return _completion_table(
        "completion_by_district",
        _("项目完成率（按区县）"),
        _("区县"),
        selectors.completion_by_district(figures.filters),
    )


def completion_by_chain(figures: Figures) -> Table:
    return _completion_table(
        "completion_by_chain",
        _("项目完成率（按产业链）"),
        _("产业链"),
        selectors.completion_by_chain(figures.filters),
    )


# 技术合同登记: the national registration columns, amounts in yuan as registered.
CONTRACT_HEADERS = [
    _("合同类型"),
    _("合同编号"),
    _("登记机构"),
    _("登记日期"),
    _("成交金额（元）"),
    _("技术交易额（元）"),
    _("项目"),
    _("买方"),
    _("卖方"),
    _("状态"),
]


def contracts(figures: Figures) -> Table:
    rows = [
        [
            c.get_contract_type_display(),
            c.number,
            c.registry,
            c.registered_on,
            c.amount,
            c.technology_amount,
            c.deal.title,
            c.deal.buyer.name,
            c.deal.seller.name,
            c.get_state_display(),
        ]
        for c in selectors.ledger_contracts(figures.filters)
    ]
    return Table(
        "contracts",
        _("技术合同登记"),
        CONTRACT_HEADERS,
        rows,
        _("按国家技术合同登记字段；金额单位为元。"),
        display_limit=50,
    )


TABLES: dict[str, Callable[[Figures], Table | None]] = {
    "state_demand": _state_table("demand", _("技术需求（按状态）")),
    "state_technology": _state_table("technology", _("科技成果（按状态）")),
    "by_chain": by_chain,
    "by_district": by_district,
    "bids_summary": bids_summary,
    "bid_buckets": bid_buckets,
    "bids_per_demand": bids_per_demand,
    "funnel_bids": funnel_bids,
    "funnel_matches": funnel_matches,
    "gap_chain": _gap_table("gap_chain", "chain", _("供需缺口（按产业链）"), _("产业链")),
    "gap_field": _gap_table("gap_field", "field", _("供需缺口（按技术领域）"), _("技术领域")),
    "overdue_reviews": _pending_table(
        "overdue_reviews", _("待审核项目"), selectors.pending_reviews
    ),
    "overdue_bids": _pending_table(
        "overdue_bids", _("截止后待决定的揭榜"), selectors.pending_bid_decisions
    ),
    "overdue_matches": _pending_table(
        "overdue_matches", _("待答复的推荐对接"), selectors.pending_match_answers
    ),
    "overdue_milestones": _pending_table(
        "overdue_milestones", _("逾期的项目里程碑"), selectors.pending_milestones
    ),
    "overdue_follow_ups": _pending_table(
        "overdue_follow_ups", _("对接会后续跟进"), events.pending_follow_ups
    ),
    "response_curators": response_curators,
    "response_organisations": response_organisations,
    "ledger_summary": ledger_summary,
    "ledger_by_district": ledger_by_district,
    "ledger_by_chain": ledger_by_chain,
    "projects_by_state": projects_by_state,
    "completion_by_district": completion_by_district,
    "completion_by_chain": completion_by_chain,
    "contracts": contracts,
}


@dataclass(frozen=True)
class DashboardPage:
    slug: str
    title: str
    tables: tuple[str, ...]


PAGES = {
    page.slug: page
    for page in (
        DashboardPage(
            "overview",
            _("项目概览"),
            ("state_demand", "state_technology", "by_chain", "by_district"),
        ),
        DashboardPage(
            "bids",
            _("揭榜与成交"),
            ("bids_summary", "bid_buckets", "bids_per_demand", "funnel_matches", "funnel_bids"),
        ),
        DashboardPage(
            "ledger",
            _("成交与项目"),
            (
                "ledger_summary",
                "ledger_by_district",
                "ledger_by_chain",
                "projects_by_state",
                "completion_by_district",
                "completion_by_chain",
                "contracts",
            ),
        ),
        DashboardPage("gap", _("供需缺口"), ("gap_chain", "gap_field")),
        DashboardPage(
            "overdue",
            _("逾期事项"),
            (
                "overdue_reviews",
                "overdue_bids",
                "overdue_matches",
                "overdue_milestones",
                "overdue_follow_ups",
                "response_curators",
                "response_organisations",
            ),
        ),
    )
}


def page_tables(slug: str, filters: DashboardFilter) -> list[Table]:
    """Every table of one dashboard page; a table whose data source is absent is left out."""
    figures = Figures(filters)
    tables = (TABLES[key](figures) for key in PAGES[slug].tables)
    return [table for table in tables if table is not None]


def table_export(key: str, filters: DashboardFilter) -> Table | None:
    return TABLES[key](Figures(filters))
