"""Forms of the member pages and the curators' admin views."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import DemandPage
from cms.taxonomy import IndustryChain
from marketplace.organisations.districts import District
from search.selectors import available_targets

from .choosers import demand_chooser_viewset, listing_label, technology_chooser_viewset
from .models import MAX_DEAL_YUAN, MatchAnswer, Side
from .selectors import match_min_score

NOTE = forms.Textarea(attrs={"rows": 3})


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("是否有意向对接"),
        widget=forms.RadioSelect,
        choices=[(MatchAnswer.INTERESTED, _("有意向")), (MatchAnswer.NOT_INTERESTED, _("无意向"))],
    )
    note = forms.CharField(
        label=_("说明（仅平台审核人员可见）"), required=False, max_length=2000, widget=NOTE
    )
    side = forms.ChoiceField(choices=Side.choices, required=False, widget=forms.HiddenInput)

    @property
    def interested(self) -> bool:
        return self.cleaned_data["answer"] == MatchAnswer.INTERESTED


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("消息"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class RecommendForm(forms.Form):
    note_demand = forms.CharField(
        label=_("致需求方的推荐说明"), required=False, max_length=2000, widget=NOTE
    )
    note_technology = forms.CharField(
        label=_("致成果方的推荐说明"), required=False, max_length=2000, widget=NOTE
    )


class DismissForm(forms.Form):
    note = forms.CharField(label=_("忽略原因"), required=False, max_length=2000, widget=NOTE)


class BulkForm(RecommendForm):
    ACTIONS = (("recommend", _("推荐所选")), ("dismiss", _("忽略所选")))

    action = forms.ChoiceField(choices=ACTIONS)
    matches = forms.TypedMultipleChoiceField(coerce=int, choices=())
    note = forms.CharField(label=_("忽略原因"), required=False, max_length=2000, widget=NOTE)

    def __init__(self, *args, match_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matches"].choices = [(pk, pk) for pk in match_ids]
        self.fields["matches"].error_messages["required"] = _("请至少勾选一条对接推荐。")


class _ListingChoice(forms.ModelChoiceField):
    default_error_messages = {
        "invalid_choice": _("所选项目已不可推荐（需求须揭榜中、成果须已发布），请重新选择。"),
    }

    def label_from_instance(self, obj) -> str:
        return listing_label(obj)

    def to_python(self, value):
        # Ids are bounded digits; anything else is not an eligible listing.
        if value not in self.empty_values and (not str(value).isdigit() or len(str(value)) > 18):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ManualProposeForm(forms.Form):
    """A curator's pair, picked with searchable choosers of eligible listings only.

    The fields' querysets are the same eligible listings the choosers offer, so a
    posted id of any other listing is refused here (and again by the service).
    """

    demand = _ListingChoice(
        label=_("技术需求（揭榜中）"),
        queryset=DemandPage.objects.none(),
        widget=demand_chooser_viewset.widget_class(),
    )
    technology = _ListingChoice(
        label=_("科技成果（已发布）"),
        queryset=DemandPage.objects.none(),
        widget=technology_chooser_viewset.widget_class(),
    )
    note = forms.CharField(label=_("推荐理由"), required=False, max_length=2000, widget=NOTE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demand"].queryset = available_targets("demand").select_related("organisation")
        self.fields["technology"].queryset = available_targets("technology").select_related(
            "organisation"
        )


class DealForm(forms.Form):
    amount = forms.IntegerField(label=_("成交金额（元）"), min_value=1, max_value=MAX_DEAL_YUAN)
    signed_on = forms.DateField(
        label=_("成交日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=NOTE)

    def clean_signed_on(self):
        value = self.cleaned_data["signed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("成交日期不能晚于今天。"))
        return value


class QueueFilterForm(forms.Form):
    """Filters of the curators' queue (GET); they combine and stay in the page links."""

    AGES = (
        ("", _("不限")),
        ("1", _("今天提出")),
        ("7", _("7 天内提出")),
        ("30", _("30 天内提出")),
        ("older7", _("7 天前提出")),
        ("older30", _("30 天前提出")),
    )

    chain = forms.ModelChoiceField(
        label=_("产业链"),
        queryset=IndustryChain.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("全部产业链"),
    )
    district = forms.ChoiceField(label=_("区县"), required=False)
    min_score = forms.IntegerField(
        label=_("最低匹配度"), min_value=0, max_value=100, required=False
    )
    max_score = forms.IntegerField(
        label=_("最高匹配度"), min_value=0, max_value=100, required=False
    )
    age = forms.ChoiceField(label=_("提出时间"), choices=AGES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("全部区县")), *District.choices]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("最低匹配度不能高于最高匹配度。"), code="score_range")
        return data

    @property
    def is_filtering(self) -> bool:
        return (
            self.is_bound
            and self.is_valid()
            and any(v not in (None, "") for v in self.cleaned_data.values())
        )

    @property
    def shows_lower(self) -> bool:
        """Whether the curator asked for matches below the one threshold."""
        low = self.cleaned_data.get("min_score") if self.is_bound and self.is_valid() else None
        return low is not None and low < match_min_score()

    def queue_kwargs(self) -> dict:
        """Return the ``selectors.match_queue`` arguments (none when the filters are invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "chain": data["chain"].slug if data["chain"] else "",
            "district": data["district"] or "",
            "min_score": data["min_score"],
            "max_score": data["max_score"],
            "age": data["age"] or "",
        }
