from django import forms
from django.utils.translation import gettext_lazy

from samarbeid.models import LegalBasis


class ExemptionForm(forms.Form):
    """Exempt one part (or lift its exemption): `parts` are (value, label) pairs of the object's own parts."""

    part = forms.ChoiceField(label=gettext_lazy("Hva gjelder det"), widget=forms.Select)
    legal_basis = forms.ChoiceField(
        label=gettext_lazy("Hjemmel"),
        choices=[("", "–"), *LegalBasis.choices],
        required=False,
        widget=forms.Select,
    )
    note = forms.CharField(
        label=gettext_lazy("Merknad (bare for dere)"),
        max_length=500,
        required=False,
        widget=forms.TextInput,
    )

    def __init__(self, *args, parts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].choices = parts


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor trekkes det tilbake?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
