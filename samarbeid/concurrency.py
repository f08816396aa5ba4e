"""Optimistic concurrency for every form that edits an existing object: "someone else saved while you wrote".

The one mechanism, used by agreements, councils, slt and the meeting pages alike:

- ``Versioned``: an abstract base that gives a model its ``version`` (1 for a new row). Name the fields
  that say who saved last and when in ``edited_by_field`` / ``edited_at_field`` so a conflict can tell.
- ``VersionedForm``: a form mixin that carries the version the user started from as the hidden field
  ``version`` (from ``instance.version``, or ``version=`` for plain forms). A form names what is stored
  in ``stored_values(obj)`` (ModelForms: their model fields) so a conflict shows it field by field.
- ``claim_version(obj, expected_version)``: inside the transaction that saves the change, one conditional
  ``UPDATE … SET version = version + 1 WHERE pk = … AND version = expected``. The database decides: of any
  number of racing saves from the same version exactly one updates a row (SQLite serialises writers;
  PostgreSQL re-checks the WHERE clause on the row a concurrent winner committed). The losers get
  ``StaleEdit`` carrying the object as it is stored now (None if it was removed), and their transaction
  rolls back.
- ``claim_row(model, expected_version, **lookup)``: the same for the one row of a lookup that may not exist
  yet (a council's evaluation of a year): version 0 means "there was none", and of two first saves the
  unique constraint lets one through.
- A view catches ``StaleEdit`` and calls ``form.show_conflict(error)``: the user's input stays in the form,
  the hidden version moves to the stored one (saving again then overwrites knowingly), and
  templates/samarbeid/_conflict.html (included by the shared form-field partials) shows what is stored.
- ``edits_versioned`` marks a view as such an edit view; tests/test_concurrency.py walks every URL pattern
  and fails on an edit view of an existing object that is not marked (and tries each marked one as two users).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import IntegrityError, models, transaction
from django.db.models import F, QuerySet
from django.template.defaultfilters import linebreaksbr
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Versioned(models.Model):
    version = models.PositiveIntegerField(gettext_lazy("versjon"), default=1, editable=False)

    edited_by_field: str | None = None  # e.g. "updated_by": shown in a conflict as who saved
    edited_at_field: str | None = None

    class Meta:
        abstract = True


class StaleEdit(Exception):
    """The object was saved (or removed) by someone else since the user loaded the form."""

    def __init__(self, current: models.Model | None):
        super().__init__(f"stale edit, now at version {getattr(current, 'version', None)}")
        self.current = current


def claim_version(obj: Versioned, expected_version: int | None) -> None:
    """Move `obj` to the next version if it is still at `expected_version`, else raise StaleEdit.

    `expected_version` is the version the user's form started from; None (code, not a form) means the
    version `obj` was loaded with. Call it inside the transaction that then saves the change (before the
    save): the row stays locked by the UPDATE until the transaction ends, and a StaleEdit rolls it back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim_version() must run inside the transaction that saves the change")
    expected_version = obj.version if expected_version is None else expected_version
    manager = type(obj)._default_manager
    if not manager.filter(pk=obj.pk, version=expected_version).update(version=F("version") + 1):
        raise StaleEdit(manager.filter(pk=obj.pk).first())
    obj.version = expected_version + 1


def claim_row[V: Versioned](model: type[V], expected_version: int | None, **lookup) -> V:
    """The one row `lookup` finds (e.g. a council's evaluation of a year), claimed from `expected_version`;
    created (version 1) when the user started from none (0). None: whatever is stored (code, not forms).

    Raises StaleEdit when the row was saved meanwhile, or someone else created it first (unique lookup)."""
    manager = model._default_manager
    obj = manager.filter(**lookup).first()
    if obj is None:
        if expected_version not in (None, 0):
            raise StaleEdit(None)
        try:
            with transaction.atomic():
                return manager.create(**lookup)
        except IntegrityError:
            raise StaleEdit(manager.filter(**lookup).first()) from None
    claim_version(obj, expected_version)
    return obj


# --- views -------------------------------------------------------------------------------------------------------

VERSIONED_VIEWS: set[Callable] = set()


def edits_versioned(view: Callable) -> Callable:
    """Mark a view whose form edits an existing object through claim_version (see tests/test_concurrency.py)."""
    VERSIONED_VIEWS.add(view)
    return view


# --- forms -------------------------------------------------------------------------------------------------------


@dataclass
class ConflictRow:
    label: str
    stored: SafeString
    yours: SafeString


@dataclass
class Conflict:
    current: models.Model | None
    rows: list[ConflictRow]

    @property
    def removed(self) -> bool:
        return self.current is None

    @property
    def saved_by(self):
        name = self.current is not None and type(self.current).edited_by_field
        return getattr(self.current, name) if name else None

    @property
    def saved_at(self):
        name = self.current is not None and type(self.current).edited_at_field
        return getattr(self.current, name) if name else None


if TYPE_CHECKING:  # the mixin is always combined with forms.Form or forms.ModelForm
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class VersionedForm(_FormBase):
    """Mixin for a form that edits an existing object: carries the version the user started from.

    The version is `version=` if given (0: "there was none yet"), else the ModelForm instance's; a form
    for a new object (no instance, no `version=`) has no version and saves as before."""

    def __init__(self, *args, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        instance: Any = getattr(self, "instance", None)  # a ModelForm's object; plain forms have none
        if version is None and instance is not None and instance.pk:
            version = instance.version
        if version is not None:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=0, initial=version)
        self.conflict: Conflict | None = None

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    @property
    def edited_data(self) -> dict:
        """cleaned_data without the version: what the user changed the object to."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    @property
    def changed_data(self) -> list[str]:
        return [name for name in super().changed_data if name != "version"]

    def stored_values(self, obj) -> dict:
        """What is stored for each of the form's fields (ModelForms: the model's fields; override otherwise)."""
        values = {}
        for name in self._meta.fields:  # type: ignore[attr-defined]  # ModelForms; plain forms override this
            value = getattr(obj, name)
            values[name] = list(value.all()) if isinstance(value, models.Manager) else value
        return values

    def display(self, name: str, value) -> SafeString:
        """A stored or submitted value as the conflict shows it (override for rich text)."""
        return linebreaksbr(_display(self.fields[name], value), autoescape=True)

    def show_conflict(self, error: StaleEdit) -> None:
        """Keep the user's input, move the hidden version to the stored one and describe what is stored."""
        current: Any = error.current  # a Versioned model, or None when it was removed
        data = self.data.copy()  # type: ignore[attr-defined]  # a bound form's data is a QueryDict
        data[self.add_prefix("version")] = current.version if current is not None else 0
        self.data = data
        stored = self.stored_values(current) if current is not None else {}
        rows = []
        for name, field in self.fields.items():
            if name == "version" or field.widget.is_hidden:
                continue
            shown = self.display(name, stored.get(name)), self.display(name, self.cleaned_data.get(name))
            if current is None or shown[0] != shown[1]:
                rows.append(ConflictRow(str(field.label), *shown))
        self.conflict = Conflict(current, rows)


def _display(field: forms.Field, value) -> str:
    if value is None or value == "" or (isinstance(value, (list, tuple, QuerySet)) and not len(value)):
        return "—"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nei")
    if isinstance(value, (list, tuple, QuerySet)):
        return ", ".join(_display(field, item) for item in value)
    if isinstance(value, datetime.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, models.Model) or isinstance(field, forms.ModelChoiceField):
        return str(value)
    labels = {str(key): label for key, label in getattr(field, "choices", ()) if not isinstance(label, (list, tuple))}
    return str(labels.get(str(value), value))
