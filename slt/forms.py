from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samarbeid.concurrency import VersionedForm
from samarbeid.forms import DateInput, MemberForm
from samarbeid.invitations import acts_for_one_of
from samarbeid.models import ForumMembership
from samarbeid.validators import single_line, validate_single_line
from samarbeid.widgets import PARTIES, PEOPLE, offer
from slt.access import (
    councils_choosable,
    kommuner_choosable,
    kommuner_first,
    parties_choosable,
    people_choosable,
    people_first,
    police_parties_choosable,
    police_parties_first,
)
from slt.models import CoordinationGroup, FocusArea, Handlingsplan, SltModel, Tiltak, TiltakStatus


class SltModelForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = SltModel
        fields = ["name", "kommuner", "police_party", "council", "description", "utovende_niva"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "utovende_niva": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "kommuner": _(
                "Kommuner i politidistriktet. En kommune du har en rolle i, blir med med en gang; de andre "
                "får en invitasjon og blir med først når de godtar den."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        existing = self.instance if self.instance.pk else None
        offer(self.fields["kommuner"], kommuner_choosable(user, existing), first=kommuner_first(user))
        offer(
            self.fields["police_party"],
            police_parties_choosable(user),
            first=police_parties_first(user),
            labels=PARTIES,
        )
        self.fields["police_party"].label = _("Politiet (leser med)")
        self.fields["council"].queryset = councils_choosable(user, existing)
        single_line(self, "name")

    def clean_kommuner(self):
        kommuner = self.cleaned_data["kommuner"]
        if not acts_for_one_of(self.user, kommuner):
            raise forms.ValidationError(_("Velg minst én kommune du selv har en rolle i."))
        if len({kommune.district_id for kommune in kommuner}) > 1:
            raise forms.ValidationError(_("Kommunene må høre til samme politidistrikt."))
        return kommuner


class PlanForm(VersionedForm, forms.ModelForm):
    focus_areas = forms.CharField(
        label=_("Fokusområder"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ett fokusområde per linje, f.eks. rus, vold i nære relasjoner, radikalisering, nettmobbing."),
    )

    class Meta:
        model = Handlingsplan
        fields = ["title", "start_year", "end_year", "adopted_on", "adopted_link"]
        widgets = {"adopted_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        single_line(self, "title")
        if self.instance.pk:
            del self.fields["focus_areas"]
        else:
            year = timezone.localdate().year
            self.initial.setdefault("start_year", year)
            self.initial.setdefault("end_year", year + 3)

    def clean(self):
        data = super().clean()
        duplicate = Handlingsplan.objects.filter(
            slt_model_id=self.instance.slt_model_id, start_year=data.get("start_year"), title=data.get("title")
        ).exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise forms.ValidationError(_("Det finnes allerede en handlingsplan med denne tittelen fra samme år."))
        return data

    def focus_area_names(self) -> list[str]:
        return [line for line in self.cleaned_data.get("focus_areas", "").splitlines() if line.strip()]


class FocusAreaForm(forms.ModelForm):
    class Meta:
        model = FocusArea
        fields = ["name"]

    def __init__(self, *args, plan: Handlingsplan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        single_line(self, "name")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if self.instance.plan.focus_areas.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("Fokusområdet finnes allerede i planen."))
        return name


class TiltakForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Tiltak
        fields = [
            "focus_area",
            "title",
            "description",
            "target_group",
            "responsible_party",
            "responsible_person",
            "responsible_unit",
            "starts_on",
            "ends_on",
        ]
        widgets = {"starts_on": DateInput, "ends_on": DateInput, "description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "description": _("Beskriv tiltaket på systemnivå. Ikke skriv om enkeltpersoner (taushetsplikt)."),
        }

    def __init__(self, *args, plan: Handlingsplan, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        slt_model = plan.slt_model
        self.fields["focus_area"].queryset = plan.focus_areas.all()
        self.fields["responsible_party"].queryset = parties_choosable(slt_model)
        offer(self.fields["responsible_person"], people_choosable(slt_model), first=people_first(user), labels=PEOPLE)
        single_line(self, "title", "target_group", "responsible_unit")


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TiltakStatus.choices)
    text = forms.CharField(
        label=_("Fremdriftsnotat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hva er gjort, hva gjenstår? Ikke skriv om enkeltpersoner (taushetsplikt)."),
    )

    def __init__(self, *args, tiltak: Tiltak, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiltak = tiltak
        self.initial.setdefault("status", tiltak.status)

    def clean(self):
        data = super().clean()
        if not data.get("text", "").strip() and data.get("status") == self.tiltak.status:
            raise forms.ValidationError(_("Skriv et notat eller endre status."))
        return data


class GroupForm(VersionedForm, forms.Form):
    name = forms.CharField(
        label=_("Navn"),
        max_length=200,
        help_text=_("F.eks. OSG, Familieforum eller SLT-utøvergruppe."),
        validators=[validate_single_line],
    )
    meetings_per_year = forms.TypedChoiceField(
        label=_("Møtehyppighet"),
        choices=CoordinationGroup.Frequency.choices,
        coerce=int,
        initial=CoordinationGroup.Frequency.MONTHLY,
    )
    purpose = forms.CharField(label=_("Formål"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    standard_agenda = forms.CharField(
        label=_("Faste punkter på sakslisten"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ett punkt per linje. Saker om enkeltpersoner hører ikke hjemme her."),
    )

    @classmethod
    def for_group(cls, group: CoordinationGroup, data=None) -> "GroupForm":
        return cls(data, initial=cls.stored_values(group), version=group.version)

    @staticmethod
    def stored_values(group: CoordinationGroup) -> dict:
        return {
            "name": group.forum.name,
            "meetings_per_year": group.meetings_per_year,
            "purpose": group.purpose,
            "standard_agenda": group.forum.standard_agenda,
        }


# Organisations typically represented in a coordination group (suggestions; any text is allowed).
ORGANISATIONS = [
    "Barnevern",
    "NAV",
    "Skole",
    "Barnehage",
    "Helsestasjon",
    "PPT",
    "BUP",
    "Politikontakt",
    "Flyktningtjenesten",
    "Ruskonsulent",
    "Kommunepsykolog",
    "Psykisk helse",
    "Ungdomsklubb",
    "Konfliktrådet",
]


KINDS = [
    (ForumMembership.Kind.SECRETARY, _("Innkaller og referent")),
    (ForumMembership.Kind.LEADER, _("Leder")),
    (ForumMembership.Kind.MEMBER, _("Fast medlem")),
    (ForumMembership.Kind.GUEST, _("Fast gjest (uten tilgang til referat)")),
]


def member_form(data=None, *, group: CoordinationGroup, user) -> MemberForm:
    """The one member form (samarbeid/forms.py) for a coordination group: no deputies, no period."""
    return MemberForm(
        data,
        people=people_choosable(group.slt_model),
        people_first=people_first(user),
        parties=parties_choosable(group.slt_model),
        kinds=KINDS,
        dated=False,
        organisations=ORGANISATIONS,
    )
