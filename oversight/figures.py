"""The oversight figures for a set of kommuner, in a fixed number of queries whatever their number.

For each kommune: its agreement's status (agreements.rules), signed date and period, the politiråd's meetings
held this year against the minimum and the share of this year's innkallinger sent by the deadline
(councils.rules), the last year-end evaluation, and the counts of overdue follow-ups and tiltak — counts only,
no personal data. `district_summaries` adds them up per politidistrikt and `coverage_by_year` gives the share of
kommuner with a signed, current agreement at the end of each year since 2018.

The rules read an agreement's sections through `.all()`; the queries below prefetch them. A council's meetings are
counted in the database (one grouped query for every council), not read row by row.
"""

import copy
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from agreements.immutability import LOCKED_STATUSES
from agreements.models import Agreement, AgreementKommune, AgreementSection, SigningRound
from agreements.rules import AgreementStatus, agreement_status, agreement_terms, prefetch_for_terms
from councils.models import Council, Evaluation
from councils.rules import evaluation_due_on, min_meetings_per_year
from samarbeid.models import (
    FollowUpAction,
    Forum,
    Kommune,
    Meeting,
    Politidistrikt,
    forum_innkalling_days,
    innkalling_on_time,
)
from slt.models import Tiltak, TiltakStatus

FIRST_COVERAGE_YEAR = 2018  # the year Stortinget asked how many kommuner had signed
# A signed agreement that still holds: inside its period (one due for revision holds until it is revised).
CURRENT = {AgreementStatus.SIGNED, AgreementStatus.EXPIRING, AgreementStatus.REVISION_DUE}
# Which agreement of a kommune is shown when it has several: a signed one before one being signed before a draft.
_PREFERENCE = {Agreement.Status.SIGNED: 0, Agreement.Status.SENT: 1, Agreement.Status.DRAFT: 2}
HELD = (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED)
OPEN_TILTAK = (TiltakStatus.PLANLAGT, TiltakStatus.I_GANG)


@dataclass
class CouncilFigures:
    council: Council
    meetings_held: int
    meetings_min: int
    innkallinger: int
    innkallinger_on_time: int
    last_evaluation: int | None
    evaluation_missing: bool
    overdue_follow_ups: int

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.innkallinger_on_time / self.innkallinger) if self.innkallinger else None


@dataclass
class KommuneFigures:
    kommune: Kommune
    agreement: Agreement | None
    status: AgreementStatus
    signed_on: datetime.date | None
    council: CouncilFigures | None
    overdue_tiltak: int
    agreement_url_allowed: bool = False
    council_url_allowed: bool = False

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT

    @property
    def status_color(self) -> str:
        return STATUS_COLORS[self.status]

    @property
    def period(self) -> str:
        return self.agreement.period_label if self.agreement else ""


@dataclass
class DistrictSummary:
    district: Politidistrikt
    kommuner: int = 0
    current: int = 0
    by_status: dict = field(default_factory=dict)
    councils: int = 0
    meetings_held: int = 0
    meetings_min: int = 0
    innkallinger: int = 0
    innkallinger_on_time: int = 0
    evaluations_missing: int = 0
    overdue_follow_ups: int = 0
    overdue_tiltak: int = 0

    @property
    def current_percent(self) -> int:
        return round(100 * self.current / self.kommuner) if self.kommuner else 0

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.innkallinger_on_time / self.innkallinger) if self.innkallinger else None

    def status_counts(self) -> list[tuple[AgreementStatus, int]]:
        return [(status, self.by_status.get(status, 0)) for status in SHOWN_STATUSES]


SHOWN_STATUSES = [s for s in AgreementStatus if s != AgreementStatus.REPLACED]
# Designsystemet colours of the status tags (always beside the status text, never the only sign).
STATUS_COLORS = {
    AgreementStatus.NONE: "danger",
    AgreementStatus.DRAFT: "info",
    AgreementStatus.AWAITING_SIGNATURE: "info",
    AgreementStatus.SIGNED: "success",
    AgreementStatus.EXPIRING: "warning",
    AgreementStatus.EXPIRED: "danger",
    AgreementStatus.REVISION_DUE: "warning",
    AgreementStatus.REPLACED: "neutral",
}


def _agreement_links(kommuner: QuerySet[Kommune]) -> list[AgreementKommune]:
    """Every agreement of these kommuner with the (local) day it was signed and, once replaced, the day its revision
    was signed (`signed_on`, `replaced_on`)."""
    signed = SigningRound.objects.filter(agreement=OuterRef("agreement_id"), completed_at__isnull=False)
    replaced = SigningRound.objects.filter(agreement__replaces=OuterRef("agreement_id"), completed_at__isnull=False)
    links = list(
        AgreementKommune.objects.filter(kommune__in=kommuner)
        .select_related("agreement")
        .annotate(
            signed_on=TruncDate(Subquery(signed.order_by("-completed_at").values("completed_at")[:1])),
            replaced_on=TruncDate(Subquery(replaced.order_by("completed_at").values("completed_at")[:1])),
        )
    )
    # The sections of the agreements not yet signed (their terms may change), in one query whether there are any
    # or not; the terms of signed ones are kept per process (agreements.rules), read here only the first time.
    unsigned = defaultdict(list)
    for section in AgreementSection.objects.filter(
        agreement__in=Agreement.objects.filter(kommuner__in=kommuner).exclude(status__in=LOCKED_STATUSES)
    ):
        unsigned[section.agreement_id].append(section)
    for agreement in [link.agreement for link in links if link.agreement.status not in LOCKED_STATUSES]:
        sections = agreement.sections.all()  # as prefetch_related stores them: a queryset already read
        sections._result_cache, sections._prefetch_done = unsigned[agreement.pk], True
        agreement._prefetched_objects_cache = {"sections": sections}
    prefetch_for_terms(link.agreement for link in links)
    return links


def _shown_agreement(links: list[AgreementKommune]) -> AgreementKommune | None:
    candidates = [link for link in links if link.agreement.status in _PREFERENCE]
    return min(
        candidates,
        key=lambda link: (_PREFERENCE[link.agreement.status], -link.agreement.created_at.timestamp()),
        default=None,
    )


def _council_figures(
    kommuner: QuerySet[Kommune], today: datetime.date, agreements: dict[int, Agreement] | None = None
) -> dict[int, CouncilFigures]:
    """The figures of each politiråd of these kommuner, by kommune id (the first council where a kommune has two).

    The councils come with their forum, agreement and last evaluation in one query; this year's meetings are
    counted in the database per forum (held, innkalt, innkalt in time by `innkalling_on_time`, the last day of one
    not cancelled), and the overdue follow-ups per forum."""
    year = today.year
    last_evaluation = Evaluation.objects.filter(council=OuterRef("forum__council")).order_by("-year").values("year")
    memberships = list(
        Forum.kommuner.through.objects.filter(
            kommune__in=kommuner, forum__kind=Forum.Kind.POLITIRAD, forum__council__isnull=False
        )
        .select_related("forum__council__agreement")
        .annotate(last_evaluation=Subquery(last_evaluation[:1]))
        .order_by("forum_id")  # a kommune in two politiråd is shown with the first, whatever the table's order
    )
    councils: dict[int, Council] = {}
    forum_kommuner = defaultdict(list)
    for membership in memberships:
        councils.setdefault(membership.forum_id, membership.forum.council).last_evaluation = membership.last_evaluation
        forum_kommuner[membership.forum_id].append(membership.kommune_id)
    for council in councils.values():
        # The agreement's rules are read from its text once per request: a council's agreement is usually one of
        # the kommuner's own, already read for its status.
        if council.agreement_id in (agreements or {}):
            council.agreement = agreements[council.agreement_id]
    prefetch_for_terms(council.agreement for council in councils.values())
    notice = {forum_id: forum_innkalling_days(council.forum) for forum_id, council in councils.items()}
    meetings = {
        row["forum"]: row
        for row in Meeting.objects.in_year(year)
        .filter(forum_id__in=list(councils))
        .values("forum")
        .annotate(
            held=Count("pk", filter=Q(status__in=HELD)),
            summoned=Count("pk", filter=Q(summoned_at__isnull=False)),
            on_time=Count("pk", filter=innkalling_on_time(notice)),
            last_day=Max(TruncDate("starts_at"), filter=~Q(status=Meeting.Status.CANCELLED)),
        )
    }
    overdue = dict(
        FollowUpAction.objects.overdue(today)
        .filter(decision__agenda_item__forum_id__in=list(councils))
        .values("decision__agenda_item__forum")
        .annotate(n=Count("pk"))
        .values_list("decision__agenda_item__forum", "n")
    )

    def last_meeting_on(council: Council, year: int) -> datetime.date | None:
        return meetings.get(council.forum_id, {}).get("last_day")

    by_kommune: dict[int, CouncilFigures] = {}
    for forum_id, council in councils.items():
        counted = meetings.get(forum_id, {})
        last = council.last_evaluation
        due_year = year if evaluation_due_on(council, year, last_meeting_on) < today else year - 1
        figures = CouncilFigures(
            council=council,
            meetings_held=counted.get("held", 0),
            meetings_min=min_meetings_per_year(council),
            innkallinger=counted.get("summoned", 0),
            innkallinger_on_time=counted.get("on_time", 0),
            last_evaluation=last,
            evaluation_missing=(last or 0) < due_year and timezone.localdate(council.created_at).year <= due_year,
            overdue_follow_ups=overdue.get(forum_id, 0),
        )
        for kommune_id in forum_kommuner[forum_id]:
            by_kommune.setdefault(kommune_id, figures)
    return by_kommune


def _overdue_tiltak(kommuner: QuerySet[Kommune], today: datetime.date) -> dict[int, int]:
    rows = (
        Tiltak.objects.filter(status__in=OPEN_TILTAK, ends_on__lt=today, plan__slt_model__kommuner__in=kommuner)
        .values("plan__slt_model__kommuner")
        .annotate(n=Count("pk", distinct=True))
        .values_list("plan__slt_model__kommuner", "n")
    )
    return dict(rows)


@dataclass
class Figures:
    rows: list[KommuneFigures]
    links: list[AgreementKommune]  # every agreement of the kommuner, for the coverage over time


def kommune_figures(kommuner: QuerySet[Kommune], *, today: datetime.date | None = None) -> Figures:
    """The figures of every kommune of the queryset, sorted by name."""
    today = today or timezone.localdate()
    links = _agreement_links(kommuner)
    links_by_kommune = defaultdict(list)
    for link in links:
        links_by_kommune[link.kommune_id].append(link)
    councils = _council_figures(kommuner, today, {link.agreement_id: link.agreement for link in links})
    tiltak = _overdue_tiltak(kommuner, today)
    rows = []
    for kommune in kommuner.select_related("district").order_by("name"):
        shown = _shown_agreement(links_by_kommune[kommune.pk])
        agreement = shown.agreement if shown else None
        rows.append(
            KommuneFigures(
                kommune=kommune,
                agreement=agreement,
                status=agreement_status(agreement, today),
                signed_on=shown.signed_on if shown else None,
                council=councils.get(kommune.pk),
                overdue_tiltak=tiltak.get(kommune.pk, 0),
            )
        )
    return Figures(rows=rows, links=links)


def district_summaries(rows: list[KommuneFigures], districts) -> list[DistrictSummary]:
    """The figures added up per politidistrikt (each council counted once)."""
    summaries = {district.pk: DistrictSummary(district=district) for district in districts}
    seen_councils = set()
    for row in rows:
        summary = summaries[row.kommune.district_id]
        summary.kommuner += 1
        summary.current += row.is_current
        summary.by_status[row.status] = summary.by_status.get(row.status, 0) + 1
        summary.overdue_tiltak += row.overdue_tiltak
        council = row.council
        if council and council.council.pk not in seen_councils:
            seen_councils.add(council.council.pk)
            summary.councils += 1
            summary.meetings_held += council.meetings_held
            summary.meetings_min += council.meetings_min
            summary.innkallinger += council.innkallinger
            summary.innkallinger_on_time += council.innkallinger_on_time
            summary.evaluations_missing += council.evaluation_missing
            summary.overdue_follow_ups += council.overdue_follow_ups
    return list(summaries.values())


def _as_signed(agreement: Agreement) -> Agreement:
    """The agreement as it stood while signed (a replaced one too), for the rule's status on a past day."""
    agreement_terms(agreement)  # read once and kept on the agreement, so the copy does not read it again
    as_signed = copy.copy(agreement)
    as_signed.status = Agreement.Status.SIGNED
    return as_signed


@dataclass(frozen=True)
class CoverageYear:
    year: int
    covered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


def coverage_by_year(figures: Figures, *, today: datetime.date | None = None) -> list[CoverageYear]:
    """Per year since 2018: how many of the kommuner had a signed, current agreement on 31 December (today for
    this year) — signed by then, not yet replaced by a signed revision, and inside its period by the rules."""
    today = today or timezone.localdate()
    total = len(figures.rows)
    signed = [
        (link.kommune_id, link.signed_on, link.replaced_on, _as_signed(link.agreement))
        for link in figures.links
        if link.signed_on is not None
    ]
    years = []
    for year in range(FIRST_COVERAGE_YEAR, today.year + 1):
        day = min(datetime.date(year, 12, 31), today)
        covered = set()
        for kommune_id, signed_on, replaced_on, agreement in signed:
            if kommune_id in covered or signed_on > day or (replaced_on is not None and replaced_on <= day):
                continue
            if agreement.period_start and agreement.period_start > day:
                continue
            if agreement_status(agreement, day) in CURRENT:
                covered.add(kommune_id)
        years.append(CoverageYear(year=year, covered=len(covered), total=total))
    return years
