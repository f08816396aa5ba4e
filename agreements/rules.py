"""The rules an agreement sets for itself, read from its own parts, with the national veileder's defaults.

One plain function per rule. The period is read from ``period_start``/``period_end`` (no end: "til avtalen blir
revidert"); the rules written in the sections' text ("innkalling senest 1 uke før", "minimum to møter i året",
"revideres etter hvert kommunevalg", "evaluering på det siste politirådet", "møteplan ... settes opp på siste
møtet året før") are read from the sentences of the agreement's sections (``agreement_terms``), in bokmål and
nynorsk. Where the agreement is silent, the veileder's default applies (``DEFAULT_*``).

Every function reads the agreement's sections through ``agreement.sections.all()``: callers that evaluate many
agreements call ``prefetch_for_terms(agreements)`` (or ``prefetch_related("sections")``) and the rules then cost no
query; a signed agreement's terms are kept in the process (it never changes), so its sections are not read again.
"""

import datetime
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from agreements.immutability import LOCKED_STATUSES
from agreements.models import Agreement

DEFAULT_INNKALLING_DAYS = 7  # the veileder: innkalling senest én uke før møtet
EXPIRING_WITHIN = relativedelta(months=6)
FIRST_KOMMUNEVALG = 2023  # kommunevalg every fourth year from 2023: 2027, 2031, …

NUMBERS = {
    "en": 1,
    "én": 1,
    "ein": 1,
    "ei": 1,
    "eitt": 1,
    "ett": 1,
    "to": 2,
    "tre": 3,
    "fire": 4,
    "fem": 5,
    "seks": 6,
    "sju": 7,
    "syv": 7,
    "åtte": 8,
    "ni": 9,
    "ti": 10,
    "elleve": 11,
    "tolv": 12,
    "fjorten": 14,
}
_NUMBER = r"\b(\d{1,2}|" + "|".join(NUMBERS) + r")"
_NOTICE = re.compile(_NUMBER + r"\s+(uker?|veker?|dag(?:er|ar)?|døgn)\s+(?:før|i forkant)", re.IGNORECASE)
_MEETINGS = re.compile(
    r"(?:minimum|minst)?\s*"
    + _NUMBER
    + r"\s+(?:politiråds)?møter?\b[^.]*?\b(?:i året|kvart år|hvert år|per år|årleg|årlig)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


class AgreementStatus(models.TextChoices):
    """An agreement's standing as the oversight and the task list see it."""

    NONE = "ingen", _("Ingen avtale")
    DRAFT = "utkast", _("Utkast")
    AWAITING_SIGNATURE = "til_signering", _("Venter på signatur")
    SIGNED = "signert", _("Signert")
    EXPIRING = "utloper_snart", _("Utløper innen seks måneder")
    EXPIRED = "utlopt", _("Utløpt")
    REVISION_DUE = "revisjon", _("Skal revideres")
    REPLACED = "erstattet", _("Erstattet")


@dataclass(frozen=True)
class AgreementTerms:
    """What the agreement's text says; None where it is silent."""

    innkalling_days: int | None = None
    min_meetings_per_year: int | None = None
    revise_after_kommunevalg: bool = False
    evaluation_at_last_meeting: bool = False
    year_plan_at_last_meeting: bool = False


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS[word.lower()]


def _sentences(agreement: Agreement) -> list[str]:
    """The sentences of the sections: the parties' own local text first, so it wins over the template's box."""
    sections = list(agreement.sections.all())
    texts = [s.local_text for s in sections] + [f"{s.heading}.\n{s.standard_text}" for s in sections]
    text = html.unescape(strip_tags("\n".join(texts)))
    return [" ".join(s.split()) for s in _SENTENCE.split(text) if s.strip()]


def terms_from_text(sentences: list[str]) -> AgreementTerms:
    """The rules in these sentences (bokmål or nynorsk)."""
    found: dict = {}
    for sentence in sentences:
        low = sentence.lower()
        if "innkall" in low and "innkalling_days" not in found and (m := _NOTICE.search(sentence)):
            unit = m.group(2).lower()
            found["innkalling_days"] = _number(m.group(1)) * (7 if unit.startswith(("uke", "veke")) else 1)
        if "min_meetings_per_year" not in found and (m := _MEETINGS.search(sentence)):
            found["min_meetings_per_year"] = _number(m.group(1))
        if "revider" in low and "kommuneval" in low:
            found["revise_after_kommunevalg"] = True
        if "evaluer" in low and "siste" in low and ("politiråd" in low or "møte" in low):
            found["evaluation_at_last_meeting"] = True
        if "møteplan" in low and "siste møte" in low:
            found["year_plan_at_last_meeting"] = True
    return AgreementTerms(**found)


# The terms of signed (and replaced) agreements, by (id, created): a signed agreement's sections never change
# (agreements/immutability.py), so its terms are read from its text once per process, not on every page that shows
# it (the national oversight read ~1,100 agreements' sections on every request). created_at keeps a reused id (a
# database emptied and filled again) from finding another agreement's terms.
_LOCKED_TERMS: dict[tuple[int, datetime.datetime], AgreementTerms] = {}
_LOCKED_TERMS_MAX = 100_000  # ~100 bytes each; emptied when full rather than grown without bound


def _locked_key(agreement: Agreement) -> tuple[int, datetime.datetime] | None:
    """The memo key of an agreement read from the database as signed or replaced; None for any other."""
    if agreement.pk is None or agreement._state.adding or agreement.status not in LOCKED_STATUSES:
        return None
    return (agreement.pk, agreement.created_at)


def agreement_terms(agreement: Agreement | None) -> AgreementTerms:
    """The rules the agreement writes for itself (an empty AgreementTerms for no agreement); cached on it, and
    for a signed agreement in the process (it never changes)."""
    if agreement is None:
        return AgreementTerms()
    if not hasattr(agreement, "_terms"):
        key = _locked_key(agreement)
        terms = _LOCKED_TERMS.get(key) if key else None
        if terms is None:
            terms = terms_from_text(_sentences(agreement))
            if key:
                if len(_LOCKED_TERMS) >= _LOCKED_TERMS_MAX:
                    _LOCKED_TERMS.clear()
                _LOCKED_TERMS[key] = terms
        agreement._terms = terms
    return agreement._terms


def prefetch_for_terms(agreements: Iterable[Agreement | None]) -> None:
    """Make `agreement_terms` cost no query for these agreements: a signed one whose terms are known takes them
    from the memo, the others get their sections in one query (none when there are no others)."""
    missing = {}
    for agreement in agreements:
        if agreement is None or hasattr(agreement, "_terms"):
            continue
        key = _locked_key(agreement)
        if key and (terms := _LOCKED_TERMS.get(key)) is not None:
            agreement._terms = terms
        else:
            missing[id(agreement)] = agreement
    if missing:
        prefetch_related_objects(list(missing.values()), "sections")


def kommunevalg_on(year: int) -> datetime.date:
    """Valgdagen: the second Monday of September."""
    first = datetime.date(year, 9, 1)
    return first + datetime.timedelta(days=(7 - first.weekday()) % 7 + 7)


def next_kommunevalg(after: datetime.date) -> datetime.date:
    """The first kommunevalg strictly after a date."""
    year = after.year + (FIRST_KOMMUNEVALG - after.year) % 4
    while kommunevalg_on(year) <= after:
        year += 4
    return kommunevalg_on(year)


def expires_on(agreement: Agreement) -> datetime.date | None:
    """The last day of the period; None for an agreement that holds "til avtalen blir revidert"."""
    return agreement.period_end


def revision_due_on(agreement: Agreement) -> datetime.date | None:
    """The first kommunevalg after the agreement took effect, when it is to be revised after each one.

    The rule applies where the agreement says so ("revideres etter hvert kommunevalg") and, as the veileder's
    default, where it has no end date; an agreement with an end date and no such sentence expires instead."""
    if not agreement_terms(agreement).revise_after_kommunevalg and agreement.period_end is not None:
        return None
    start = agreement.period_start or timezone.localdate(agreement.created_at)
    return next_kommunevalg(start)


def innkalling_days(agreement: Agreement | None) -> int:
    """How many days before a meeting the innkalling must go out ("senest 1 uke før"; default seven)."""
    return agreement_terms(agreement).innkalling_days or DEFAULT_INNKALLING_DAYS


def agreement_status(agreement: Agreement | None, today: datetime.date) -> AgreementStatus:
    """None, draft, awaiting signature, signed, expiring within six months, expired, revision due (or replaced)."""
    if agreement is None:
        return AgreementStatus.NONE
    if agreement.status != Agreement.Status.SIGNED:
        return {
            Agreement.Status.DRAFT: AgreementStatus.DRAFT,
            Agreement.Status.SENT: AgreementStatus.AWAITING_SIGNATURE,
            Agreement.Status.REPLACED: AgreementStatus.REPLACED,
        }[Agreement.Status(agreement.status)]
    end, revision = expires_on(agreement), revision_due_on(agreement)
    if end is not None and end < today:
        return AgreementStatus.EXPIRED
    if revision is not None and revision <= today:
        return AgreementStatus.REVISION_DUE
    if end is not None and end <= today + EXPIRING_WITHIN:
        return AgreementStatus.EXPIRING
    return AgreementStatus.SIGNED
