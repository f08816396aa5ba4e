"""The oversight figures for a set of kommuner, in a fixed number of queries whatever their number.

For each kommune: its agreement's status (agreements.rules), signed date and period, the politiråd's meetings
held this year against the minimum and the share of this year's innkallinger sent by the deadline
(councils.rules), the last year-end evaluation, and the counts of overdue follow-ups and tiltak — counts only,
no personal data. `district_summaries` adds them up per politidistrikt and `coverage_by_year` gives the share of
kommuner with a signed, current agreement at the end of each year since 2018.

The rules read an agreement's sections and a council's meetings through `.all()`; the queries below prefetch
them (this year's and last year's meetings only, which is all the rules and figures ask for).
"""

import copy
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from agreements.models import Agreement, AgreementKommune, SigningRound
from agreements.rules import AgreementStatus, agreement_status, agreement_terms, prefetch_for_terms
from councils.models import Council, Evaluation
from councils.rules import evaluation_due_on, min_meetings_per_year
from samarbeid.meetings import innkalling_was_late
from samarbeid.models import FollowUpAction, Forum, Kommune, Meeting, Politidistrikt
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
    """Every agreement of these kommuner with its signed date and, once replaced, the date its revision was signed."""
    signed_at = SigningRound.objects.filter(agreement=OuterRef("agreement_id"), completed_at__isnull=False)
    replaced_at = SigningRound.objects.filter(agreement__replaces=OuterRef("agreement_id"), completed_at__isnull=False)
    links = list(
        AgreementKommune.objects.filter(kommune__in=kommuner)
        .select_related("agreement")
        .annotate(
            signed_at=Subquery(signed_at.order_by("-completed_at").values("completed_at")[:1]),
            replaced_at=Subquery(replaced_at.order_by("completed_at").values("completed_at")[:1]),
        )
    )
    prefetch_for_terms(link.agreement for link in links)  # sections only of the drafts: signed terms are kept
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
    """The figures of each politiråd of these kommuner, by kommune id (the first council where a kommune has two)."""
    year = today.year
    memberships = Forum.kommuner.through.objects.filter(kommune__in=kommuner, forum__kind=Forum.Kind.POLITIRAD)
    forum_kommuner = defaultdict(list)
    for forum_id, kommune_id in memberships.order_by("forum_id").values_list("forum_id", "kommune_id"):
        forum_kommuner[forum_id].append(kommune_id)
    recent = Meeting.objects.filter(starts_at__year__gte=year - 1, starts_at__year__lte=year)
    councils = list(
        Council.objects.filter(forum_id__in=list(forum_kommuner))
        .order_by("forum_id")  # a kommune in two politiråd is shown with the first, whatever the table's order
        .select_related("forum", "agreement")
        .prefetch_related(Prefetch("forum__meetings", queryset=recent))
    )
    prefetch_for_terms(council.agreement for council in councils if council.agreement_id not in (agreements or {}))
    evaluated = dict(
        Evaluation.objects.filter(council__in=councils)
        .values("council")
        .annotate(last=Max("year"))
        .values_list("council", "last")
    )
    overdue = dict(
        FollowUpAction.objects.overdue(today)
        .filter(decision__agenda_item__forum_id__in=list(forum_kommuner))
        .values("decision__agenda_item__forum")
        .annotate(n=Count("pk"))
        .values_list("decision__agenda_item__forum", "n")
    )
    by_kommune: dict[int, CouncilFigures] = {}
    for council in councils:
        # The agreement's rules are read from its text once per request: a council's agreement is usually one of
        # the kommuner's own, already read for its status.
        if council.agreement_id in (agreements or {}):
            council.agreement._terms = agreement_terms(agreements[council.agreement_id])
        this_year = [m for m in council.forum.meetings.all() if timezone.localdate(m.starts_at).year == year]
        summoned = [m for m in this_year if m.summoned_at is not None]
        last = evaluated.get(council.pk)
        due_year = year if evaluation_due_on(council, year) < today else year - 1
        figures = CouncilFigures(
            council=council,
            meetings_held=sum(m.status in HELD for m in this_year),
            meetings_min=min_meetings_per_year(council),
            innkallinger=len(summoned),
            innkallinger_on_time=sum(not innkalling_was_late(m) for m in summoned),
            last_evaluation=last,
            evaluation_missing=(last or 0) < due_year and timezone.localdate(council.created_at).year <= due_year,
            overdue_follow_ups=overdue.get(council.forum_id, 0),
        )
        for kommune_id in forum_kommuner[council.forum_id]:
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
                signed_on=timezone.localdate(shown.signed_at) if shown and shown.signed_at else None,
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


def _standing_as_signed(agreement: Agreement, day: datetime.date) -> AgreementStatus:
    """The rule's status of a signed (or since replaced) agreement as it stood on `day`."""
    agreement_terms(agreement)  # read once and kept on the agreement, so the copy below does not read it again
    as_signed = copy.copy(agreement)
    as_signed.status = Agreement.Status.SIGNED
    return agreement_status(as_signed, day)


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
    years = []
    for year in range(FIRST_COVERAGE_YEAR, today.year + 1):
        day = min(datetime.date(year, 12, 31), today)
        covered = set()
        for link in figures.links:
            if link.kommune_id in covered or link.signed_at is None or timezone.localdate(link.signed_at) > day:
                continue
            if link.replaced_at is not None and timezone.localdate(link.replaced_at) <= day:
                continue
            if link.agreement.period_start and link.agreement.period_start > day:
                continue
            if _standing_as_signed(link.agreement, day) in CURRENT:
                covered.add(link.kommune_id)
        years.append(CoverageYear(year=year, covered=len(covered), total=total))
    return years
