"""The rules a politiråd works by: from its agreement (agreements/rules.py), its own settings, the veileder.

One plain function per rule. The meetings of a year are read through ``council.forum.meetings.all()`` and the
agreement's sections through ``council.agreement.sections.all()``: callers evaluating many councils prefetch
``forum__meetings`` and ``agreement__sections`` and the rules then cost no query.
"""

import datetime
from collections.abc import Callable

from django.utils import timezone

from agreements.rules import agreement_terms, innkalling_days
from councils.models import Council, YearPlan
from samarbeid.models import Forum, Meeting


def council_innkalling_days(forum: Forum) -> int:
    """A politiråd's notice: its agreement's "senest 1 uke før" / "14 dager før", else the veileder's seven.

    Registered for politiråd forums (CouncilsConfig.ready) as samarbeid.meetings' innkalling rule, so the one
    deadline — ``samarbeid.meetings.innkalling_deadline`` / ``innkalling_was_late`` — is what the task list, the
    meeting pages, the council's compliance and the district oversight all use."""
    council = getattr(forum, "council", None)
    return innkalling_days(council.agreement if council else None)


def year_plan_theme(council: Council, day: datetime.date) -> str:
    """The theme the årshjul gives the month of `day` ("" when it gives none): what a meeting that month takes up
    under "tema fra årshjul". The one source of the theme for meeting planning and the årshjul page."""
    plan = YearPlan.objects.filter(council=council, year=day.year).only("themes").first()
    return plan.theme_of(day.month) if plan else ""


def council_year_theme(forum: Forum, day: datetime.date) -> str:
    """year_plan_theme for a politiråd's forum: registered (CouncilsConfig.ready) as samarbeid.meetings' rule for
    the theme of a planned meeting."""
    council = getattr(forum, "council", None)
    return year_plan_theme(council, day) if council else ""


def min_meetings_per_year(council: Council) -> int:
    """The minimum the agreement promises ("minimum to møter i året"), or the council's own setting where that
    asks for more (its default, 2, is the veileder's where the agreement is silent)."""
    return max(agreement_terms(council.agreement).min_meetings_per_year or 0, council.min_meetings_per_year)


def _last_meeting_on(council: Council, year: int) -> datetime.date | None:
    days = [
        timezone.localdate(m.starts_at)
        for m in council.forum.meetings.all()
        if m.status != Meeting.Status.CANCELLED and timezone.localdate(m.starts_at).year == year
    ]
    return max(days, default=None)


def evaluation_due_on(
    council: Council,
    year: int,
    last_meeting_on: Callable[[Council, int], datetime.date | None] = _last_meeting_on,
) -> datetime.date:
    """The year-end evaluation: at the year's last meeting where the agreement puts it there ("Årlig evaluering
    settes til det siste politirådet"), else (the veileder: "ved årets slutt") by 31 December. `last_meeting_on`
    gives the day of the year's last meeting not cancelled (a caller that counted them in the database passes its
    own; the default reads the council's meetings)."""
    if agreement_terms(council.agreement).evaluation_at_last_meeting:
        return last_meeting_on(council, year) or datetime.date(year, 12, 31)
    return datetime.date(year, 12, 31)


def year_plan_due_on(council: Council, year: int) -> datetime.date:
    """The årshjul for `year`: at the last meeting of the year before where the agreement says so ("Møteplan for
    påfølgende kalenderår settes opp på siste møtet året før"), else by 31 December of the year before."""
    if agreement_terms(council.agreement).year_plan_at_last_meeting:
        return _last_meeting_on(council, year - 1) or datetime.date(year - 1, 12, 31)
    return datetime.date(year - 1, 12, 31)


MINUTES_WITHIN_DAYS = 14  # the minutes are written and sent round within two weeks of the meeting


def minutes_due_on(meeting: Meeting) -> datetime.date:
    """When the minutes of a held meeting should be written (two weeks after it)."""
    return timezone.localdate(meeting.starts_at) + datetime.timedelta(days=MINUTES_WITHIN_DAYS)
