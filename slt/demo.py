"""SLT demo data from the seeds: Luster's Familieforum, Randaberg's OSG, Moss's handlingsplan 2018–2019.

Member names are invented; organisations, frequency and tiltak are those of the agreements. Idempotent.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from councils.models import Council
from samarbeid import meetings
from samarbeid.demo import DEMO_PEOPLE, create_demo_people
from samarbeid.models import ForumMembership, Kommune, PoliceUnit, User
from slt.models import CoordinationGroup, SltModel, TiltakStatus
from slt.services import (
    group_create,
    group_member_add,
    plan_create,
    slt_model_create,
    slt_model_update,
    tiltak_add_progress,
    tiltak_create,
)

MEMBER, CONVENER, GUEST = ForumMembership.Kind.MEMBER, ForumMembership.Kind.SECRETARY, ForumMembership.Kind.GUEST

# (name, organisation, kind) — Luster's Familieforum: "Leiande helsesjukepleiar kallar inn, set opp møteplan og
# skriv referat"; BUP comes four times a year.
FAMILIEFORUM = [
    ("Solveig Bakken", "Leiande helsesjukepleiar", CONVENER),
    ("Arne Hauge", "PPT", MEMBER),
    ("Liv Ramstad", "NAV", MEMBER),
    ("Omar Haddad", "Flyktningtenesta", MEMBER),
    ("Randi Solvorn", "Sogn barnevern", MEMBER),
    ("Knut Dalsøren", "Ruskonsulent", MEMBER),
    ("Hilde Nes", "Kommunepsykolog", MEMBER),
    ("Gunnar Fet", "Psykisk helseteam", MEMBER),
    ("Tone Ugulen", "Pedagogisk konsulent barnehage", MEMBER),
    ("Eva Gaupne", "Jordmor", MEMBER),
    ("Petter Bolstad", "BUP", GUEST),
]
OSG = [
    ("Kjersti Tungland", "Barneverntjenesten", MEMBER),
    ("Rune Sola", "Konfliktrådet i Sør-Rogaland", MEMBER),
    ("Mette Harestad", "Skole", MEMBER),
]
UTOVERGRUPPE = [
    ("Thea Jeløy", "Ungdomsskolene", MEMBER),
    ("Morten Kambo", "NAV", MEMBER),
    ("Sara Rygge", "Helsestasjon for ungdom", MEMBER),
]
MOSS_PLAN = {
    "Rusforebygging": [
        (
            "«Utsett!»",
            "Foreldrerettet rusforebyggende program på ungdomsskolene.",
            "Foreldre til elever på ungdomsskolen",
            TiltakStatus.GJENNOMFORT,
        ),
        (
            "Forebygge cannabisbruk og utprøving",
            "SLT-utøvergruppa ser på muligheten for å samordne eksisterende forebyggende tiltak mot cannabis.",
            "Ungdom i videregående skole",
            TiltakStatus.I_GANG,
        ),
    ],
    "Oppsøkende ungdomsarbeid": [
        (
            "Ungdomskontakt",
            "Utrede behovet for oppsøkende ungdomsarbeid: sosiale medier, skolene og nøkkelområder i "
            "byen. Organisering, forankring, målgruppe og finansiering avklares i et forprosjekt.",
            "Ungdom 12–18 år",
            TiltakStatus.I_GANG,
        ),
    ],
    "Felles kompetanse": [
        (
            "Årlig SLT-fagdag",
            "Fagdag for førstelinjen, f.eks. om cannabisproblematikk og hvordan snakke med ungdom om rus.",
            "Alle som jobber med ungdom i Moss kommune",
            TiltakStatus.PLANLAGT,
        ),
    ],
}


def _users() -> dict[str, User]:
    emails = {person.key: person.email for person in DEMO_PEOPLE}
    return {key: User.objects.get(email=email) for key, email in emails.items()}


def _slt_model(name: str, numbers: list[str], by: User, **fields) -> tuple[SltModel, bool]:
    existing = SltModel.objects.filter(name=name).first()
    if existing:
        return existing, False
    kommuner = list(Kommune.objects.filter(number__in=numbers))
    return slt_model_create(name=name, kommuner=kommuner, created_by=by, **fields), True


def _group(slt_model, name, per_year, by, members, extra=()) -> CoordinationGroup:
    group = group_create(
        slt_model=slt_model,
        name=name,
        meetings_per_year=per_year,
        created_by=by,
        standard_agenda="Referatsaker\nRunde rundt bordet\nEventuelt",
    )
    for person, kind, organisation in extra:
        group_member_add(group, person=person, kind=kind, organisation=organisation, by=by)
    for member_name, organisation, kind in members:
        group_member_add(group, name=member_name, organisation=organisation, kind=kind, by=by)
    return group


def _held_meetings(group: CoordinationGroup, count: int, by: User) -> None:
    """A few past meetings this year, held, with minutes on system level."""
    today = timezone.localdate()
    for months_ago in range(count, 0, -1):
        day = max(datetime.date(today.year, 1, 15), today - datetime.timedelta(days=30 * months_ago))
        if day >= today:  # early in January: no meeting of this year has been held yet
            continue
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        meeting = meetings.meeting_plan(
            group.forum, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), place="Rådhuset", by=by
        )
        item = meeting.agenda_items.last()
        meetings.agenda_item_write_minutes(item, text="Erfaringsutveksling på systemnivå.", by=by)
        meetings.meeting_mark_held(meeting, by=by)


def _link_council(slt_model: SltModel, host_number: str, by: User) -> None:
    """The politiråd (from the councils demo, when it has run) is the SLT model's steering group."""
    council = Council.objects.filter(host_kommune__number=host_number).first()
    if slt_model.council_id is None and council is not None:
        slt_model_update(slt_model, changed_by=by, council=council)


@transaction.atomic
def create_demo_slt() -> None:
    """Run after the councils demo, so that the politiråd can be linked as steering group."""
    create_demo_people()
    users = _users()

    luster, created = _slt_model(
        "SLT Luster",
        ["4644"],
        users["luster_slt"],
        utovende_niva="Skular, barnehagar, politi, frivillige organisasjonar, næringsliv m.m.",
        description="Familieforum fungerer som lokal SLT-koordineringsgruppe.",
    )
    if created:
        group = _group(
            luster,
            "Familieforum",
            CoordinationGroup.Frequency.MONTHLY,
            users["luster_slt"],
            FAMILIEFORUM,
            extra=[
                (users["luster_slt"].person, MEMBER, "Folkehelsekoordinator"),
                (users["sogn_politikontakt"].person, MEMBER, "Politikontakt"),
            ],
        )
        _held_meetings(group, timezone.localdate().month - 1, users["luster_slt"])  # monthly, on track

    _link_council(luster, "4644", users["luster_slt"])

    randaberg, created = _slt_model(
        "SLT Randaberg og Kvitsøy",
        ["1127", "1144"],
        users["randaberg_slt"],
        police_party=PoliceUnit.objects.get(name="Tjenesteenhet Stavanger"),
        utovende_niva="Skoler, barnehager, barnevern, helsesykepleiere, politi og frivillige",
    )
    if created:
        group = _group(
            randaberg,
            "OSG (operativ SLT-gruppe)",
            CoordinationGroup.Frequency.MONTHLY,
            users["randaberg_slt"],
            OSG,
            extra=[
                (users["randaberg_slt"].person, CONVENER, "SLT-koordinator"),
                (users["stavanger_politikontakt"].person, MEMBER, "Politikontakt"),
            ],
        )
        _held_meetings(group, 2, users["randaberg_slt"])

    _link_council(randaberg, "1127", users["randaberg_slt"])

    moss, created = _slt_model(
        "SLT Moss", ["3103"], users["moss_slt"], utovende_niva="Skoler, helsestasjon, NAV, politi, frivillige"
    )
    if created:
        by = users["moss_slt"]
        _group(
            moss,
            "SLT-utøvergruppe",
            CoordinationGroup.Frequency.THREE_A_YEAR,
            by,
            UTOVERGRUPPE,
            extra=[
                (by.person, CONVENER, "SLT-koordinator"),
                (users["moss_politikontakt"].person, MEMBER, "Politikontakt"),
            ],
        )
        plan = plan_create(
            slt_model=moss,
            title="Handlingsplan for rus- og kriminalitetsforebygging i Moss (SLT)",
            start_year=2018,
            end_year=2019,
            focus_areas=list(MOSS_PLAN),
            adopted_on=datetime.date(2018, 3, 14),
            created_by=by,
        )
        moss_kommune = Kommune.objects.get(number="3103")
        for area in plan.focus_areas.all():
            for title, description, target_group, status in MOSS_PLAN[area.name]:
                tiltak = tiltak_create(
                    plan=plan,
                    created_by=by,
                    focus_area=area,
                    title=title,
                    description=description,
                    target_group=target_group,
                    responsible_party=moss_kommune,
                    responsible_person=by.person,
                    starts_on=datetime.date(2018, 1, 1),
                    ends_on=datetime.date(2019, 12, 31),
                )
                if status != TiltakStatus.PLANLAGT:
                    tiltak_add_progress(tiltak, user=by, status=status, text="Status meldt i SLT-utøvergruppa.")
    _link_council(moss, "3103", users["moss_slt"])
