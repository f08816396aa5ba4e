"""Forms of the negotiation: comments, change proposals and their answer, the kommunestyre's decision."""

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from agreements.forms import RichTextarea
from agreements.models import NegotiationPart
from agreements.negotiation import DECISIONS, MAX_COMMENT
from agreements.richtext import clean_html
from samarbeid.concurrency import VersionedForm
from samarbeid.forms import DateInput


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Kommentar"),
        max_length=MAX_COMMENT,
        widget=_textarea(),
        help_text=_("Skriv @ og en rolle, f.eks. @politikontakt eller @slt-koordinator, for å varsle dem."),
        error_messages={"required": _("Skriv en kommentar.")},
    )


class ThreadForm(CommentForm):
    """A new thread: on a section or a structured part (hidden fields of the form under each)."""

    section = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    part = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[("", ""), *NegotiationPart.choices])


class ProposalForm(forms.Form):
    text = forms.CharField(
        label=_("Foreslått tekst"), widget=RichTextarea, error_messages={"required": _("Skriv teksten du foreslår.")}
    )
    explanation = forms.CharField(
        label=_("Begrunnelse (valgfritt)"), required=False, max_length=MAX_COMMENT, widget=_textarea()
    )


class DecisionForm(VersionedForm, forms.Form):
    """The owner's answer; carries the section's version the page showed (accepting claims it)."""

    decision = forms.ChoiceField(
        label=_("Svar"),
        widget=forms.RadioSelect,
        choices=[
            ("godta", _("Godta forslaget")),
            ("godta_endret", _("Godta med endringer")),
            ("avsla", _("Avslå forslaget")),
        ],
    )
    text = forms.CharField(
        label=_("Teksten slik den blir (ved «Godta med endringer»)"), required=False, widget=RichTextarea
    )
    reason = forms.CharField(
        label=_("Begrunnelse (må fylles ut ved avslag)"), required=False, max_length=MAX_COMMENT, widget=_textarea()
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "avsla" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Skriv hvorfor forslaget avslås."))
        if data.get("decision") == "godta_endret" and not clean_html(data.get("text") or ""):
            self.add_error("text", _("Skriv teksten som skal stå i avsnittet."))
        return data

    def stored_values(self, section) -> dict:
        return {"text": section.local_text, "decision": "", "reason": ""}

    def display(self, name, value):
        if name == "text":
            return mark_safe(clean_html(value or ""))  # noqa: S308 (sanitised to the allowed subset)
        return super().display(name, value)


assert set(dict(DecisionForm.base_fields["decision"].choices)) == set(DECISIONS)


class TemplateDriftForm(VersionedForm, forms.Form):
    choice = forms.ChoiceField(choices=[("ta_inn", _("Ta inn ny maltekst")), ("behold", _("Behold teksten"))])


class NegotiationSettingForm(forms.Form):
    require_settled = forms.BooleanField(
        label=_("Alle våre endringsforslag må være avgjort før avtalen sendes til signering"), required=False
    )


class CouncilDecisionForm(VersionedForm, forms.Form):
    kommune = forms.TypedChoiceField(label=_("Kommune"), coerce=int)
    case_number = forms.CharField(label=_("Saksnummer"), max_length=50)
    decided_on = forms.DateField(label=_("Vedtaksdato"), widget=DateInput)

    def __init__(self, *args, kommuner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kommune"].choices = [(k.pk, k.name) for k in kommuner]

    def stored_values(self, agreement) -> dict:
        return {"case_number": agreement.council_case_number, "decided_on": agreement.council_decision_date}
