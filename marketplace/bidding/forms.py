"""Forms of the bid (揭榜意向书 / take-up request), its milestones and files, and decisions."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms.taxonomy import CooperationMode
from marketplace.organisations.credit_code import normalise_credit_code
from marketplace.organisations.models import Organisation

from .models import MAX_PRICE_YUAN, Bid, DeclineReason
from .services import DEMAND_BID_FIELDS, AttachmentInput, BidInput, MilestoneInput
from .validators import validate_attachment

TEXTAREA = forms.Textarea(attrs={"rows": 4})
# A browser's date input accepts only ISO dates; the zh-hans default (%Y/%m/%d) would render
# an empty box and an edit would silently drop every milestone date.
ISO_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class _BidFormBase(forms.ModelForm):
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    price = forms.IntegerField(
        label=_("报价（元）"),
        required=False,
        min_value=1,
        max_value=MAX_PRICE_YUAN,
        error_messages={
            "min_value": _("报价必须是正数。"),
            "max_value": _("报价超出合理范围（不超过100亿元）。"),
        },
    )

    def __init__(self, *args, listing, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing = listing
        if not self.instance.pk:
            self.fields["token"].initial = uuid.uuid4()

    def to_input(self) -> BidInput:
        data = self.cleaned_data
        return BidInput(fields={n: data[n] for n in self.Meta.fields if n in data})


class DemandBidForm(_BidFormBase):
    """揭榜意向书 on a demand, with one commitment per core indicator."""

    consortium_codes = forms.CharField(
        label=_("联合体成员（统一社会信用代码）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("联合体揭榜时填写其他成员单位的统一社会信用代码，每行一个；本单位为牵头单位。"),
    )

    class Meta:
        model = Bid
        fields = list(DEMAND_BID_FIELDS)
        widgets = {name: TEXTAREA for name in fields[:6]}
        labels = {
            "declares_no_related_party": _(
                "本单位（联合体各成员）与需求方不存在关联关系（控股、参股、同一实际控制人或人员交叉任职等）"
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(self.listing.indicators.all())
        existing = {}
        if self.instance.pk:
            existing = {r.indicator_id: r for r in self.instance.indicator_responses.all()}
            self.fields["consortium_codes"].initial = "\n".join(
                o.credit_code for o in self.instance.consortium_members.all()
            )
        for ind in self.indicators:
            row = existing.get(ind.pk)
            self.fields[f"indicator_{ind.pk}_value"] = forms.CharField(
                label=_("%(name)s：承诺值（目标 %(target)s%(unit)s）")
                % {"name": ind.name, "target": ind.target_value, "unit": ind.unit},
                required=False,
                max_length=100,
                initial=row.committed_value if row else "",
            )
            self.fields[f"indicator_{ind.pk}_verification"] = forms.CharField(
                label=_("验证方式"),
                required=False,
                max_length=200,
                initial=row.verification if row else ind.verification,
            )

    @property
    def indicator_fields(self):
        return [
            (ind, self[f"indicator_{ind.pk}_value"], self[f"indicator_{ind.pk}_verification"])
            for ind in self.indicators
        ]

    def clean_consortium_codes(self) -> list[Organisation]:
        raw = self.cleaned_data.get("consortium_codes") or ""
        codes = [
            normalise_credit_code(c) for c in raw.replace("，", ",").replace(",", "\n").split()
        ]
        found = {
            o.credit_code: o
            for o in Organisation.objects.filter(
                credit_code__in=codes, verification=Organisation.Verification.VERIFIED
            )
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(
                _("未找到以下统一社会信用代码对应的已认证单位：%(codes)s"),
                params={"codes": "、".join(missing)},
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def to_input(self) -> BidInput:
        data = super().to_input()
        data.consortium = self.cleaned_data.get("consortium_codes") or []
        data.responses = {
            ind.pk: (
                self.cleaned_data.get(f"indicator_{ind.pk}_value", ""),
                self.cleaned_data.get(f"indicator_{ind.pk}_verification", ""),
            )
            for ind in self.indicators
        }
        return data


def rebid_initial(form_class, previous: Bid) -> dict:
    """A new bid's form filled from an earlier (withdrawn or declined) bid of the same
    organisation on the same listing: the text, the price, the consortium, the indicator
    commitments. Milestones go to the milestone formset (views._milestone_initial)."""
    initial = {}
    for name in form_class.Meta.fields:
        value = getattr(previous, name)
        initial[name] = value.pk if hasattr(value, "pk") else value
    if form_class is DemandBidForm:
        initial["consortium_codes"] = "\n".join(
            o.credit_code for o in previous.consortium_members.all()
        )
        for response in previous.indicator_responses.all():
            initial[f"indicator_{response.indicator_id}_value"] = response.committed_value
            initial[f"indicator_{response.indicator_id}_verification"] = response.verification
    return initial


class TechnologyBidForm(_BidFormBase):
    """An enterprise's request to take up a technology."""

    cooperation_mode = forms.ModelChoiceField(
        label=_("意向合作方式"), queryset=CooperationMode.objects.all(), required=False
    )

    class Meta:
        model = Bid
        fields = [
            "cooperation_mode",
            "intended_use",
            "message",
            "price",
            "declares_no_related_party",
        ]
        widgets = {"intended_use": TEXTAREA, "message": TEXTAREA}
        labels = {
            "price": _("意向报价（元，可留空表示面议）"),
            "declares_no_related_party": _("本单位与成果完成单位不存在关联关系"),
        }


class MilestoneForm(forms.Form):
    due_date = forms.DateField(label=_("完成日期"), required=False, widget=ISO_DATE)
    deliverable = forms.CharField(label=_("阶段成果"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if bool(data.get("due_date")) != bool(data.get("deliverable")):
            raise ValidationError(_("请同时填写日期和阶段成果。"))
        return data


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=0, can_delete=False)


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("附件名称"), required=False, max_length=120)
    file = forms.FileField(
        label=_("文件"), required=False, help_text=_("PDF、Word 或图片，按文件内容校验类型和大小")
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            validate_attachment(upload)
        return upload


AttachmentFormSet = forms.formset_factory(AttachmentForm, extra=2)


def milestone_inputs(formset) -> list[MilestoneInput]:
    return [
        MilestoneInput(f.cleaned_data["due_date"], f.cleaned_data["deliverable"])
        for f in formset.forms
        if f.cleaned_data.get("due_date")
    ]


def attachment_inputs(formset) -> list[AttachmentInput]:
    return [
        AttachmentInput(f.cleaned_data.get("title") or "", f.cleaned_data["file"])
        for f in formset.forms
        if f.cleaned_data.get("file")
    ]


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("未中榜原因"), choices=[("", "—")] + DeclineReason.choices)
    comment = forms.CharField(label=_("说明（揭榜方可见）"), max_length=1000, widget=TEXTAREA)


class AwardForm(forms.Form):
    """定榜: the deal amount in yuan, as bids quote prices; blank means the bid's price."""

    amount = forms.IntegerField(
        label=_("成交金额（元）"),
        help_text=_("留空则按揭榜报价计。"),
        required=False,
        min_value=1,
        max_value=MAX_PRICE_YUAN,
        error_messages={
            "invalid": _("请输入以元为单位的整数金额。"),
            "min_value": _("成交金额必须是正数。"),
            "max_value": _("成交金额超出合理范围（不超过100亿元）。"),
        },
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("消息"), max_length=4000, widget=TEXTAREA)


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("我要提问"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答复"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
