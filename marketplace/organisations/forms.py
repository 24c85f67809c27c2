"""Forms for onboarding, join requests and the curators' verification actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .credit_code import validate_credit_code
from .models import EnterpriseTier, Organisation
from .selectors import REGISTRABLE_KINDS


class OrganisationForm(forms.ModelForm):
    """Registration details an owner fills in; the credit code is checked as typed."""

    website = forms.URLField(label=_("网址"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = [
            "kind",
            "name",
            "credit_code",
            "district",
            "address",
            "contact_name",
            "contact_phone",
            "contact_email",
            "website",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "credit_code": _("18位，见营业执照或事业单位法人证书；全角、小写输入会自动转换。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].choices = [("", _("请选择"))] + [
                (value, label)
                for value, label in Organisation.Kind.choices
                if value in REGISTRABLE_KINDS
            ]
        # Full-width or spaced input is longer than 18 characters before normalisation.
        self.fields["credit_code"].max_length = None
        self.fields["credit_code"].widget.attrs.pop("maxlength", None)
        self.fields["credit_code"].validators = []

    def clean_credit_code(self) -> str:
        return validate_credit_code(self.cleaned_data["credit_code"])

    def validate_unique(self) -> None:
        """Uniqueness is the service's job, with a message that points to joining."""


class EnterpriseTierForm(forms.ModelForm):
    class Meta:
        model = EnterpriseTier
        fields = ["tier", "certified_on", "expires_on", "certificate_number"]
        widgets = {
            "certified_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "expires_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }


EnterpriseTierFormSet = forms.inlineformset_factory(
    Organisation,
    EnterpriseTier,
    form=EnterpriseTierForm,
    extra=2,
    max_num=6,
    can_delete=False,
)


class JoinSearchForm(forms.Form):
    q = forms.CharField(label=_("单位名称或统一社会信用代码"), max_length=120, required=False)


class DecisionForm(forms.Form):
    """The curator's note on a verify / reject decision."""

    note = forms.CharField(
        label=_("审核意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
    )
