"""Searchable choosers of the curators' manual match (Wagtail chooser viewsets).

One modal per kind, offering only the listings a match may be proposed for
(``search.selectors.available_targets``: open demands, public technologies still
taking bids), searchable by title, organisation and keyword, instead of a select
of every listing. The form field is a ``ModelChoiceField`` on the same queryset, so
the server re-checks a posted id, and ``services.match_propose_manual`` checks again
under its own rules. Curators only: anyone else gets 403 (as the match desk).
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.http import HttpResponseForbidden
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import (
    ChooseResultsView,
    ChooseView,
    ChosenResponseMixin,
    ChosenView,
)
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from cms.models import DemandPage, TechnologyPage
from marketplace.organisations.permissions import is_curator
from search.selectors import available_targets

PER_PAGE = 20


def listing_label(page) -> str:
    """Return a listing as curators tell listings apart: title and organisation."""
    return f"{page.title}（{page.organisation.name}）"


class ListingFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("标题、单位或关键词")}),
    )

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(
                Q(title__icontains=query)
                | Q(organisation__name__icontains=query)
                | Q(keywords__icontains=query)
            )
            self.is_searching, self.search_query = True, query
        return objects


class _CuratorOnly:
    def dispatch(self, request, *args, **kwargs):
        if not is_curator(request.user):
            return HttpResponseForbidden(_("仅平台审核人员可以使用此功能。"))
        return super().dispatch(request, *args, **kwargs)


class _Listings:
    """What every view of a listing chooser lists: the kind's eligible listings only."""

    kind = ""
    filter_form_class = ListingFilterForm
    per_page = PER_PAGE

    def get_object_list(self):
        return available_targets(self.kind).select_related("organisation").order_by("title", "pk")

    @property
    def columns(self):
        return [
            *super().columns,
            Column("organisation", label=_("单位"), accessor="organisation"),
            Column("district", label=_("所在区县"), accessor="get_district_display"),
        ]


class _Chosen(ChosenResponseMixin):
    def get_display_title(self, instance):
        return listing_label(instance)

    def get_edit_item_url(self, instance):
        return instance.url or ""


def _views(kind_name: str):
    class Choose(_CuratorOnly, _Listings, ChooseView):
        kind = kind_name

    class Results(_CuratorOnly, _Listings, ChooseResultsView):
        kind = kind_name

    class Chosen(_CuratorOnly, _Chosen, ChosenView):
        def get_object(self, pk):
            # Only an eligible listing can be chosen (the form checks the posted id again).
            queryset = available_targets(kind_name).select_related("organisation")
            if not str(pk).isdigit() or len(str(pk)) > 18:
                raise queryset.model.DoesNotExist
            return queryset.get(pk=int(pk))

    return Choose, Results, Chosen


class ListingChooserWidget(BaseChooser):
    def get_display_title(self, instance):
        return listing_label(instance)

    def get_instance(self, value):
        # A form re-shown after a bad post may carry any text as the id.
        if value is not None and not isinstance(value, self.model_class):
            if not str(value).isdigit() or len(str(value)) > 18:
                return None
        return super().get_instance(value)


DemandChoose, DemandResults, DemandChosen = _views("demand")
TechnologyChoose, TechnologyResults, TechnologyChosen = _views("technology")


class DemandChooserViewSet(ChooserViewSet):
    model = DemandPage
    icon = "doc-full"
    choose_one_text = _("选择技术需求")
    choose_another_text = _("重新选择技术需求")
    base_widget_class = ListingChooserWidget
    choose_view_class = DemandChoose
    choose_results_view_class = DemandResults
    chosen_view_class = DemandChosen
    register_widget = False


class TechnologyChooserViewSet(ChooserViewSet):
    model = TechnologyPage
    icon = "doc-full"
    choose_one_text = _("选择科技成果")
    choose_another_text = _("重新选择科技成果")
    base_widget_class = ListingChooserWidget
    choose_view_class = TechnologyChoose
    choose_results_view_class = TechnologyResults
    chosen_view_class = TechnologyChosen
    register_widget = False


demand_chooser_viewset = DemandChooserViewSet(
    "match_demand_chooser", url_prefix="match-choosers/demand"
)
technology_chooser_viewset = TechnologyChooserViewSet(
    "match_technology_chooser", url_prefix="match-choosers/technology"
)
