"""The plumbing every app's forms share: Designsystemet classes on widgets, the date and time inputs, the member form.

Styling is the form renderer's (settings.FORM_RENDERER = DsRenderer): every bound field of every form renders its
widget with `ds-input`, so no form sets a CSS class, loops over its widgets or inherits a mixin. Checkboxes and
radio buttons keep the browser's own look (their labels sit beside them in the templates), hidden inputs need none.
"""

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samarbeid.models import ForumMembership, Party, Person
from samarbeid.validators import single_line
from samarbeid.widgets import PEOPLE, offer

DS_INPUT = "ds-input"
UNSTYLED = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


def ds_class(widget: forms.Widget) -> str | None:
    """The Designsystemet class a widget renders with (None: it keeps its own look, or is hidden)."""
    if widget.is_hidden or isinstance(widget, UNSTYLED):
        return None
    return DS_INPUT


class DsBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css = ds_class(widget)
        if css and "class" not in widget.attrs:
            attrs.setdefault("class", css)
        return attrs


class DsRenderer(DjangoTemplates):
    """Django's template renderer, with Designsystemet classes on every widget (settings.FORM_RENDERER)."""

    bound_field_class = DsBoundField


class DateInput(forms.DateInput):
    """The browser's date picker; it needs ISO values, whatever the display format of the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    """The browser's time picker (hours and minutes)."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class MemberForm(forms.Form):
    """A new member of a forum (politiråd, SLT group): a registered person, or a new one by name (no login needed).

    The choices come from the app's access module: `people` (who may be chosen; `people_first`, those the picker
    lists first), `parties` (whom a member may represent), `kinds` ((value, label) of the memberships offered). A
    politiråd also gives `deputies` (the memberships a deputy may stand in for) and keeps the period (`dated`);
    `organisations` are suggestions for the organisation field (a datalist, any text is allowed)."""

    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Velg en person, eller skriv inn navn og e-post for en ny."),
    )
    name = forms.CharField(label=_("Navn på ny person"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-post til ny person"), required=False)
    kind = forms.ChoiceField(label=_("Medlemskap"))
    deputy_for = forms.ModelChoiceField(
        label=_("Stedfortreder for"), queryset=ForumMembership.objects.none(), required=False
    )
    party = forms.ModelChoiceField(label=_("Representerer"), queryset=Party.objects.none(), required=False)
    role_title = forms.CharField(label=_("Rolle"), max_length=200, required=False)
    organisation = forms.CharField(
        label=_("Organisasjon"), max_length=200, required=False, help_text=_("F.eks. PST, barnevern, NAV.")
    )
    starts_on = forms.DateField(label=_("Fra"), widget=DateInput, initial=timezone.localdate)
    ends_on = forms.DateField(label=_("Til"), widget=DateInput, required=False)

    ORGANISATIONS_LIST = "organisasjoner"  # the id of the datalist a page renders from `form.organisations`

    def __init__(
        self, *args, people, people_first, parties, kinds, deputies=None, dated=True, organisations=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        offer(self.fields["person"], people, first=people_first, labels=PEOPLE)  # the user's party's people first
        self.fields["party"].queryset = parties
        self.fields["kind"].choices = kinds
        self.initial.setdefault("kind", ForumMembership.Kind.MEMBER)
        if deputies is None:
            del self.fields["deputy_for"]
        else:
            self.fields["deputy_for"].queryset = deputies
        if not dated:
            del self.fields["starts_on"], self.fields["ends_on"]
        self.organisations = list(organisations)
        if self.organisations:
            self.fields["organisation"].widget.attrs["list"] = self.ORGANISATIONS_LIST
        single_line(self, "name", "role_title", "organisation")

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("name") or "").strip():
            self.add_error("person", _("Velg en person eller skriv navnet på en ny."))
        if (
            data.get("kind") == ForumMembership.Kind.DEPUTY
            and "deputy_for" in self.fields
            and not data.get("deputy_for")
        ):
            self.add_error("deputy_for", _("Velg hvem stedfortrederen er stedfortreder for."))
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("Sluttdatoen kan ikke være før startdatoen."))
        return data
