"""The forms of the meeting pages (samarbeid/meeting_views.py): their choices come from samarbeid.meetings, the
access functions that also scope the lists. Per-row forms (one per decision, one per member) carry a prefix so
that the ids on one page stay unique."""

import datetime
from collections.abc import Iterable
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samarbeid import meetings as svc
from samarbeid.concurrency import VersionedForm
from samarbeid.forms import DateInput, TimeInput
from samarbeid.models import AgendaItem, Attendance, FollowUpAction, ForumMembership, Meeting, Party, Person
from samarbeid.widgets import PARTIES, PEOPLE, offer


def share_choices(rows: Iterable[forms.BaseForm], *names: str) -> None:
    """Per-row forms offer the same choices: read them once and give every row the list (one query per field,
    however many rows the page has)."""
    rows = list(rows)
    if not rows:
        return
    for name in names:
        field = cast(forms.ModelChoiceField, rows[0].fields[name])
        choices = [choice for choice in field.iterator(field)]  # not list(): its length hint would COUNT first
        for form in rows:
            cast(forms.ModelChoiceField, form.fields[name]).choices = choices


class MeetingForm(VersionedForm, forms.Form):
    date = forms.DateField(label=gettext_lazy("Dato"), widget=DateInput)
    starts = forms.TimeField(label=gettext_lazy("Fra kl."), widget=TimeInput)
    ends = forms.TimeField(label=gettext_lazy("Til kl."), widget=TimeInput)
    place = forms.CharField(label=gettext_lazy("Sted"), max_length=200, required=False)
    theme = forms.CharField(label=gettext_lazy("Tema"), max_length=200, required=False)
    is_closed = forms.BooleanField(label=gettext_lazy("Lukket møte (unntatt offentlighet)"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Hjemmel eller grunn for å åpne møtet"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("Kreves når et lukket møte åpnes. Blir stående i historikken."),
    )

    def __init__(self, *args, meeting: Meeting | None = None, can_open: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is None or not meeting.is_closed:
            del self.fields["reason"]
        elif not can_open:
            # Only the leader or a member may open a closed meeting; the others are not offered it.
            self.fields["is_closed"].disabled = True
            self.fields["is_closed"].help_text = (
                _("Møter i koordineringsgrupper er alltid lukket.")
                if meeting.forum.kind in svc.ALWAYS_CLOSED_KINDS
                else _("Bare lederen eller et medlem av forumet kan åpne møtet.")
            )
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            raise ValidationError(_("Møtet må slutte etter at det begynner."))
        return data

    def meeting_fields(self) -> dict:
        data = self.cleaned_data
        aware = timezone.get_current_timezone()
        return {
            "starts_at": datetime.datetime.combine(data["date"], data["starts"], tzinfo=aware),
            "ends_at": datetime.datetime.combine(data["date"], data["ends"], tzinfo=aware),
            "place": data["place"],
            "theme": data["theme"],
            "is_closed": data["is_closed"],
        }

    @classmethod
    def for_meeting(cls, meeting: Meeting, data=None, *, can_open: bool) -> "MeetingForm":
        return cls(
            data, meeting=meeting, can_open=can_open, initial=cls.stored_values(meeting), version=meeting.version
        )

    @staticmethod
    def stored_values(meeting: Meeting) -> dict:
        starts, ends = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        return {
            "date": starts.date(),
            "starts": starts.time(),
            "ends": ends.time(),
            "place": meeting.place,
            "theme": meeting.theme,
            "is_closed": meeting.is_closed,
        }


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Sak"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Beskrivelse"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    proposed_by = forms.ModelChoiceField(
        label=gettext_lazy("Meldt inn av"), queryset=Party.objects.none(), required=False
    )

    def __init__(self, *args, forum, user, **kwargs):
        super().__init__(*args, **kwargs)
        offer(
            self.fields["proposed_by"],
            svc.forum_parties_choosable(forum),
            first=svc.parties_first(user),
            labels=PARTIES,
        )


class MinutesForm(VersionedForm, forms.Form):
    """The minutes of one agenda item, with the version they were read at (prefix `referat-<item>`: one per item)."""

    minutes = forms.CharField(label=gettext_lazy("Referat"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, data=None, *, item, initial=None):
        super().__init__(data, prefix=f"referat-{item.pk}", version=item.version, initial=initial)

    @classmethod
    def per_item(cls, items: Iterable) -> dict[int, "MinutesForm"]:
        return {item.pk: cls(item=item, initial={"minutes": item.minutes}) for item in items}

    @staticmethod
    def stored_values(item: AgendaItem) -> dict:
        return {"minutes": item.minutes}


class DecisionForm(forms.Form):
    """A new decision on one agenda item (prefix `vedtak-<item>`: one form per item on the meeting page)."""

    text = forms.CharField(
        label=gettext_lazy("Nytt vedtak"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Skriv vedtaket.")},
    )

    def __init__(self, data=None, *, item_pk: int):
        super().__init__(data, prefix=f"vedtak-{item_pk}")

    @classmethod
    def per_item(cls, items: Iterable) -> dict[int, "DecisionForm"]:
        return {item.pk: cls(item_pk=item.pk) for item in items}


class ActionForm(forms.Form):
    """A follow-up of a decision: what, who answers for it (a person and/or a party of the forum), by when."""

    description = forms.CharField(
        label=gettext_lazy("Oppfølging"),
        max_length=500,
        error_messages={"required": gettext_lazy("Oppfølgingspunktet mangler beskrivelse.")},
    )
    responsible_person = forms.ModelChoiceField(
        label=gettext_lazy("Ansvarlig"),
        queryset=Person.objects.none(),
        required=False,
    )
    responsible_party = forms.ModelChoiceField(
        label=gettext_lazy("Ansvarlig part"),
        queryset=Party.objects.none(),
        required=False,
    )
    due_on = forms.DateField(
        label=gettext_lazy("Frist"),
        required=False,
        widget=DateInput,
    )

    def __init__(self, *args, forum, user, decision_pk=None, **kwargs):
        """A new follow-up names its decision (`decision_pk`, the form's prefix on the meeting page)."""
        if decision_pk is not None:
            kwargs["prefix"] = f"oppfolging-{decision_pk}"
        super().__init__(*args, **kwargs)
        self.decision_pk = decision_pk
        people = self.fields["responsible_person"]
        offer(people, svc.forum_action_people(forum), first=svc.people_first(user), labels=PEOPLE)
        self.fields["responsible_party"].queryset = svc.forum_parties_choosable(forum)

    @classmethod
    def per_decision(cls, decisions: Iterable, forum, *, user) -> dict[int, "ActionForm"]:
        """An empty form for each decision on the meeting page, the choices (and the picker's first group) read once
        for all of them."""
        rows = {decision.pk: cls(forum=forum, user=user, decision_pk=decision.pk) for decision in decisions}
        share_choices(rows.values(), "responsible_person", "responsible_party")
        if rows:
            first = list(next(iter(rows.values())).fields["responsible_person"].widget.first)
            for form in rows.values():
                form.fields["responsible_person"].widget.first = first
        return rows


class ActionEditForm(VersionedForm, ActionForm):
    """An existing follow-up: its text, who answers for it and by when (its version as read)."""

    def __init__(self, *args, action: FollowUpAction, user, **kwargs):
        initial = {
            "description": action.description,
            "responsible_person": action.responsible_person_id,
            "responsible_party": action.responsible_party_id,
            "due_on": action.due_on,
        }
        forum = action.decision.agenda_item.meeting.forum
        super().__init__(*args, initial=initial, version=action.version, forum=forum, user=user, **kwargs)

    def stored_values(self, obj) -> dict:
        return {
            "description": obj.description,
            "responsible_person": obj.responsible_person,
            "responsible_party": obj.responsible_party,
            "due_on": obj.due_on,
        }


class ReopenActionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor åpnes det igjen?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tittel"), max_length=200, required=False)
    file = forms.FileField(label=gettext_lazy("Fil (PDF, DOCX eller ODT)"))


class CloseActionForm(forms.Form):
    """Closing one follow-up of the list (prefix `lukk-<action>`: one form per row)."""

    closing_comment = forms.CharField(
        label=gettext_lazy("Kommentar"),
        error_messages={"required": gettext_lazy("Skriv en kort kommentar om hva som ble gjort.")},
    )

    def __init__(self, data=None, *, action_pk: int):
        super().__init__(data, prefix=f"lukk-{action_pk}")

    @classmethod
    def per_action(cls, actions: Iterable[FollowUpAction]) -> dict[int, "CloseActionForm"]:
        return {action.pk: cls(action_pk=action.pk) for action in actions if not action.is_done}


class AttendanceForm(forms.Form):
    """One member's attendance at a meeting (prefix `oppmote-<membership>`: one form per row of the table)."""

    status = forms.ChoiceField(
        label=gettext_lazy("Oppmøte"),
        choices=Attendance.Status.choices,
        error_messages={
            "required": gettext_lazy("Velg oppmøte."),
            "invalid_choice": gettext_lazy("Velg oppmøte."),
        },
    )
    represented_by = forms.ModelChoiceField(
        label=gettext_lazy("Representert ved"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=gettext_lazy("Ingen stedfortreder"),
    )

    def __init__(self, data=None, *, meeting: Meeting, membership: ForumMembership, record: Attendance | None = None):
        initial = {"status": record.status, "represented_by": record.represented_by_id} if record else None
        super().__init__(data, prefix=f"oppmote-{membership.pk}", initial=initial)
        self.fields["status"].label = _("Oppmøte for %(name)s") % {"name": membership.person.name}
        people = cast(forms.ModelChoiceField, self.fields["represented_by"])
        people.queryset = svc.forum_representatives_choosable(meeting.forum)

    @classmethod
    def per_member(cls, meeting: Meeting, attendance: Iterable) -> list[tuple]:
        """(membership, its attendance record, its form) for each row of the table, the choices read once."""
        rows = [
            (membership, record, cls(meeting=meeting, membership=membership, record=record))
            for membership, record in attendance
        ]
        share_choices((form for _membership, _record, form in rows), "represented_by")
        return rows
