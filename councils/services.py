"""Politiråd services: create a council on the meeting machinery, the årshjul, evaluation, log, compliance."""

import datetime
import operator
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.models import Agreement
from councils.access import FORUM_POLICY, grant_council, grant_joined_kommune
from councils.models import (
    DEFAULT_AGENDA,
    DEFAULT_AGENDA_NN,
    Council,
    Evaluation,
    EvaluationVersion,
    LogEntry,
    LogEntryChange,
    YearPlan,
)
from councils.rules import min_meetings_per_year
from councils.veileder import BY_KEY, QUESTIONS
from samarbeid.concurrency import claim_row, claim_version
from samarbeid.invitations import invitations_create
from samarbeid.meetings import (
    actions_for_forums,
    forum_create,
    forum_innkalling_days,
    innkalling_was_late,
    meeting_plan,
    membership_add,
)
from samarbeid.models import (
    Attendance,
    Decision,
    FollowUpAction,
    Forum,
    ForumMembership,
    Kommune,
    Malform,
    Meeting,
    PoliceUnit,
    Role,
    RoleAssignment,
    User,
)
from samarbeid.status_reports import status_report

DEFAULT_START = datetime.time(9, 0)
DEFAULT_END = datetime.time(11, 0)


@transaction.atomic
def council_create(
    *,
    name: str,
    host_kommune: Kommune,
    police_unit: PoliceUnit,
    other_kommuner: list[Kommune] | tuple = (),
    secretary_rule: str = Council.SecretaryRule.SLT_KOORDINATOR,
    alternation_start_year: int | None = None,
    min_meetings_per_year: int = 2,
    agreement=None,
    by: User | None = None,
    invite: list[Kommune] | tuple = (),
) -> Council:
    """Create the council and its forum with the fixed agenda points, grant the parties, add members by role.

    `other_kommuner` take part at once; the kommuner in `invite` get an invitation and join when they accept.
    """
    kommuner = [host_kommune, *[k for k in other_kommuner if k.pk != host_kommune.pk]]
    _check_agreement(agreement, police_unit.pk, kommuner)
    agenda = DEFAULT_AGENDA_NN if host_kommune.default_malform == Malform.NYNORSK else DEFAULT_AGENDA
    forum = forum_create(
        kind=Forum.Kind.POLITIRAD,
        name=name,
        kommuner=kommuner,
        police_party=police_unit,
        policy=FORUM_POLICY,
        standard_agenda="\n".join(agenda),
        by=by,
    )
    council = Council(
        forum=forum,
        host_kommune=host_kommune,
        police_unit=police_unit,
        secretary_rule=secretary_rule,
        alternation_start_year=alternation_start_year,
        min_meetings_per_year=min_meetings_per_year,
        agreement=agreement,
        created_by=by,
        updated_by=by,
    )
    council.full_clean(exclude=["forum", "agreement", "created_by", "updated_by"])
    council.save()
    grant_council(council)
    council_add_members_by_role(council, by=by)
    invitations_create(
        target=council, kommuner=[k for k in invite if k.pk != host_kommune.pk], by=by, district=host_kommune.district
    )
    return council


def _check_agreement(agreement, police_unit_id: int, kommuner) -> None:
    """The agreement a council follows is one between its police unit and one of its kommuner."""
    if agreement is None:
        return
    if (
        agreement.police_party_id != police_unit_id
        or not agreement.kommuner.filter(pk__in=[k.pk for k in kommuner]).exists()
    ):
        raise ValidationError({"agreement": _("Velg en avtale mellom politienheten og en av kommunene i politirådet.")})


@transaction.atomic
def council_join(council: Council, kommune: Kommune, by: User | None) -> None:
    """An invited kommune accepted: it joins the council, its roles get their rights, its people by role join."""
    council.forum.kommuner.add(kommune)
    grant_joined_kommune(council, kommune)
    council_add_members_by_role(council, by=by)


def council_add_members_by_role(council: Council, *, by: User | None = None) -> list[ForumMembership]:
    """Add today's role holders as in the seeds: ordfører leads, the secretary, the other ordførere, the police.

    People who already are active members are left as they are.
    """
    forum = council.forum
    existing = set(forum.memberships.active().values_list("person_id", flat=True))
    leader, secretary = council.leader_and_secretary()
    wanted: list[tuple[RoleAssignment, str]] = []
    if leader:
        wanted.append((leader, ForumMembership.Kind.LEADER))
    if secretary:
        wanted.append((secretary, ForumMembership.Kind.SECRETARY))
    kommune_ids = list(forum.kommuner.values_list("pk", flat=True))
    police_roles = [Role.POLITIKONTAKT, *Role.police_leader_roles()]
    holders = RoleAssignment.objects.active().select_related("person", "party").filter(
        party_id__in=kommune_ids, role__in=[Role.ORDFORER, Role.SLT_KOORDINATOR]
    ) | RoleAssignment.objects.active().select_related("person", "party").filter(
        party_id=council.police_unit_id, role__in=police_roles
    )
    wanted += [(holder, ForumMembership.Kind.MEMBER) for holder in holders]
    added = []
    for holder, kind in wanted:
        if holder.person_id in existing:
            continue
        existing.add(holder.person_id)
        added.append(
            membership_add(forum, holder.person, kind, party=holder.party, role_title=holder.display_title, by=by)
        )
    return added


@transaction.atomic
def council_update(council: Council, *, by: User | None, expected_version: int | None = None, **changes) -> Council:
    """Change the council's settings as edited from `expected_version` (StaleEdit if saved meanwhile)."""
    claim_version(council, expected_version)
    fields = ["secretary_rule", "alternation_start_year", "min_meetings_per_year", "agreement"]
    if "agreement" in changes:
        _check_agreement(changes["agreement"], council.police_unit_id, council.forum.kommuner.all())
    for name in fields:
        if name in changes:
            setattr(council, name, changes[name])
    council.full_clean(exclude=["forum", "host_kommune", "police_unit", "created_by", "updated_by"])
    council.updated_at = timezone.now()
    council.updated_by = by
    council.save(update_fields=[*fields, "updated_at", "updated_by"])
    if "name" in changes and changes["name"] != council.forum.name:
        council.forum.name = changes["name"]
        council.forum.save(update_fields=["name"])
    return council


@transaction.atomic
def year_plan_create(council: Council, *, year: int, by: User | None) -> YearPlan:
    """Start the årshjul of `year` from the evaluation of the year before: what it said should change and the
    themes it proposed become the plan's starting point (kept as they stood then). The plan that exists is
    returned as it is."""
    plan = YearPlan.objects.filter(council=council, year=year).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            return YearPlan.objects.create(
                council=council, year=year, starting_point=evaluation_carry_over(council, year - 1), updated_by=by
            )
    except IntegrityError:  # started by someone else meanwhile
        return YearPlan.objects.get(council=council, year=year)


def evaluation_carry_over(council: Council, year: int) -> dict:
    """The answers of `year`'s evaluation that next year's årshjul starts from ({} when there is none)."""
    evaluation = Evaluation.objects.filter(council=council, year=year).first()
    if evaluation is None:
        return {}
    answers = {q.key: evaluation.answer(q.key) for q in QUESTIONS if q.carries_over and evaluation.answer(q.key)}
    return {"year": year, "answers": answers} if answers else {}


def year_plan_add_meeting(
    council: Council,
    *,
    date: datetime.date,
    theme: str = "",
    starts=None,
    ends=None,
    place: str = "",
    by: User | None = None,
) -> Meeting:
    """Put a planned meeting in the årshjul (a planned meeting with the fixed agenda points; without a theme of
    its own it gets its month's, see councils.rules.year_plan_theme)."""
    year_plan_create(council, year=date.year, by=by)
    zone = timezone.get_current_timezone()
    return meeting_plan(
        council.forum,
        starts_at=datetime.datetime.combine(date, starts or DEFAULT_START, tzinfo=zone),
        ends_at=datetime.datetime.combine(date, ends or DEFAULT_END, tzinfo=zone),
        theme=theme,
        place=place,
        by=by,
    )


@transaction.atomic
def year_plan_decide(
    council: Council,
    *,
    year: int,
    decided_at: Meeting | None,
    note: str = "",
    themes: dict[int, str] | None = None,
    by: User | None,
    expected_version: int | None = None,
) -> YearPlan:
    """Record that the årshjul for `year` was decided (at the last meeting of the year before), with the theme of
    each month (`themes`, month → theme; None leaves them as they are)."""
    if decided_at is not None and decided_at.forum_id != council.forum_id:
        raise ValidationError({"decided_at": _("Møtet hører ikke til dette politirådet.")})
    if expected_version in (0, None) and not YearPlan.objects.filter(council=council, year=year).exists():
        plan = year_plan_create(council, year=year, by=by)
    else:
        plan = claim_row(YearPlan, expected_version, council=council, year=year)
    plan.decided_at, plan.note, plan.updated_by, plan.updated_at = decided_at, note, by, timezone.now()
    if themes is not None:
        plan.themes = {str(month): theme for month, theme in sorted(themes.items()) if theme}
    plan.full_clean(exclude=["council", "updated_by"], validate_constraints=False)
    plan.save()
    return plan


@transaction.atomic
def evaluation_submit(
    council: Council, *, year: int, by: User | None, expected_version: int | None = None, **answers: str
) -> Evaluation:
    """Write the year's evaluation — answers to the veileder's questions by key (councils/veileder.py) — as edited
    from `expected_version` (0: there was none; StaleEdit if saved since). Every saved text is kept."""
    unknown = set(answers) - set(BY_KEY)
    if unknown:
        raise ValueError(f"not questions of the veileder: {sorted(unknown)}")
    evaluation = claim_row(Evaluation, expected_version, council=council, year=year)
    evaluation.answers = {key: text.strip() for key, text in {**evaluation.answers, **answers}.items() if text.strip()}
    evaluation.submitted_by, evaluation.submitted_at = by, timezone.now()
    evaluation.save()
    EvaluationVersion.objects.create(
        evaluation=evaluation, answers=evaluation.answers, saved_at=evaluation.submitted_at, saved_by=by
    )
    return evaluation


@dataclass
class MonthRow:
    month: int
    name: str
    theme: str  # the årshjul's theme of the month (YearPlan.theme_of, as meeting planning reads it)
    meetings: list[Meeting]


def year_plan_months(plan: YearPlan | None, year: int, meetings: list[Meeting]) -> list[MonthRow]:
    """The årshjul as twelve months: each with its planned theme and that month's meetings of the year."""
    by_month: dict[int, list[Meeting]] = {month: [] for month in range(1, 13)}
    for meeting in meetings:
        day = timezone.localdate(meeting.starts_at)
        if day.year == year:
            by_month[day.month].append(meeting)
    return [
        MonthRow(month, str(MONTHS[month]), plan.theme_of(month) if plan else "", by_month[month])
        for month in range(1, 13)
    ]


@dataclass
class StartingPoint:
    """What next year's årshjul starts from: the answers of the evaluation of the year before that carry over."""

    year: int
    answers: list[tuple[str, str]]  # (question, answer)
    proposed_themes: list[str]
    kept: bool  # kept with the plan when it was started (else read from the evaluation as it stands)


def year_plan_starting_point(council: Council, year: int, plan: YearPlan | None) -> StartingPoint | None:
    """The plan's starting point as kept when it was started; before that, what the evaluation of the year before
    says now (the same answers year_plan_create will keep)."""
    carried = plan.starting_point if plan is not None else evaluation_carry_over(council, year - 1)
    if not carried:
        return None
    answers = carried["answers"]
    themes = [
        line.strip(" -•\t")
        for q in QUESTIONS
        if q.proposes_themes
        for line in answers.get(q.key, "").splitlines()
        if line.strip(" -•\t")
    ]
    rows = [(BY_KEY[key].text, text) for key, text in answers.items() if key in BY_KEY]
    return StartingPoint(carried["year"], rows, themes, kept=plan is not None)


@dataclass
class EvaluationFigures:
    """The year's figures the evaluation is written beside (evaluation_figures)."""

    compliance: "Compliance"
    decisions: int
    actions_done: int
    actions_open: int
    actions_overdue: int
    attendance: dict[str, int]  # Attendance.Status → how many times
    slt: str  # "status fra SLT" for the council's kommuner, as the SLT app reports it

    def text(self, figure: str) -> str:
        """The figure `figure` (a Question.figure) as a sentence or two."""
        return getattr(self, f"{figure}_text")

    @property
    def meetings_text(self) -> str:
        c = self.compliance
        parts = [
            ngettext(
                "%(held)s av minst %(minimum)s møte i %(year)s er holdt.",
                "%(held)s av minst %(minimum)s møter i %(year)s er holdt.",
                c.minimum,
            )
            % {"held": c.held, "minimum": c.minimum, "year": c.year}
        ]
        if c.planned:
            parts.append(
                ngettext("%(count)s møte er fortsatt planlagt.", "%(count)s møter er fortsatt planlagt.", c.planned)
                % {"count": c.planned}
            )
        if c.cancelled:
            parts.append(
                ngettext("%(count)s møte ble avlyst.", "%(count)s møter ble avlyst.", c.cancelled)
                % {"count": c.cancelled}
            )
        if c.late_agendas:
            parts.append(
                ngettext(
                    "%(count)s innkalling gikk ut etter fristen.",
                    "%(count)s innkallinger gikk ut etter fristen.",
                    len(c.late_agendas),
                )
                % {"count": len(c.late_agendas)}
            )
        return " ".join(parts)

    @property
    def attendance_text(self) -> str:
        total = sum(self.attendance.values())
        if not total:
            return _("Oppmøtet er ikke registrert for noen av årets møter.")
        return ngettext(
            "Oppmøte registrert %(count)s gang: %(present)s til stede, %(represented)s ved stedfortreder, "
            "%(absent)s fraværende.",
            "Oppmøte registrert %(count)s ganger: %(present)s til stede, %(represented)s ved stedfortreder, "
            "%(absent)s fraværende.",
            total,
        ) % {
            "count": total,
            "present": self.attendance.get(Attendance.Status.PRESENT, 0),
            "represented": self.attendance.get(Attendance.Status.REPRESENTED, 0),
            "absent": self.attendance.get(Attendance.Status.ABSENT, 0),
        }

    @property
    def follow_up_text(self) -> str:
        parts = [
            ngettext("%(count)s vedtak ble gjort.", "%(count)s vedtak ble gjort.", self.decisions)
            % {"count": self.decisions},
            ngettext(
                "%(count)s oppfølgingspunkt er utført,", "%(count)s oppfølgingspunkter er utført,", self.actions_done
            )
            % {"count": self.actions_done},
            ngettext("%(count)s står åpent", "%(count)s står åpne", self.actions_open) % {"count": self.actions_open},
        ]
        if self.actions_overdue:
            parts.append(
                ngettext("(%(count)s over fristen).", "(%(count)s over fristen).", self.actions_overdue)
                % {"count": self.actions_overdue}
            )
        else:
            parts[-1] += "."
        return " ".join(parts)

    @property
    def slt_text(self) -> str:
        return self.slt


def evaluation_figures(council: Council, year: int, *, today: datetime.date | None = None) -> EvaluationFigures:
    """The figures of `year` for its evaluation: meetings held against the agreement's minimum (council_compliance),
    decisions made in the year's meetings, their follow-ups done and open, attendance, and SLT's status for the
    council's kommuner. Counts only, in a fixed number of queries."""
    today = today or timezone.localdate()
    in_year = {"agenda_item__meeting__forum_id": council.forum_id, "agenda_item__meeting__starts_at__year": year}
    actions = FollowUpAction.objects.filter(**{f"decision__{name}": value for name, value in in_year.items()})
    counts = actions.aggregate(
        done=Count("pk", filter=Q(status=FollowUpAction.Status.DONE)),
        open=Count("pk", filter=Q(status=FollowUpAction.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=FollowUpAction.Status.OPEN, due_on__lt=today)),
    )
    attendance = Attendance.objects.filter(meeting__forum_id=council.forum_id, meeting__starts_at__year=year)
    return EvaluationFigures(
        compliance=council_compliance(council, year, today=today),
        decisions=Decision.objects.filter(**in_year).count(),
        actions_done=counts["done"],
        actions_open=counts["open"],
        actions_overdue=counts["overdue"],
        attendance=dict(attendance.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")),
        slt=status_report("slt", council.forum.kommuner.all()),  # registered by slt, which builds on councils
    )


def _log_check(entry: LogEntry) -> None:
    if not entry.council.forum.kommuner.filter(pk=entry.kommune_id).exists():
        raise ValidationError({"kommune": _("Kommunen er ikke med i dette politirådet.")})
    if entry.date > timezone.localdate():
        raise ValidationError({"date": _("Datoen kan ikke være fram i tid.")})
    entry.full_clean(exclude=["council", "created_by", "updated_by"])


def log_add(
    council: Council,
    *,
    kommune: Kommune,
    kind: str,
    date: datetime.date,
    duration_minutes: int,
    note: str = "",
    by: User | None,
) -> LogEntry:
    entry = LogEntry(
        council=council,
        kommune=kommune,
        kind=kind,
        date=date,
        duration_minutes=duration_minutes,
        note=note.strip(),
        created_by=by,
    )
    _log_check(entry)
    entry.save()
    return entry


def _log_record(entry: LogEntry, action: str, by: User) -> None:
    """Keep what the entry said before it is corrected or deleted (LogEntryChange, append-only)."""
    before = {
        "kommune": entry.kommune.name,
        "kind": entry.kind,
        "date": entry.date.isoformat(),
        "duration_minutes": entry.duration_minutes,
        "note": entry.note,
    }
    LogEntryChange.objects.create(council=entry.council, entry=entry, action=action, before=before, changed_by=by)


@transaction.atomic
def log_change(
    entry: LogEntry,
    *,
    expected_version: int | None,
    kommune: Kommune,
    kind: str,
    date: datetime.date,
    duration_minutes: int,
    note: str = "",
    by: User,
) -> LogEntry:
    """Correct an entry (its author, see councils.access.log_entry_for); what it said before is kept."""
    stored = LogEntry.objects.select_related("council__forum", "kommune").get(pk=entry.pk)
    claim_version(stored, expected_version)
    _log_record(stored, LogEntryChange.Action.CHANGED, by)
    stored.kommune, stored.kind, stored.date = kommune, kind, date
    stored.duration_minutes, stored.note = duration_minutes, note.strip()
    stored.updated_at, stored.updated_by = timezone.now(), by
    _log_check(stored)
    stored.save()
    return stored


@transaction.atomic
def log_delete(entry: LogEntry, *, expected_version: int | None, by: User) -> None:
    """Delete an entry (its author): it leaves the log and the presence figures; its history stays."""
    stored = LogEntry.objects.select_related("council", "kommune").get(pk=entry.pk)
    claim_version(stored, expected_version)
    _log_record(stored, LogEntryChange.Action.DELETED, by)
    stored.delete()


def council_follow_signed(agreement: Agreement) -> None:
    """A newly signed agreement becomes its politiråd's (registered with agreements.signing, run as it is signed):
    the councils of the agreement it replaces follow it; without one, a council of the same police unit hosted by one
    of its kommuner that has no agreement yet takes it. Its presence commitments are then what the log counts."""
    followers = Council.objects.filter(agreement_id=agreement.replaces_id) if agreement.replaces_id else None
    if not followers:
        followers = Council.objects.filter(
            agreement__isnull=True, police_unit_id=agreement.police_party_id, host_kommune__in=agreement.kommuner.all()
        )
    followers.update(agreement=agreement)


# --- compliance ---------------------------------------------------------------------------------------------------


@dataclass
class Compliance:
    year: int
    minimum: int
    held: int
    planned: int
    cancelled: int
    late_agendas: list[Meeting] = field(default_factory=list)  # innkalling after the deadline (the agreement's rule)
    notice_days: int = 7  # the innkalling's deadline, in days before the meeting
    evaluation: Evaluation | None = None
    evaluation_due: bool = False

    @property
    def on_track(self) -> bool:
        return self.held + self.planned >= self.minimum

    @property
    def minimum_met(self) -> bool:
        return self.held >= self.minimum


def meetings_by_year(forum: Forum, years: list[int]) -> dict[int, list[Meeting]]:
    """The forum's meetings of each of `years` (as ``forum.meetings.in_year``, in its order), in one query."""
    meetings: dict[int, list[Meeting]] = {year: [] for year in years}
    for meeting in reduce(operator.or_, [forum.meetings.in_year(year) for year in years]):
        meetings[timezone.localdate(meeting.starts_at).year].append(meeting)  # __year is in the current time zone
    return meetings


def evaluations_by_year(council: Council, years: list[int]) -> dict[int, Evaluation]:
    """The council's year-end evaluations of `years` that are written, in one query."""
    evaluations = Evaluation.objects.filter(council=council, year__in=years).select_related("submitted_by__person")
    return {evaluation.year: evaluation for evaluation in evaluations}


def council_compliance(
    council: Council,
    year: int,
    *,
    today: datetime.date | None = None,
    meetings: list[Meeting] | None = None,
    evaluations: dict[int, Evaluation] | None = None,
) -> Compliance:
    """Meetings held and planned in `year` against the minimum, innkallinger sent after the deadline, and the
    year-end evaluation; the minimum and the deadline are the agreement's rules (councils.rules, the veileder's
    defaults where it is silent), the same the task list and the district oversight use.

    The caller may pass the forum's meetings of the year and the council's evaluations (``meetings_by_year``,
    ``evaluations_by_year``) it has read already, for a page showing more than one year."""
    today = today or timezone.localdate()
    if meetings is None:
        meetings = list(council.forum.meetings.in_year(year))  # each knows its forum: the deadline rule is read once
    counts = Counter(m.status for m in meetings)
    held = counts[Meeting.Status.HELD] + counts[Meeting.Status.MINUTES_APPROVED]
    planned = counts[Meeting.Status.PLANNED] + counts[Meeting.Status.SUMMONED]
    evaluation = (evaluations if evaluations is not None else evaluations_by_year(council, [year])).get(year)
    due_from = datetime.date(year, *Evaluation.DUE_FROM)
    return Compliance(
        year=year,
        minimum=min_meetings_per_year(council),
        held=held,
        planned=planned,
        cancelled=counts[Meeting.Status.CANCELLED],
        late_agendas=[m for m in meetings if innkalling_was_late(m)],
        notice_days=forum_innkalling_days(council.forum),
        evaluation=evaluation,
        evaluation_due=evaluation is None and today >= due_from,
    )


@dataclass
class EvaluationRow:
    question: str
    figure: str  # the year's figure beside it ("" when none belongs there)
    answer: str  # as saved
    field: object = None  # the form's bound field, for who may write


def evaluation_rows(evaluation: Evaluation | None, figures: EvaluationFigures, form=None) -> list[EvaluationRow]:
    """The veileder's questions in order, each with its figure, its saved answer and (for writers) its field."""
    return [
        EvaluationRow(
            question=q.text,
            figure=figures.text(q.figure) if q.figure else "",
            answer=evaluation.answer(q.key) if evaluation else "",
            field=form[q.key] if form is not None else None,
        )
        for q in QUESTIONS
    ]


def evaluation_history(evaluation: Evaluation | None, *, last: int = 20) -> list[tuple[EvaluationVersion, list]]:
    """The earlier saved versions of an evaluation (the newest is the evaluation as it stands), newest first, each
    with its answers in the veileder's order."""
    if evaluation is None:
        return []
    versions = evaluation.versions.select_related("saved_by__person")[1 : last + 1]
    return [(v, [(q.text, v.answers[q.key]) for q in QUESTIONS if v.answers.get(q.key)]) for v in versions]


# --- the politikontakt's presence against the agreement -------------------------------------------------------------


@dataclass
class PresenceRow:
    kommune: Kommune
    commitment: object  # agreements.PresenceCommitment
    periods: list[tuple[datetime.date, int, bool]]  # (period start, presence entries, commitment met)


def _period_start(day: datetime.date, per: str) -> datetime.date:
    if per == "uke":
        return day - datetime.timedelta(days=day.weekday())
    if per == "maned":
        return day.replace(day=1)
    if per == "kvartal":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _previous_start(start: datetime.date, per: str) -> datetime.date:
    return _period_start(start - datetime.timedelta(days=1), per)


def council_presence(council: Council, *, periods: int = 6, today: datetime.date | None = None) -> list[PresenceRow]:
    """For each presence commitment in the council's agreement: presence logged per period against it."""
    if council.agreement is None:
        return []
    today = today or timezone.localdate()
    commitments = list(council.agreement.presence_commitments.select_related("kommune"))
    if not commitments:
        return []
    earliest = today - datetime.timedelta(days=400)
    entries = list(
        LogEntry.objects.filter(council=council, kind__in=LogEntry.PRESENCE_KINDS, date__gte=earliest).values_list(
            "kommune_id", "date"
        )
    )
    rows = []
    for commitment in commitments:
        starts = [_period_start(today, commitment.per)]
        while len(starts) < periods:
            starts.append(_previous_start(starts[-1], commitment.per))
        counts = Counter(
            _period_start(date, commitment.per) for kommune_id, date in entries if kommune_id == commitment.kommune_id
        )
        periods_met = [(start, counts[start], counts[start] >= commitment.times) for start in starts]
        rows.append(PresenceRow(commitment.kommune, commitment, periods_met))
    return rows


def open_action_counts(council: Council, user) -> tuple[int, int]:
    """(open, overdue) follow-up actions across the council's meetings that the user may read."""
    today = timezone.localdate()
    counts = (
        actions_for_forums(user, [council.forum])
        .open()
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    )  # one count query for both (the same rule as FollowUpAction.objects.overdue)
    return counts["open"], counts["overdue"]
