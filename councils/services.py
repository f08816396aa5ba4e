"""Politiråd services: create a council on the meeting machinery, the årshjul, evaluation, log, compliance."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Agreement
from councils.access import FORUM_POLICY, grant_council, grant_joined_kommune
from councils.models import (
    DEFAULT_AGENDA,
    DEFAULT_AGENDA_NN,
    Council,
    Evaluation,
    LogEntry,
    LogEntryChange,
    YearPlan,
)
from councils.rules import min_meetings_per_year
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
    secretary = council.secretary()
    wanted: list[tuple[RoleAssignment, str]] = []
    leader = council.leader()
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
    """Put a planned meeting in the årshjul (a planned meeting with the fixed agenda points)."""
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
    by: User | None,
    expected_version: int | None = None,
) -> YearPlan:
    """Record that the årshjul for `year` was decided (at the last meeting of the year before)."""
    if decided_at is not None and decided_at.forum_id != council.forum_id:
        raise ValidationError({"decided_at": _("Møtet hører ikke til dette politirådet.")})
    plan = claim_row(YearPlan, expected_version, council=council, year=year)
    plan.decided_at, plan.note, plan.updated_by, plan.updated_at = decided_at, note, by, timezone.now()
    plan.full_clean(exclude=["council", "updated_by"], validate_constraints=False)
    plan.save()
    return plan


@transaction.atomic
def evaluation_submit(
    council: Council, *, year: int, by: User | None, expected_version: int | None = None, **texts
) -> Evaluation:
    """Write the year's evaluation as edited from `expected_version` (0: there was none; StaleEdit if saved since)."""
    evaluation = claim_row(Evaluation, expected_version, council=council, year=year)
    for name, value in {**texts, "submitted_by": by, "submitted_at": timezone.now()}.items():
        setattr(evaluation, name, value)
    evaluation.save()
    return evaluation


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


def council_compliance(
    council: Council, year: int, *, today: datetime.date | None = None, meetings: list[Meeting] | None = None
) -> Compliance:
    """Meetings held and planned in `year` against the minimum, innkallinger sent after the deadline, and the
    year-end evaluation; the minimum and the deadline are the agreement's rules (councils.rules, the veileder's
    defaults where it is silent), the same the task list and the district oversight use."""
    today = today or timezone.localdate()
    if meetings is None:  # the caller may pass the forum's meetings of the year it has read already
        meetings = list(council.forum.meetings.in_year(year))  # each knows its forum: the deadline rule is read once
    counts = Counter(m.status for m in meetings)
    held = counts[Meeting.Status.HELD] + counts[Meeting.Status.MINUTES_APPROVED]
    planned = counts[Meeting.Status.PLANNED] + counts[Meeting.Status.SUMMONED]
    evaluation = Evaluation.objects.filter(council=council, year=year).select_related("submitted_by__person").first()
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
