"""Filter and sort for the district page (and its export). The figures are computed by the rules in Python, so
they are filtered and sorted in Python too: a plain form, not a django-filter FilterSet over a queryset."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.rules import AgreementStatus
from oversight.figures import SHOWN_STATUSES, KommuneFigures

_LAST = (1, 0)  # rows without a value sort after those with one, either way round


def _key(value):
    return _LAST if value is None else (0, value)


SORT_KEYS = {
    "kommune": lambda row: _key(row.kommune.name),
    "status": lambda row: _key(SHOWN_STATUSES.index(row.status) if row.status in SHOWN_STATUSES else None),
    "signert": lambda row: _key(row.signed_on),
    "moter": lambda row: _key(row.council.meetings_held - row.council.meetings_min if row.council else None),
    "innkalling": lambda row: _key(row.council.on_time_percent if row.council else None),
    "evaluering": lambda row: _key(row.council.last_evaluation if row.council else None),
    "oppfolging": lambda row: _key(row.council.overdue_follow_ups if row.council else None),
    "tiltak": lambda row: _key(row.overdue_tiltak),
}


class FigureFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Kommune"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Avtalestatus"),
        required=False,
        choices=[("", _("Alle"))] + [(s.value, s.label) for s in SHOWN_STATUSES],
        widget=forms.Select,
    )
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORT_KEYS])
    order = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])

    def apply(self, rows: list[KommuneFigures]) -> list[KommuneFigures]:
        """The rows that match, in the chosen order (invalid input: every row, by kommune)."""
        data = self.cleaned_data if self.is_valid() else {}
        if query := (data.get("q") or "").strip().lower():
            rows = [row for row in rows if query in row.kommune.name.lower() or query == row.kommune.number]
        if status := data.get("status"):
            rows = [row for row in rows if row.status == AgreementStatus(status)]
        key = SORT_KEYS[data.get("sort") or "kommune"]
        if data.get("order") == "desc":
            with_value = sorted((r for r in rows if key(r) != _LAST), key=key, reverse=True)
            return with_value + [r for r in rows if key(r) == _LAST]
        return sorted(rows, key=key)
