"""Validators shared by every app's forms."""

import re

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


# An 11-digit national identity number (fødselsnummer or D-nummer), also written "010190 12345".
NATIONAL_ID = re.compile(r"(?<!\d)\d{6}\s?\d{5}(?!\d)")
# A name next to a birth date: "Ola Nordmann f. 01.02.2008", "Kari (født 3.4.09)", "Per, fødd 12.03.2009".
_DATE = r"\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})"
_NAME = r"[A-ZÆØÅ][a-zæøåéü]+(?:[ -][A-ZÆØÅ][a-zæøåéü]+)*"
_FULL_NAME = r"[A-ZÆØÅ][a-zæøåéü]+(?:[ -][A-ZÆØÅ][a-zæøåéü]+)+"  # two names at least: "Ungdom (12.03.2009)" is none
NAME_WITH_BIRTH_DATE = re.compile(
    rf"{_NAME}\s*,?\s*\(?\s*(?:f\.|f\b|født|fødd|fødselsdato:?)\s*{_DATE}|{_FULL_NAME}\s*\(\s*{_DATE}\s*\)"
)


def validate_no_personal_data(value: str) -> None:
    """Refuse text that identifies a person by national identity number or by name and birth date: for the fields
    that must never hold personal data (the politikontakt's log)."""
    if NATIONAL_ID.search(value or ""):
        raise ValidationError(
            _("Teksten ser ut til å inneholde et fødselsnummer (11 siffer). Skriv aldri personopplysninger her."),
            code="national_id",
        )
    if NAME_WITH_BIRTH_DATE.search(value or ""):
        raise ValidationError(
            _("Teksten ser ut til å inneholde et navn med fødselsdato. Skriv aldri personopplysninger her."),
            code="name_with_birth_date",
        )
