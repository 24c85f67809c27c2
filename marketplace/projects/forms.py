"""Forms of the project pages; the services check every rule again."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms.forms import add_service_errors
from marketplace.bidding.models import ContractType

from .services import IndicatorResult


class _ServiceErrors:
    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error)


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("异议理由"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写异议理由。")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写退回原因。")},
    )


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[("dismissed", _("异议不成立")), ("upheld", _("异议成立（撤销本次定榜的项目）"))],
        error_messages={"required": _("请选择处理结果。"), "invalid_choice": _("请选择处理结果。")},
    )
    resolution = forms.CharField(
        label=_("处理意见"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写处理意见。")},
    )


class MilestoneReportForm(_ServiceErrors, forms.Form):
    text = forms.CharField(
        label=_("进展说明"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写进展说明。")},
    )
    file = forms.FileField(label=_("附件（可选）"), required=False)

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            # A text field: the service turns it into a number or a clear error.
            self.fields[f"value_{indicator.pk}"] = forms.CharField(
                label=_("%(name)s 达到值（目标 %(target)s%(unit)s）")
                % {
                    "name": indicator.name,
                    "target": indicator.target_value,
                    "unit": indicator.unit,
                },
                required=False,
                max_length=40,
            )

    def indicator_values(self) -> dict[int, str]:
        return {i.pk: self.cleaned_data.get(f"value_{i.pk}", "") for i in self.indicators}


class AcceptanceForm(_ServiceErrors, forms.Form):
    summary = forms.CharField(
        label=_("验收说明"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写验收说明。")},
    )

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            label = f"{indicator.name}（{indicator.target_value}{indicator.unit}）"
            self.fields[f"measured_{indicator.pk}"] = forms.CharField(
                label=_("%(label)s 实测值") % {"label": label}, required=False, max_length=40
            )
            self.fields[f"method_{indicator.pk}"] = forms.CharField(
                label=_("检测方法"),
                required=False,
                max_length=200,
                initial=indicator.verification,
            )
            self.fields[f"met_{indicator.pk}"] = forms.BooleanField(
                label=_("达标（目标值无法自动比较时由需求方判断）"), required=False
            )

    def results(self) -> dict[int, IndicatorResult]:
        data = self.cleaned_data
        return {
            i.pk: IndicatorResult(
                measured_value=data.get(f"measured_{i.pk}", ""),
                test_method=data.get(f"method_{i.pk}", ""),
                met=bool(data.get(f"met_{i.pk}")),
            )
            for i in self.indicators
        }


# -- 技术合同登记 and 到账 (the deal ledger, marketplace.bidding.ledger) ------------------------

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ContractForm(_ServiceErrors, forms.Form):
    """技术合同登记: amounts are text, so a non-numeric entry gets the service's clear error."""

    contract_type = forms.ChoiceField(
        label=_("合同类型"),
        choices=[("", "—")] + list(ContractType.choices),
        error_messages={"required": _("请选择合同类型。"), "invalid_choice": _("请选择合同类型。")},
    )
    number = forms.CharField(
        label=_("合同编号"), max_length=64, error_messages={"required": _("请填写合同编号。")}
    )
    registry = forms.CharField(
        label=_("登记机构"), max_length=120, error_messages={"required": _("请填写登记机构。")}
    )
    signed_on = forms.DateField(
        label=_("签订日期"), widget=DATE_INPUT, error_messages={"required": _("请填写签订日期。")}
    )
    registered_on = forms.DateField(
        label=_("登记日期"), widget=DATE_INPUT, error_messages={"required": _("请填写登记日期。")}
    )
    amount = forms.CharField(
        label=_("成交金额（元）"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("请填写金额（元）。")},
    )
    technology_amount = forms.CharField(
        label=_("技术交易额（元）"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("请填写金额（元）。")},
    )


class ContractReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写退回原因。")},
    )


class PaymentForm(_ServiceErrors, forms.Form):
    amount = forms.CharField(
        label=_("到账金额（元）"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("请填写金额（元）。")},
    )
    received_on = forms.DateField(
        label=_("到账日期"), widget=DATE_INPUT, error_messages={"required": _("请填写到账日期。")}
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
