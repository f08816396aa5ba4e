from django import forms
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from councils.access import (
    agreements_linkable,
    council_kommuner,
    deputies_choosable,
    host_kommuner_choosable,
    kommuner_choosable,
    kommuner_first,
    member_parties_choosable,
    people_choosable,
    people_first,
    police_units_choosable,
    police_units_first,
)
from councils.models import Council, Evaluation, LogEntry, YearPlan
from councils.veileder import QUESTIONS
from samarbeid.concurrency import VersionedForm
from samarbeid.forms import DateInput, MemberForm, TimeInput
from samarbeid.models import ForumMembership, Kommune, Meeting, PoliceUnit
from samarbeid.validators import single_line, validate_single_line
from samarbeid.widgets import PARTIES, offer


class CouncilForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=200, validators=[validate_single_line])
    host_kommune = forms.ModelChoiceField(
        label=_("Vertskommune"),
        queryset=Kommune.objects.none(),
        help_text=_("Ordføreren i vertskommunen leder politirådet."),
    )
    other_kommuner = forms.ModelMultipleChoiceField(
        label=_("Andre kommuner i politirådet"),
        queryset=Kommune.objects.none(),
        required=False,
        help_text=_(
            "Kommuner i samme politidistrikt. En kommune du har en rolle i, blir med med en gang; de andre "
            "får en invitasjon og blir med først når de godtar den."
        ),
    )
    police_unit = forms.ModelChoiceField(label=_("Politienhet"), queryset=PoliceUnit.objects.none())
    secretary_rule = forms.ChoiceField(label=_("Sekretær"), choices=Council.SecretaryRule.choices)
    alternation_start_year = forms.IntegerField(
        label=_("Kommunen er sekretær fra år"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Bare ved veksling: politiet har sekretæransvaret året etter, og så videre."),
    )
    min_meetings_per_year = forms.IntegerField(
        label=_("Minste antall møter i året"), min_value=1, max_value=12, initial=2
    )
    agreement = forms.ModelChoiceField(label=_("Samarbeidsavtale"), queryset=None, required=False)

    def __init__(self, *args, user, council: Council | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        offer(self.fields["host_kommune"], host_kommuner_choosable(user), first=kommuner_first(user))
        offer(self.fields["other_kommuner"], kommuner_choosable(user), first=kommuner_first(user))
        offer(self.fields["police_unit"], police_units_choosable(user), first=police_units_first(user), labels=PARTIES)
        self.fields["agreement"].queryset = agreements_linkable(user, council)

    def clean(self):
        data = super().clean()
        host, unit = data.get("host_kommune"), data.get("police_unit")
        if host and unit and unit.district_id != host.district_id:
            self.add_error("police_unit", _("Politienheten må høre til samme politidistrikt som vertskommunen."))
        if host and any(k.district_id != host.district_id for k in data.get("other_kommuner", ())):
            self.add_error("other_kommuner", _("Kommunene må høre til samme politidistrikt som vertskommunen."))
        if data.get("secretary_rule") == Council.SecretaryRule.ALTERNATING and not data.get("alternation_start_year"):
            self.add_error("alternation_start_year", _("Oppgi året kommunen har sekretæransvaret når det veksler."))
        return data


class CouncilEditForm(VersionedForm, CouncilForm):
    def __init__(self, *args, user, council: Council, **kwargs):
        super().__init__(*args, user=user, council=council, **kwargs)
        for name in ("host_kommune", "other_kommuner", "police_unit"):
            del self.fields[name]

    @classmethod
    def for_council(cls, council: Council, data=None, *, user) -> "CouncilEditForm":
        return cls(data, user=user, council=council, initial=cls.stored_values(council), version=council.version)

    @staticmethod
    def stored_values(council: Council) -> dict:
        return {
            "name": council.forum.name,
            "secretary_rule": council.secretary_rule,
            "alternation_start_year": council.alternation_start_year,
            "min_meetings_per_year": council.min_meetings_per_year,
            "agreement": council.agreement,
        }


def member_form(data=None, *, council: Council, user) -> MemberForm:
    """The one member form (samarbeid/forms.py) for a politiråd: every kind of membership, deputies, the period."""
    return MemberForm(
        data,
        people=people_choosable(council),
        people_first=people_first(user),
        parties=member_parties_choosable(council),
        kinds=ForumMembership.Kind.choices,
        deputies=deputies_choosable(council),
    )


class EndMembershipForm(forms.Form):
    ends_on = forms.DateField(label=_("Siste dag"), widget=DateInput, initial=timezone.localdate)


class YearPlanMeetingForm(forms.Form):
    date = forms.DateField(label=_("Dato"), widget=DateInput)
    starts = forms.TimeField(label=_("Fra kl."), widget=TimeInput, initial="09:00")
    ends = forms.TimeField(label=_("Til kl."), widget=TimeInput, initial="11:00")
    theme = forms.CharField(label=_("Tema fra årshjulet"), max_length=200, required=False)
    place = forms.CharField(label=_("Sted"), max_length=200, required=False)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        single_line(self, "theme", "place")

    def clean(self):
        data = super().clean()
        if data.get("date") and data["date"].year != self.year:
            self.add_error("date", _("Datoen må være i %(year)s.") % {"year": self.year})
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", _("Møtet må slutte etter at det begynner."))
        return data


class YearPlanDecideForm(VersionedForm, forms.Form):
    """The årshjul itself: where it was decided, a note, and the theme of each month."""

    decided_at = forms.ModelChoiceField(label=_("Vedtatt i møtet"), queryset=Meeting.objects.none(), required=False)
    note = forms.CharField(label=_("Merknad"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, council: Council, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_at"].queryset = council.forum.meetings.in_year(year - 1).exclude(
            status=Meeting.Status.CANCELLED
        )
        for month in range(1, 13):
            self.fields[f"theme_{month}"] = forms.CharField(
                label=_("Tema i %(month)s") % {"month": MONTHS[month]},
                max_length=200,
                required=False,
                validators=[validate_single_line],
            )

    @classmethod
    def for_plan(cls, plan: YearPlan | None, data=None, *, council: Council, year: int) -> "YearPlanDecideForm":
        initial = cls.stored_values(plan) if plan else {}
        return cls(data, council=council, year=year, initial=initial, version=plan.version if plan else 0)

    @staticmethod
    def stored_values(plan: YearPlan) -> dict:
        themes = {f"theme_{month}": plan.theme_of(month) for month in range(1, 13)}
        return {"decided_at": plan.decided_at, "note": plan.note, **themes}

    @property
    def edited_data(self) -> dict:
        data = super().edited_data
        themes = {month: data.pop(f"theme_{month}").strip() for month in range(1, 13)}
        return {**data, "themes": themes}


class EvaluationForm(VersionedForm, forms.Form):
    """One answer field per question of the veileder; a new evaluation starts from the year's figures."""

    def __init__(self, *args, figures=None, evaluation: Evaluation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = forms.CharField(
                label=question.text, widget=forms.Textarea(attrs={"rows": 4}), required=False
            )
            if evaluation is not None:
                self.fields[question.key].initial = evaluation.answer(question.key)
            elif figures is not None and question.figure:
                self.fields[question.key].initial = figures.text(question.figure)

    def clean(self):
        data = super().clean()
        if not any(data.get(question.key, "").strip() for question in QUESTIONS):
            raise forms.ValidationError(_("Svar på minst ett av spørsmålene før du lagrer evalueringen."))
        return data

    @staticmethod
    def stored_values(evaluation: Evaluation) -> dict:
        return {question.key: evaluation.answer(question.key) for question in QUESTIONS}


class LogEntryForm(VersionedForm, forms.ModelForm):
    """A new entry of the politikontakt's log, or a correction of one (then with the version it was read at)."""

    class Meta:
        model = LogEntry
        fields = ["kommune", "kind", "date", "duration_minutes", "note"]
        widgets = {"date": DateInput}

    def __init__(self, *args, council: Council, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kommune"].queryset = council_kommuner(council)


class LogFilterForm(forms.Form):
    """Which kommune's entries the log shows (all when none is chosen, or when the choice is not one of them)."""

    kommune = forms.ModelChoiceField(
        label=_("Kommune"),
        queryset=Kommune.objects.none(),
        required=False,
        empty_label=_("Alle"),
        widget=forms.Select,
        error_messages={"invalid_choice": _("Velg en av kommunene i politirådet.")},
    )

    def __init__(self, data, *, council: Council):
        super().__init__(data, auto_id="filter-%s")  # the new entry's form on the same page has its own kommune
        self.fields["kommune"].queryset = council_kommuner(council)

    def apply(self, entries):
        kommune = self.cleaned_data["kommune"] if self.is_valid() else None
        return entries.filter(kommune=kommune) if kommune else entries


class LogEntryDeleteForm(VersionedForm, forms.Form):
    """The confirmation of a deletion: only the version of the entry the user saw."""
