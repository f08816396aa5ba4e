"""Validators shared by every app's forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Everything str.splitlines() breaks on: a name with one of these breaks e-mail headers and .ics lines.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def validate_single_line(value: str) -> None:
    """Names and titles are one line: refuse line breaks instead of storing them."""
    if LINE_BREAKS.intersection(value or ""):
        raise ValidationError(_("Skriv teksten på én linje, uten linjeskift."), code="single_line")


def single_line(form: forms.BaseForm, *names: str) -> None:
    """Refuse line breaks in the named fields of the form (those it has)."""
    for name in names:
        if name in form.fields:
            form.fields[name].validators.append(validate_single_line)
