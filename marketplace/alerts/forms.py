"""Forms of the alerts pages: save a search, change an alert."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Alert


class AlertSaveForm(forms.Form):
    """Save the catalogue search being looked at (its kind and query come from the page)."""

    kind = forms.ChoiceField(choices=Alert.Kind.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("名称"),
        max_length=100,
        required=False,
        help_text=_("留空则按搜索条件命名。"),
    )
    frequency = forms.ChoiceField(
        label=_("提醒方式"),
        choices=Alert.Frequency.choices,
        initial=Alert.Frequency.DAILY,
        widget=forms.RadioSelect,
    )


class AlertEditForm(forms.ModelForm):
    """Rename an alert, change how it is delivered, pause or resume it."""

    class Meta:
        model = Alert
        fields = ["name", "frequency", "is_active"]
        widgets = {"frequency": forms.RadioSelect}
        labels = {"is_active": _("启用（取消勾选即暂停）")}
