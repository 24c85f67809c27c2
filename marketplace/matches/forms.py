"""Forms of the member pages and the curators' admin views."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import DemandPage
from search.selectors import available_targets

from .models import MAX_DEAL_YUAN, MatchAnswer, Side

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
    def label_from_instance(self, obj) -> str:
        return f"{obj.title}（{obj.organisation.name}）"


class ManualProposeForm(forms.Form):
    demand = _ListingChoice(label=_("技术需求（揭榜中）"), queryset=DemandPage.objects.none())
    technology = _ListingChoice(label=_("科技成果（已发布）"), queryset=DemandPage.objects.none())
    note = forms.CharField(label=_("推荐理由"), required=False, max_length=2000, widget=NOTE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demand"].queryset = available_targets("demand").order_by("title")
        self.fields["technology"].queryset = available_targets("technology").order_by("title")


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
