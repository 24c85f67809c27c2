"""Forms of the project pages; the services check every rule again."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms.forms import add_service_errors

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
