from django import forms
from django.utils.translation import gettext_lazy as _

MAX_VERIFY_UPLOAD = 20 * 1024 * 1024


class SendForSignatureForm(forms.Form):
    allow_deputy = forms.BooleanField(label=_("Varaordfører kan signere som fungerende ordfører"), required=False)


class ReturnToDraftForm(forms.Form):
    reason = forms.CharField(
        label=_("Hvorfor sendes avtalen tilbake til utkast?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Skriv hvorfor avtalen sendes tilbake til utkast.")},
    )


class SignForm(forms.Form):
    place = forms.CharField(
        label=_("Sted"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
        error_messages={"required": _("Skriv stedet du signerer fra.")},
    )
    content_hash = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("PDF-fil"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": _("Velg en PDF-fil.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY_UPLOAD:
            raise forms.ValidationError(_("Filen er for stor (største tillatte størrelse er 20 MB)."))
        if upload.read(5) != b"%PDF-":
            raise forms.ValidationError(_("Filen er ikke en PDF."))
        upload.seek(0)
        return upload
