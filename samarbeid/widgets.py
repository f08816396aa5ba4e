"""The one picker for kommuner, people and parties: the relevant ones first, and a box that filters the list.

Server-rendered and usable without JavaScript: a plain <select> (`Picker`) or a list of checkboxes
(`MultiPicker`), the options the user is closest to in a first group ("Dine kommuner", "Fra din part") and the
rest after. static/js/samarbeid.js shows the search box and hides the options that do not match what is typed.

What may be picked is the field's queryset, from the app's access module; `offer` only says which of those come
first (also from the access module), so the allowed set is the same with or without the picker.
"""

from django import forms
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SEARCH_FROM = 8  # fewer options than this are read at a glance: no search box

# (first group, the rest, the search box's label) per kind of option
KOMMUNER = (_("Dine kommuner"), _("Andre kommuner i politidistriktet"), _("Søk etter kommune"))
PEOPLE = (_("Fra din part"), _("Andre"), _("Søk etter person"))
PARTIES = (_("Dine parter"), _("Andre parter"), _("Søk etter part"))


class _Grouped:
    """Splits the options into the first group and the rest (option ids and values stay what Django gives)."""

    first: QuerySet | None = None
    labels: tuple[Promise, Promise, Promise] = KOMMUNER
    legend: str | Promise = ""

    def optgroups(self, name, value, attrs=None):
        flat = [option for _group, options, _index in super().optgroups(name, value, attrs) for option in options]
        empty = [option for option in flat if option["value"] in ("", None)]
        options = [option for option in flat if option["value"] not in ("", None)]
        first_pks = {str(pk) for pk in self.first} if self.first is not None else set()
        first = [option for option in options if str(option["value"]) in first_pks]
        rest = [option for option in options if str(option["value"]) not in first_pks]
        groups = [(None, empty, 0)] if empty else []
        if first and rest:
            return [*groups, (self.labels[0], first, 1), (self.labels[1], rest, 2)]
        return [*groups, (None, options, 1)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = [option for _group, options, _index in context["widget"]["optgroups"] for option in options]
        context["widget"]["searchable"] = sum(1 for o in options if o["value"] not in ("", None)) >= SEARCH_FROM
        context["widget"]["search_label"] = self.labels[2]
        context["widget"]["legend"] = self.legend
        return context


class Picker(_Grouped, forms.Select):
    template_name = "widgets/picker.html"


class MultiPicker(_Grouped, forms.CheckboxSelectMultiple):
    """Checkboxes in a compact grid under a search box, with a line saying which are chosen."""

    template_name = "widgets/multi_picker.html"


def offer(
    field: forms.ModelChoiceField,
    choosable: QuerySet,
    *,
    first: QuerySet,
    labels: tuple[Promise, Promise, Promise] = KOMMUNER,
) -> None:
    """Offer `choosable` in the field's picker, those in `first` (both from the access module) ahead of the rest."""
    widget = field.widget
    if not isinstance(widget, _Grouped):
        widget = (MultiPicker if widget.allow_multiple_selected else Picker)(attrs=widget.attrs)
        widget.is_required = field.required
        field.widget = widget
    field.queryset = choosable  # also gives the widget its choices
    widget.first = first.values_list("pk", flat=True)
    widget.labels = labels
    widget.legend = field.label
