from django import forms
from django.core.exceptions import ValidationError
from django.forms import modelformset_factory
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from agreements.access import (
    agreements_replaceable,
    districts_for_new_template,
    kommuner_choosable,
    kommuner_first,
    police_parties_choosable,
    police_parties_first,
)
from agreements.models import (
    Agreement,
    Attachment,
    Expectation,
    FocusArea,
    Owner,
    PresenceCommitment,
    TemplateSection,
)
from agreements.richtext import clean_html, editable_plain_text
from agreements.services import REPLACES_ERROR, police_district, replaces_all_parties
from samarbeid.concurrency import VersionedForm
from samarbeid.forms import DateInput, TimeInput
from samarbeid.invitations import acts_for_one_of, invitations_pending_on
from samarbeid.models import Kommune, Malform, OpeningHours, Party, Politidistrikt
from samarbeid.uploads import validate_attachment
from samarbeid.validators import single_line
from samarbeid.widgets import PARTIES, offer


def offer_parties(form: forms.Form, user) -> None:
    """The parties of a new agreement (created or imported): the user's police and kommuner first."""
    offer(
        form.fields["police_party"],
        police_parties_choosable(user),
        first=police_parties_first(user),
        labels=PARTIES,
    )
    offer(form.fields["kommuner"], kommuner_choosable(user), first=kommuner_first(user))


class RichTextarea(forms.Textarea):
    """A plain textarea (works without JS) that static/agreements/editor.js turns into a rich-text editor."""

    template_name = "agreements/widgets/rich_textarea.html"

    def __init__(self, attrs=None):
        super().__init__({"rows": 10, "data-rich-editor": "", **(attrs or {})})

    def get_context(self, name, value, attrs):
        """Without JS people edit plain text where that loses nothing; the editor reads the HTML from data-html."""
        context = super().get_context(name, value, attrs)
        stored = value or ""
        plain = editable_plain_text(stored)
        if plain is not None:
            context["widget"]["value"] = plain
        context["widget"]["attrs"]["data-html"] = stored
        return context


REPLACES_HELP = _("Bare signerte avtaler med de samme partene: samme politi og alle kommunene i den gamle avtalen.")


class AgreementDetailsForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["period_start", "period_end", "replaces", "council_case_number", "council_decision_date"]
        widgets = {"period_start": DateInput, "period_end": DateInput, "council_decision_date": DateInput}
        help_texts = {"replaces": REPLACES_HELP}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            kommuner = [*self.instance.kommuner.all(), *(i.kommune for i in invitations_pending_on(self.instance))]
            replaceable = agreements_replaceable(user, police_party=self.instance.police_party, kommuner=kommuner)
            replaceable = replaceable.exclude(pk=self.instance.pk)
        else:
            replaceable = agreements_replaceable(user)
        self.fields["replaces"].queryset = replaceable
        single_line(self, "council_case_number")


class AgreementCreateForm(AgreementDetailsForm):
    """A new agreement for parties in the districts where the user acts for a party."""

    police_party = forms.ModelChoiceField(label=_("Politiet"), queryset=Party.objects.none())
    kommuner = forms.ModelMultipleChoiceField(
        label=_("Kommuner"),
        queryset=Kommune.objects.none(),
        help_text=_(
            "Kommuner i politidistriktet. En kommune du har en rolle i, blir part med en gang; de andre får "
            "en invitasjon og blir part først når de godtar den."
        ),
    )
    malform = forms.ChoiceField(
        label=_("Målform"), choices=[("", _("Kommunens målform")), *Malform.choices], required=False
    )

    class Meta(AgreementDetailsForm.Meta):
        fields = ["police_party", "kommuner", "malform", *AgreementDetailsForm.Meta.fields]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user
        offer_parties(self, user)
        self.order_fields(["police_party", "kommuner", "malform"])

    def clean(self):
        data = super().clean()
        police, kommuner, replaces = data.get("police_party"), data.get("kommuner"), data.get("replaces")
        if police and kommuner:
            district = police_district(police)
            if any(k.district_id != district.pk for k in kommuner):
                raise ValidationError(_("Alle kommunene må høre til politidistriktet til politiparten."))
            if not acts_for_one_of(self.user, [police, *kommuner]):
                raise ValidationError(_("Du må ha en rolle hos minst én av partene i avtalen."))
            if replaces and not replaces_all_parties(police, kommuner, replaces):
                self.add_error("replaces", REPLACES_ERROR)
        return data


class SectionTextForm(VersionedForm, forms.Form):
    local_text = forms.CharField(label=_("Lokal tekst"), required=False, widget=RichTextarea)

    def stored_values(self, section) -> dict:
        return {"local_text": section.local_text}

    def display(self, name, value):
        return mark_safe(clean_html(value or ""))  # noqa: S308 (sanitised to the allowed subset)


class LocalSectionForm(forms.Form):
    heading = forms.CharField(label=_("Overskrift"), max_length=200)
    owner = forms.ChoiceField(label=_("Hvem skriver avsnittet"), choices=Owner.choices)
    local_text = forms.CharField(label=_("Tekst"), required=False, widget=RichTextarea)

    def __init__(self, *args, owners: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(value, label) for value, label in Owner.choices if value in owners]
        single_line(self, "heading")


class PresenceForm(VersionedForm, forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Ukedager"),
        choices=OpeningHours.Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PresenceCommitment
        fields = ["kommune", "times", "per", "weekdays", "hours_from", "hours_to", "place", "note"]
        widgets = {
            "hours_from": TimeInput,
            "hours_to": TimeInput,
        }

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        kommuner = list(agreement.kommuner.all())  # prefetched once for the whole formset
        field = self.fields["kommune"]
        field.queryset = Kommune.objects.filter(pk__in=[k.pk for k in kommuner])
        field.choices = [("", "---------"), *((k.pk, k.name) for k in kommuner)]
        single_line(self, "place")


class ExpectationForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Expectation
        fields = ["order", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, agreement=None, **kwargs):
        super().__init__(*args, **kwargs)


class FocusAreaForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = FocusArea
        fields = ["order", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, agreement=None, **kwargs):
        super().__init__(*args, **kwargs)
        single_line(self, "title")


def part_formset(model, form):
    return modelformset_factory(model, form=form, extra=2, can_delete=True)


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["title", "file"]
        help_texts = {"file": _("PDF, DOCX eller ODT, høyst 10 MB.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".pdf,.docx,.odt"
        single_line(self, "title")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = validate_attachment(upload)
        return upload


class TemplateSectionForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = TemplateSection
        fields = [
            "heading_nb",
            "heading_nn",
            "owner",
            "kind",
            "standard_text_nb",
            "standard_text_nn",
            "guidance_nb",
            "guidance_nn",
        ]
        widgets = {
            "standard_text_nb": RichTextarea,
            "standard_text_nn": RichTextarea,
            "guidance_nb": forms.Textarea(attrs={"rows": 3}),
            "guidance_nn": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        single_line(self, "heading_nb", "heading_nn")


class TemplateCreateForm(forms.Form):
    district = forms.ModelChoiceField(label=_("Politidistrikt"), queryset=Politidistrikt.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts_for_new_template(user)
