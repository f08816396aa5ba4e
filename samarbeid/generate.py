"""National-scale generated data (``manage.py generate_national``): the registry of steps and the core's own.

The core imports no app: each app registers its step in ``AppConfig.ready()`` with
``register_generation_step(name, fn, order=n)``, the way apps register task sources and forum pages. A step is
``fn(gen: Generation) -> dict[str, int]`` (what it made, for the report) and runs after the steps with a lower
order; steps hand results to later ones through ``gen.data`` (agreements by cooperation, councils by cooperation).

The core step (order 10) makes what every app builds on: a police unit for every kommune (the reference data names
only some), the people with their roles over ten years — every kommune's SLT-koordinator and its ordfører in each
term since 2015, every police unit's politikontakt and leader, every district's politimester — and a login for
each (password: the demo's), with their role groups synced. Roles the demo people already hold are not doubled.

Rows are written in bulk where no service has a side effect to add (``insert``: COPY on PostgreSQL for the big
tables, ``bulk_create`` for the rest), and through the services where one has (grants, groups, memberships). The
command runs the steps inside ``grants_batched()`` and ``role_sync_deferred()`` (samarbeid/permissions.py): the
services' guardian rows are written together and every login touched is synced once at the end — the same rows
as one call at a time (tests/test_generate_national.py compares the two).

Everything comes from ``gen.rng`` (``random.Random(seed)``) and dates are
counted back from ``gen.today``: the same seed on the same day gives the same data (ids aside).
"""

import datetime
import operator
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.db.models import Model
from django.utils import timezone

from samarbeid.demo import DEMO_PASSWORD
from samarbeid.models import (
    AgendaItem,
    Decision,
    FollowUpAction,
    Forum,
    Kommune,
    Meeting,
    MinutesVersion,
    Party,
    Person,
    PoliceUnit,
    Politidistrikt,
    Role,
    RoleAssignment,
    User,
)
from samarbeid.permissions import sync_users_roles
from samarbeid.reference_data import ascii_slug

YEARS = 10
GENERATED_DOMAIN = "generert.example"  # every generated person's e-mail: the marker of generated data
DEMO_DISTRICTS = ("Sør-Vest", "Øst", "Vest")
# The municipal terms since 2015 (constituted in October after each kommunevalg).
TERMS = [
    (datetime.date(2015, 10, 15), datetime.date(2019, 10, 14)),
    (datetime.date(2019, 10, 15), datetime.date(2023, 10, 15)),
    (datetime.date(2023, 10, 16), None),
]
ROLES_SINCE = TERMS[0][0]
BATCH = 5000

FIRST_NAMES = [
    "Anne",
    "Kari",
    "Ingrid",
    "Silje",
    "Marit",
    "Hilde",
    "Ragnhild",
    "Tone",
    "Liv",
    "Guro",
    "Astrid",
    "Solveig",
    "Berit",
    "Eli",
    "Randi",
    "Camilla",
    "Ida",
    "Nora",
    "Sigrid",
    "Mari",
    "Per",
    "Ola",
    "Lars",
    "Knut",
    "Jon",
    "Tor",
    "Arne",
    "Geir",
    "Bjørn",
    "Odd",
    "Trond",
    "Rune",
    "Svein",
    "Håkon",
    "Eirik",
    "Magnus",
    "Sindre",
    "Espen",
    "Vegard",
    "Øystein",
    "Terje",
    "Leif",
    "Morten",
    "Anders",
    "Halvor",
    "Aslak",
    "Ingvild",
    "Torill",
]
LAST_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Bakken",
    "Dahl",
    "Lie",
    "Moen",
    "Strand",
    "Solberg",
    "Lunde",
    "Eide",
    "Aas",
    "Vik",
    "Myhre",
    "Nes",
    "Holm",
    "Brekke",
    "Fjeld",
    "Sæther",
    "Rønning",
    "Tveit",
    "Bråten",
    "Løken",
    "Hauge",
    "Sund",
    "Ødegård",
    "Nygård",
    "Aasen",
    "Rustad",
    "Lien",
    "Haugland",
    "Grønli",
    "Skjelbred",
    "Fossum",
]


def insert(model: type[Model], objs: Iterable[Model]) -> list[Model]:
    """`bulk_create` for the big tables: on PostgreSQL the ids come from the table's own sequence in one query and
    the rows go in by COPY (no INSERT text to build and parse: the generation's main cost at national scale).

    The rows are those `bulk_create` writes: plain values as they are, the others (auto_now, JSON ...) through the
    field's `pre_save` and `get_db_prep_save`. Every object a foreign key points to must be saved before the object
    is made (as the generation does). The objects get their ids and count as saved. SQLite (tests): bulk_create.
    """
    objs = list(objs)
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objs, batch_size=BATCH)
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        for obj, (pk_value,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, pk_value)
        plain = operator.attrgetter(*[f.attname for f in fields if _is_plain(f)])
        prepared = [f for f in fields if not _is_plain(f)]
        order = [f for f in fields if _is_plain(f)] + prepared
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *order] if f.column)
        table = connection.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                values = plain(obj)
                row = [obj.pk, *(values if isinstance(values, tuple) else [values])]
                row += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in prepared]
                copy.write_row(row)
                obj._state.adding, obj._state.db = False, connection.alias
    return objs


# Django's own fields whose Python value psycopg adapts as it is (an aware datetime, a date, a UUID, an id).
_PLAIN = {
    models.CharField,
    models.TextField,
    models.EmailField,
    models.SlugField,
    models.URLField,
    models.BooleanField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.DecimalField,
    models.DateField,
    models.DateTimeField,
    models.UUIDField,
    models.ForeignKey,
    models.OneToOneField,
}


def _is_plain(f) -> bool:
    return type(f) in _PLAIN and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)


Step = Callable[["Generation"], dict[str, int]]
_steps: list[tuple[int, str, Step]] = []


def register_generation_step(name: str, step: Step, *, order: int) -> None:
    """Add an app's step to `generate_national` (run in `order`; the core's own step is 10)."""
    if name not in [registered for _, registered, _ in _steps]:
        _steps.append((order, name, step))


def generation_steps() -> list[tuple[str, Step]]:
    return [(name, step) for _, name, step in sorted(_steps, key=lambda s: (s[0], s[1]))]


@dataclass
class Holder:
    """Who held a role in a party over a period, with their login."""

    person: Person
    user: User | None
    role: str
    party_id: int
    starts_on: datetime.date
    ends_on: datetime.date | None
    title: str = ""

    def holds_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass
class Cooperation:
    """Kommuner that share one agreement, one politiråd and one SLT-samarbeid with their police unit."""

    key: str  # the host kommune's number
    unit: PoliceUnit
    kommuner: list[Kommune]  # the host (most inhabitants) first

    @property
    def host(self) -> Kommune:
        return self.kommuner[0]


@dataclass
class Generation:
    rng: random.Random
    today: datetime.date
    kommuner: list[Kommune]
    cooperations: list[Cooperation] = field(default_factory=list)
    holders: dict[tuple[int, str], list[Holder]] = field(default_factory=lambda: defaultdict(list))
    data: dict = field(default_factory=dict)
    log: Callable[[str], None] = print

    @property
    def first_year(self) -> int:
        return self.today.year - YEARS + 1

    @property
    def window_start(self) -> datetime.date:
        return datetime.date(self.first_year, 1, 1)

    def holder(self, party: Party | int, role: str, on: datetime.date | None = None) -> Holder | None:
        """Who held `role` in `party` on a day (today by default)."""
        party_id = party if isinstance(party, int) else party.pk
        on = on or self.today
        return next((h for h in self.holders[(party_id, role)] if h.holds_on(on)), None)

    def at(self, day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def day_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"


# --- choosing the kommuner -------------------------------------------------------------------------------------


def choose_kommuner(limit: int | None) -> list[Kommune]:
    """All kommuner, or `limit` of them spread over the districts: the demo districts first, then round the others,
    in each district the kommuner of the demo's police units first, then by number."""
    kommuner = list(Kommune.objects.select_related("district").order_by("number"))
    if limit is None or limit >= len(kommuner):
        return kommuner
    demo_units = set(PoliceUnit.objects.filter(name__in=DEMO_UNIT_NAMES).values_list("kommuner", flat=True))
    by_district: dict[str, list[Kommune]] = defaultdict(list)
    for kommune in sorted(kommuner, key=lambda k: (k.pk not in demo_units, k.number)):
        by_district[kommune.district.short_name].append(kommune)
    order = [*DEMO_DISTRICTS, *sorted(d for d in by_district if d not in DEMO_DISTRICTS)]
    chosen: list[Kommune] = []
    while len(chosen) < limit:
        for district in order:
            if by_district[district] and len(chosen) < limit:
                chosen.append(by_district[district].pop(0))
    return sorted(chosen, key=lambda k: k.number)


DEMO_UNIT_NAMES = ["Tjenesteenhet Stavanger", "Moss politistasjonsdistrikt", "Sogn lensmannsdistrikt"]


# --- police units: every kommune in one ----------------------------------------------------------------------


def ensure_units() -> int:
    """Put every kommune the reference data leaves without a police unit into a generated politistasjonsdistrikt
    of its district (up to six neighbouring kommuner by number each). Returns how many units were made."""
    made = 0
    without = Kommune.objects.filter(police_units__isnull=True).select_related("district").order_by("number")
    by_district: dict[int, list[Kommune]] = defaultdict(list)
    for kommune in without:
        by_district[kommune.district_id].append(kommune)
    for district_id, kommuner in sorted(by_district.items()):
        for start in range(0, len(kommuner), 6):
            chunk = kommuner[start : start + 6]
            name = chunk[0].name.removesuffix(" kommune")
            unit = PoliceUnit.objects.create(
                name=f"{name} politistasjonsdistrikt",
                district_id=district_id,
                unit_kind=PoliceUnit.UnitKind.POLITISTASJONSDISTRIKT,
            )
            unit.kommuner.add(*chunk)
            made += 1
    return made


def cooperations_for(gen: Generation) -> list[Cooperation]:
    """Each chosen kommune with its police unit; now and then two neighbours of one unit share everything."""
    unit_of: dict[int, PoliceUnit] = {}
    for unit in PoliceUnit.objects.prefetch_related("kommuner").order_by("pk"):
        for kommune in unit.kommuner.all():
            unit_of.setdefault(kommune.pk, unit)
    by_unit: dict[int, list[Kommune]] = defaultdict(list)
    for kommune in gen.kommuner:
        by_unit[unit_of[kommune.pk].pk].append(kommune)
    units = {unit.pk: unit for unit in unit_of.values()}
    cooperations = []
    for unit_id, kommuner in sorted(by_unit.items()):
        queue = list(kommuner)
        while queue:
            take = 2 if len(queue) >= 2 and gen.rng.random() < 0.12 else 1
            members = sorted(queue[:take], key=lambda k: -k.population)
            queue = queue[take:]
            cooperations.append(Cooperation(key=members[0].number, unit=units[unit_id], kommuner=members))
    return cooperations


# --- people, roles, logins -----------------------------------------------------------------------------------------

LEADER_ROLE = {
    PoliceUnit.UnitKind.TJENESTEENHET: Role.TJENESTEENHETSLEDER,
    PoliceUnit.UnitKind.LENSMANNSDISTRIKT: Role.LENSMANN,
    PoliceUnit.UnitKind.POLITISTASJONSDISTRIKT: Role.POLITISTASJONSSJEF,
}


def _party_key(party: Party) -> str:
    """A party's name in an e-mail address, the same in every run (no ids: units are made anew each run)."""
    number = getattr(party, "number", None)
    district = getattr(getattr(party, "district", None), "code", "")
    return "-".join(filter(None, [ascii_slug(party.name), number, district]))


def generate_people(gen: Generation) -> dict[str, int]:
    units_made = ensure_units()
    gen.cooperations = cooperations_for(gen)
    existing = RoleAssignment.objects.select_related("person__user")
    for assignment in existing:
        user = getattr(assignment.person, "user", None)
        gen.holders[(assignment.party_id, assignment.role)].append(
            Holder(
                assignment.person,
                user,
                assignment.role,
                assignment.party_id,
                assignment.starts_on,
                assignment.ends_on,
                assignment.title,
            )
        )
    wanted: list[tuple[Party, str, datetime.date, datetime.date | None, dict]] = []

    def want(party, role, since, until=None, **extra):
        held = [h for h in gen.holders[(party.pk, role)] if until is None or h.starts_on <= until]
        earliest = min((h.starts_on for h in held), default=None)
        if earliest is None:
            wanted.append((party, role, since, until, extra))
        elif earliest > since:
            wanted.append((party, role, since, earliest - datetime.timedelta(days=1), extra))

    districts = {k.district_id for k in gen.kommuner}
    for district in Politidistrikt.objects.filter(pk__in=districts).order_by("name"):
        want(district, Role.POLITIMESTER, ROLES_SINCE)
    units = {c.unit.pk: c.unit for c in gen.cooperations}
    for unit in sorted(units.values(), key=lambda u: u.pk):
        want(unit, LEADER_ROLE[PoliceUnit.UnitKind(unit.unit_kind)], ROLES_SINCE)
        want(unit, Role.POLITIKONTAKT, ROLES_SINCE)
    for kommune in gen.kommuner:
        want(kommune, Role.SLT_KOORDINATOR, ROLES_SINCE, stillingsprosent=gen.rng.choice([20, 50, 50, 80, 100, 100]))
        for start, end in TERMS:
            if not any(h.holds_on(start) for h in gen.holders[(kommune.pk, Role.ORDFORER)]):
                want(kommune, Role.ORDFORER, start, end)

    people = Person.objects.bulk_create(Person(name=gen.name()) for _ in wanted)
    for person, (party, role, since, _until, _) in zip(people, wanted, strict=True):
        suffix = f"-{since.year}" if role == Role.ORDFORER else ""
        person.email = f"{role.replace('_', '-')}{suffix}.{_party_key(party)}@{GENERATED_DOMAIN}"
    Person.objects.bulk_update(people, ["email"], batch_size=BATCH)
    assignments = RoleAssignment.objects.bulk_create(
        RoleAssignment(person=person, party_id=party.pk, role=role, starts_on=since, ends_on=until, **extra)
        for person, (party, role, since, until, extra) in zip(people, wanted, strict=True)
    )
    password = make_password(DEMO_PASSWORD)  # the demo's, for load tests
    users = User.objects.bulk_create(
        User(email=person.email, person=person, password=password, date_joined=gen.at(since))
        for person, (_, _, since, _, _) in zip(people, wanted, strict=True)
    )
    for person, user, assignment in zip(people, users, assignments, strict=True):
        gen.holders[(assignment.party_id, assignment.role)].append(
            Holder(person, user, assignment.role, assignment.party_id, assignment.starts_on, assignment.ends_on)
        )
    for holders in gen.holders.values():
        holders.sort(key=lambda h: h.starts_on)
    sync_users_roles(users)
    return {
        "politienheter laget": units_made,
        "samarbeid": len(gen.cooperations),
        "personer": len(people),
        "roller": len(assignments),
        "brukere": len(users),
    }


# --- meetings in bulk: the machinery's rows for many forums at once -----------------------------------------------


@dataclass
class PlannedMeeting:
    forum: Forum
    starts_at: datetime.datetime
    status: str
    by: User | None
    agenda: list[str]
    is_closed: bool = False
    summoned_at: datetime.datetime | None = None
    place: str = ""
    theme: str = ""
    decisions: list[tuple[int, str, list[dict]]] = field(default_factory=list)  # (item position, text, actions)
    minutes: dict[int, str] = field(default_factory=dict)  # item position → minutes text


class MeetingBatch:
    """Meetings with agenda, minutes, decisions and follow-ups for many forums, written in a few bulk inserts.

    The rows are those the services write (meeting_plan's numbered agenda with its fixed points, the minutes and
    their MinutesVersion, decision_add, action_add, the status stamps); case numbers run per forum and year.
    """

    def __init__(self, gen: Generation):
        self.gen = gen
        self.planned: list[PlannedMeeting] = []
        self.numbers: dict[tuple[int, int], int] = defaultdict(int)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, meeting: PlannedMeeting) -> None:
        self.planned.append(meeting)

    def flush(self) -> list[Meeting]:
        planned, self.planned = self.planned, []
        if not planned:
            return []
        meetings = []
        # Foreign keys by id (forum_id=…, not forum=…): the related-object descriptors cost more than the rows.
        for p in planned:
            by = p.by.pk if p.by else None
            hours = datetime.timedelta(hours=2)
            created = p.starts_at - datetime.timedelta(days=self.gen.rng.randint(30, 90))
            meeting = Meeting(
                forum_id=p.forum.pk,
                uid=self.gen.uuid(),
                starts_at=p.starts_at,
                ends_at=p.starts_at + hours,
                place=p.place,
                theme=p.theme,
                is_closed=p.is_closed,
                status=p.status,
                created_at=created,
                created_by_id=by,
                updated_at=created,
                updated_by_id=by,
            )
            if p.summoned_at:
                meeting.summoned_at, meeting.summoned_by_id, meeting.sequence = p.summoned_at, by, 1
                meeting.updated_at = p.summoned_at
            if p.status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED):
                meeting.held_marked_at, meeting.held_marked_by_id = p.starts_at + hours, by
                meeting.sequence += 1
                meeting.updated_at = meeting.held_marked_at
            if p.status == Meeting.Status.MINUTES_APPROVED:
                meeting.minutes_approved_at = p.starts_at + datetime.timedelta(days=self.gen.rng.randint(3, 20))
                meeting.minutes_approved_by_id, meeting.sequence = by, meeting.sequence + 1
                meeting.updated_at = meeting.minutes_approved_at
            if p.status == Meeting.Status.CANCELLED:
                meeting.cancelled_at = p.starts_at - datetime.timedelta(days=self.gen.rng.randint(1, 10))
                meeting.cancelled_by_id, meeting.sequence = by, meeting.sequence + 1
                meeting.updated_at = meeting.cancelled_at
            meetings.append(meeting)
        insert(Meeting, meetings)
        items, item_plans = [], []
        for p, meeting in zip(planned, meetings, strict=True):
            by = meeting.created_by_id
            year = timezone.localtime(p.starts_at).year
            for position, title in enumerate(p.agenda, start=1):
                self.numbers[(p.forum.pk, year)] += 1
                text = p.minutes.get(position, "")
                written = meeting.held_marked_at if text else None
                items.append(
                    AgendaItem(
                        forum_id=meeting.forum_id,
                        meeting_id=meeting.pk,
                        year=year,
                        number=self.numbers[(p.forum.pk, year)],
                        position=position,
                        title=title,
                        is_referatsaker=title.lower() == "referatsaker",
                        minutes=text,
                        minutes_updated_at=written,
                        minutes_updated_by_id=by if text else None,
                        version=2 if text else 1,
                        created_at=meeting.created_at,
                        created_by_id=by,
                    )
                )
                item_plans.append((p, position))
        insert(AgendaItem, items)
        insert(
            MinutesVersion,
            (
                MinutesVersion(
                    agenda_item_id=item.pk,
                    text=item.minutes,
                    written_at=item.minutes_updated_at or item.created_at,
                    written_by_id=item.minutes_updated_by_id,
                )
                for item in items
                if item.minutes
            ),
        )
        item_at = {(id(p), position): item for (p, position), item in zip(item_plans, items, strict=True)}
        decisions: list[Decision] = []
        decision_actions: list[list[dict]] = []
        for p in planned:
            for position, text, actions in p.decisions:
                item = item_at[(id(p), position)]
                decisions.append(
                    Decision(
                        agenda_item_id=item.pk,
                        text=text,
                        created_at=item.minutes_updated_at or p.starts_at,
                        created_by_id=item.created_by_id,
                    )
                )
                decision_actions.append(actions)
        insert(Decision, decisions)
        follow_ups = [
            FollowUpAction(
                decision_id=decision.pk, created_at=decision.created_at, created_by_id=decision.created_by_id, **fields
            )
            for decision, planned_actions in zip(decisions, decision_actions, strict=True)
            for fields in planned_actions
        ]
        insert(FollowUpAction, follow_ups)
        for name, n in [
            ("møter", len(meetings)),
            ("saker", len(items)),
            ("vedtak", len(decisions)),
            ("oppfølgingspunkter", len(follow_ups)),
        ]:
            self.counts[name] += n
        return meetings


def meeting_dates(gen: Generation, per_year: int, *, skip: float = 0.08) -> Iterable[datetime.date]:
    """About `per_year` meeting days a year across the ten years (now and then one fewer), in order."""
    for year in range(gen.first_year, gen.today.year + 1):
        for i in range(per_year):
            if gen.rng.random() < skip:
                continue
            month = 1 + int((i + 0.5) * 12 / per_year)
            day = datetime.date(year, min(month, 12), gen.rng.randint(3, 26))
            yield day


def meeting_status(gen: Generation, day: datetime.date) -> tuple[str, int | None]:
    """The status a meeting on `day` has by today, and how many days before it the innkalling went (None: not yet)."""
    days_ahead = (day - gen.today).days
    notice = gen.rng.choice([2, 4, 5, 6]) if gen.rng.random() < 0.15 else gen.rng.randint(8, 21)
    if days_ahead > 0:
        return (Meeting.Status.SUMMONED, notice) if days_ahead < notice else (Meeting.Status.PLANNED, None)
    if gen.rng.random() < 0.03:
        return Meeting.Status.CANCELLED, None
    if days_ahead > -21 and gen.rng.random() < 0.6:
        return Meeting.Status.HELD, notice
    return Meeting.Status.MINUTES_APPROVED, notice


def follow_up(gen: Generation, day: datetime.date, description: str, party: Party, person: Person | None) -> dict:
    """One follow-up of a decision made on `day`: done long ago for old meetings, open (some overdue) for recent."""
    due = day + datetime.timedelta(days=gen.rng.randint(20, 120))
    fields = {
        "description": description,
        "responsible_party_id": party.pk,
        "responsible_person_id": person.pk if person else None,
        "due_on": due,
    }
    done = due < gen.today - datetime.timedelta(days=90) and gen.rng.random() < 0.97 or gen.rng.random() < 0.3
    if done and due - datetime.timedelta(days=10) < gen.today:
        closed = gen.at(min(gen.today, due - datetime.timedelta(days=gen.rng.randint(0, 10))), 15)
        fields.update(status=FollowUpAction.Status.DONE, closed_at=closed, closing_comment="Utført.")
    return fields
