"""Reads for the catalogues: public querysets and the filter form of the index pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from marketplace.organisations.districts import District

from .lifecycle import PUBLIC_STATES, STATUSES, ListingKind, kind_of, public_q
from .models import (
    CooperationMode,
    DemandPage,
    IndustryChain,
    Stage,
    TechnologyField,
    TechnologyPage,
)


def demand_list() -> QuerySet[DemandPage]:
    """Demands visible to the public, newest first."""
    return (
        DemandPage.objects.filter(public_q(ListingKind.DEMAND))
        .select_related("organisation", "industry_chain", "technology_field")
        .order_by("-first_published_at", "-pk")
    )


def technology_list() -> QuerySet[TechnologyPage]:
    """Technologies visible to the public, newest first."""
    return (
        TechnologyPage.objects.filter(public_q(ListingKind.TECHNOLOGY))
        .select_related("organisation", "industry_chain", "technology_field")
        .order_by("-first_published_at", "-pk")
    )


def public_status_choices(model) -> list[tuple[str, str]]:
    kind = kind_of(model)
    return [(v, label) for v, label in STATUSES[kind].choices if v in PUBLIC_STATES[kind]]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=200)
    industry_chain = forms.ModelChoiceField(
        label=_("产业链"),
        queryset=IndustryChain.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("全部产业链"),
    )
    technology_field = forms.ModelChoiceField(
        label=_("技术领域"),
        queryset=TechnologyField.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("全部技术领域"),
    )
    district = forms.ChoiceField(label=_("区县"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    cooperation_mode = forms.ModelChoiceField(
        label=_("合作方式"),
        queryset=CooperationMode.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("全部合作方式"),
    )
    stage = forms.ChoiceField(label=_("成果阶段"), required=False)

    def __init__(self, *args, model, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("全部区县"))] + list(District.choices)
        self.fields["status"].choices = [("", _("全部状态"))] + public_status_choices(model)
        if model is TechnologyPage:
            self.fields["stage"].choices = [("", _("全部阶段"))] + list(Stage.choices)
        else:
            del self.fields["stage"]


@dataclass
class CatalogueResult:
    form: CatalogueFilterForm
    queryset: QuerySet
    querystring: str


def catalogue_filter(model, params) -> CatalogueResult:
    """Apply the index page's filters; invalid values are reported on the form, not ignored."""
    qs = demand_list() if model is DemandPage else technology_list()
    form = CatalogueFilterForm(params or None, model=model)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("industry_chain"):
            qs = qs.filter(industry_chain=data["industry_chain"])
        if data.get("technology_field"):
            qs = qs.filter(technology_field=data["technology_field"])
        if data.get("district"):
            qs = qs.filter(district=data["district"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("cooperation_mode"):
            qs = qs.filter(cooperation_modes=data["cooperation_mode"])
        if data.get("stage"):
            qs = qs.filter(stage=data["stage"])
        if data.get("q"):
            qs = qs.filter(title__icontains=data["q"]) | qs.filter(keywords__icontains=data["q"])
    elif form.is_bound:
        qs = qs.none()
    kept = {k: v for k, v in (params or {}).items() if k != "page" and v}
    return CatalogueResult(form=form, queryset=qs, querystring=urlencode(kept))
