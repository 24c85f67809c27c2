"""Filters of the catalogue API; an invalid value is a 400 with the reason, never ignored."""

from __future__ import annotations

from django import forms
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from cms.models import (
    PUBLIC_DEMAND_STATES,
    PUBLIC_TECHNOLOGY_STATES,
    DemandPage,
    DemandStatus,
    Stage,
    TechnologyPage,
    TechnologyStatus,
)
from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField
from marketplace.organisations.districts import District
from marketplace.organisations.models import Organisation

from .search_adapter import BUDGET_BAND_CHOICES, Kind, narrow_budget_band, search_listings


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


def public_choices(choices, public: set[str]) -> list[tuple[str, str]]:
    return [(code, label) for code, label in choices if code in public]


def invalid_choice_message(choices):
    codes = ", ".join(code for code, _label in choices)
    # format_lazy keeps the message translatable per request; %(value)s is the form's.
    return format_lazy(_("“%(value)s” 不是有效的取值。可选值：{codes}。"), codes=codes)


def choice_filter(label, choices, **kwargs) -> filters.ChoiceFilter:
    return filters.ChoiceFilter(
        label=label,
        choices=choices,
        error_messages={"invalid_choice": invalid_choice_message(choices)},
        **kwargs,
    )


def slug_filter(label, queryset, field_name: str) -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(
        label=label,
        queryset=queryset,
        to_field_name="slug",
        field_name=field_name,
        error_messages={"invalid_choice": _("没有代码为“%(value)s”的分类。")},
    )


class ListingFilterForm(forms.Form):
    """Refuses a filter given with an empty value (``?status=``) instead of ignoring it."""

    #: An empty search is no search.
    blank_allowed = {"q"}

    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            if name in self.blank_allowed or name not in self.data or name in self._errors:
                continue
            if not self.data[name].strip():
                self.add_error(name, _("参数不能为空；不按此项筛选时请省略该参数。"))
        return cleaned


class ListingFilterSet(filters.FilterSet):
    """Filters both catalogues share; ``q`` goes through the search adapter."""

    kind: Kind
    ordering_fields: dict[str, tuple] = {}

    q = filters.CharFilter(
        label=_("全文检索（中文或中英混合，全角半角均可），结果按相关度排序"),
        method="filter_q",
        max_length=200,
    )
    industry_chain = slug_filter(_("产业链代码"), IndustryChain.objects.all(), "industry_chain")
    technology_field = slug_filter(
        _("技术领域代码"), TechnologyField.objects.all(), "technology_field"
    )
    cooperation_mode = slug_filter(
        _("合作方式代码"), CooperationMode.objects.all(), "cooperation_modes"
    )
    district = choice_filter(_("区县代码"), District.choices)
    organisation = filters.ModelChoiceFilter(
        label=_("单位 ID"),
        queryset=Organisation.objects.all(),
        error_messages={"invalid_choice": _("没有 ID 为“%(value)s”的单位。")},
    )
    budget_band = choice_filter(
        _("预算（需求）或意向价格（成果）区间"), BUDGET_BAND_CHOICES, method="filter_budget_band"
    )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_listings(queryset, value, kind=self.kind, request=self.request)

    def filter_budget_band(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return narrow_budget_band(queryset, value, kind=self.kind)

    def filter_ordering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*self.ordering_fields[value])


NEWEST = ("-first_published_at", "-pk")


class DemandFilterSet(ListingFilterSet):
    kind = "demand"
    ordering_fields = {
        "newest": NEWEST,
        "deadline": (F("bid_deadline").asc(nulls_last=True), "-pk"),
    }

    status = choice_filter(
        _("状态（仅公开状态）"), public_choices(DemandStatus.choices, PUBLIC_DEMAND_STATES)
    )
    budget_min = IntegerFilter(
        label=_("预算不低于（元）：预算区间上限不低于该值"),
        method="filter_budget_min",
        min_value=0,
    )
    budget_max = IntegerFilter(
        label=_("预算不高于（元）：预算区间下限不高于该值"),
        method="filter_budget_max",
        min_value=0,
    )
    ordering = choice_filter(
        _("排序：newest 最新发布，deadline 揭榜截止最早"),
        [("newest", _("最新发布")), ("deadline", _("截止时间"))],
        method="filter_ordering",
    )

    class Meta:
        model = DemandPage
        form = ListingFilterForm
        fields = [
            "q",
            "industry_chain",
            "technology_field",
            "district",
            "status",
            "cooperation_mode",
            "organisation",
            "budget_min",
            "budget_max",
            "budget_band",
            "ordering",
        ]

    # A fixed 榜额 keeps only budget_max, so each end of the range falls back on the other.
    def filter_budget_min(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.alias(budget_high=Coalesce("budget_max", "budget_min")).filter(
            budget_high__gte=value
        )

    def filter_budget_max(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.alias(budget_low=Coalesce("budget_min", "budget_max")).filter(
            budget_low__lte=value
        )


class TechnologyFilterSet(ListingFilterSet):
    kind = "technology"
    ordering_fields = {"newest": NEWEST, "trl": ("-trl", "-first_published_at", "-pk")}

    status = choice_filter(
        _("状态（仅公开状态）"),
        public_choices(TechnologyStatus.choices, PUBLIC_TECHNOLOGY_STATES),
    )
    stage = choice_filter(_("成果所处阶段"), Stage.choices)
    trl_min = IntegerFilter(
        label=_("技术就绪度（TRL）不低于"),
        field_name="trl",
        lookup_expr="gte",
        min_value=1,
        max_value=9,
    )
    ordering = choice_filter(
        _("排序：newest 最新发布，trl 技术就绪度最高"),
        [("newest", _("最新发布")), ("trl", _("技术就绪度"))],
        method="filter_ordering",
    )

    class Meta:
        model = TechnologyPage
        form = ListingFilterForm
        fields = [
            "q",
            "industry_chain",
            "technology_field",
            "district",
            "status",
            "cooperation_mode",
            "organisation",
            "stage",
            "trl_min",
            "budget_band",
            "ordering",
        ]
