"""The SLT step of `generate_national` (samarbeid/generate.py): an SLT-samarbeid per cooperation with its
politiråd as steering group, one coordination group with ten years of (always closed) meetings, and three
handlingsplaner of four years with about eleven tiltak each.

The SLT-samarbeid, the group and its members go through the services (`slt_model_create`, `group_create`,
`group_member_add`: their grants and forum groups); the plans through `plan_create`; tiltak, their status notes
and the meetings in bulk.
"""

import datetime

from samarbeid.generate import (
    Generation,
    MeetingBatch,
    PlannedMeeting,
    follow_up,
    insert,
    meeting_dates,
    meeting_status,
)
from samarbeid.models import ForumMembership, Meeting, Role
from slt.models import CoordinationGroup, Tiltak, TiltakNote, TiltakStatus
from slt.services import group_create, group_member_add, plan_create, slt_model_create

Frequency = CoordinationGroup.Frequency
GROUPS = [
    ("OSG", Frequency.MONTHLY),
    ("SLT-utøvergruppe", Frequency.EVERY_OTHER_MONTH),
    ("Familieforum", Frequency.EVERY_OTHER_MONTH),
    ("Koordineringsgruppe for barn og unge", Frequency.QUARTERLY),
]
AGENDA = [
    "Referatsaker",
    "Runde rundt bordet",
    "Bekymringer på gruppenivå (anonymisert)",
    "Tiltak i handlingsplanen",
    "Tema",
    "Eventuelt",
]
MEMBERS = [
    ("Barnevernet", "Barnevernleder"),
    ("NAV", "Veileder"),
    ("Skolene", "Rektor"),
    ("Helsestasjon for ungdom", "Helsesykepleier"),
    ("PPT", "Rådgiver"),
]
FOCUS_AREAS = [
    "Rusforebygging",
    "Vold i nære relasjoner",
    "Radikalisering",
    "Nettmobbing",
    "Utenforskap",
    "Trygge nærmiljø",
]
TILTAK = [
    "«Utsett!»",
    "Ungdomskontakt",
    "Årlig SLT-fagdag",
    "Foreldremøter om rus",
    "Natteravner",
    "Dialogmøter med skolene",
    "Bekymringssamtaler",
    "Kurs i nettvett",
    "Sommerjobb for ungdom",
    "Oppsøkende ungdomsarbeid",
    "Felles kompetanseplan",
    "Trygg skolevei",
]
PLAN_YEARS = 4
TILTAK_PER_PLAN = (9, 12)


def generate_slt(gen: Generation) -> dict[str, int]:
    councils = gen.data.get("councils", {})
    batch = MeetingBatch(gen)
    models = groups = plans = members = 0
    tiltak, notes = [], []
    by_district: dict[int, list] = {}
    for coop in gen.cooperations:
        by_district.setdefault(coop.unit.district_id, []).append(coop)
    for coops in by_district.values():
        for coop in coops:
            slt = gen.holder(coop.host, Role.SLT_KOORDINATOR)
            names = " og ".join(k.name.removesuffix(" kommune") for k in coop.kommuner)
            model = slt_model_create(
                name=f"SLT i {names}",
                kommuner=coop.kommuner,
                created_by=slt.user,
                police_party=coop.unit,
                council=councils.get(coop.key),
                utovende_niva="Skoler, barnehager, helsestasjon, politi, frivillige",
            )
            models += 1
            name, frequency = gen.rng.choice(GROUPS)
            group = group_create(
                slt_model=model,
                name=f"{name} {names}",
                meetings_per_year=frequency,
                created_by=slt.user,
                standard_agenda="\n".join(AGENDA),
            )
            groups += 1
            group_member_add(
                group,
                kind=ForumMembership.Kind.SECRETARY,
                by=slt.user,
                person=slt.person,
                party=coop.host,
                role_title="SLT-koordinator",
            )
            politikontakt = gen.holder(coop.unit, Role.POLITIKONTAKT)
            group_member_add(
                group,
                kind=ForumMembership.Kind.MEMBER,
                by=slt.user,
                person=politikontakt.person,
                party=coop.unit,
                role_title="Politikontakt",
            )
            for organisation, title in gen.rng.sample(MEMBERS, 3):
                group_member_add(
                    group,
                    kind=ForumMembership.Kind.MEMBER,
                    by=slt.user,
                    name=gen.name(),
                    organisation=organisation,
                    role_title=title,
                )
            members += 5
            ForumMembership.objects.filter(forum_id=group.forum_id).update(starts_on=gen.window_start)
            _plan_meetings(gen, batch, coop, group, slt, politikontakt)
            for start in range(gen.first_year, gen.today.year + 1, PLAN_YEARS):
                plan = plan_create(
                    slt_model=model,
                    title="Handlingsplan for SLT",
                    start_year=start,
                    end_year=start + PLAN_YEARS - 1,
                    created_by=slt.user,
                    focus_areas=gen.rng.sample(FOCUS_AREAS, 3),
                    adopted_on=datetime.date(start, 2, 1) if start <= gen.today.year else None,
                )
                plans += 1
                _tiltak(gen, plan, coop, slt, tiltak, notes)
        batch.flush()
    insert(Tiltak, tiltak)
    insert(TiltakNote, (TiltakNote(tiltak=t, **fields) for t, fields in notes))
    return {
        "SLT-samarbeid": models,
        "koordineringsgrupper": groups,
        "gruppemedlemmer": members,
        **{f"gruppe{k}": n for k, n in batch.counts.items()},
        "handlingsplaner": plans,
        "tiltak": len(tiltak),
        "fremdriftsnotater": len(notes),
    }


def _plan_meetings(gen: Generation, batch: MeetingBatch, coop, group, slt, politikontakt) -> None:
    for day in meeting_dates(gen, group.meetings_per_year, skip=0.1):
        status, notice = meeting_status(gen, day)
        starts = gen.at(day, gen.rng.choice([9, 12, 14]))
        planned = PlannedMeeting(
            forum=group.forum,
            starts_at=starts,
            status=status,
            by=slt.user,
            agenda=list(AGENDA),
            is_closed=True,
            place="Rådhuset",
            summoned_at=starts - datetime.timedelta(days=notice) if notice else None,
        )
        if status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED):
            planned.minutes = {
                2: "Runde rundt bordet.",
                3: "Drøftet på gruppenivå, ingen personopplysninger.",
                4: "Gjennomgang av tiltakene.",
            }
            for position, text in [(3, "Gruppen følger opp."), (4, "Tiltaket videreføres."), (5, "Tas opp igjen.")]:
                actions = [
                    follow_up(
                        gen,
                        day,
                        "Følge opp i gruppen",
                        *((coop.host, slt.person) if gen.rng.random() < 0.7 else (coop.unit, politikontakt.person)),
                    )
                    for _ in range(gen.rng.choice([1, 2, 2, 2]))
                ]
                planned.decisions.append((position, text, actions))
        batch.add(planned)


def _tiltak(gen: Generation, plan, coop, slt, tiltak: list, notes: list) -> None:
    areas = list(plan.focus_areas.all())
    first, last = datetime.date(plan.start_year, 3, 1), datetime.date(plan.end_year, 12, 1)
    for title in gen.rng.sample(TILTAK, gen.rng.randint(*TILTAK_PER_PLAN)):
        starts = gen.day_between(first, min(last, gen.today + datetime.timedelta(days=200)))
        ends = starts + datetime.timedelta(days=gen.rng.randint(60, 540))
        if ends < gen.today - datetime.timedelta(days=60):
            status = gen.rng.choices(
                [TiltakStatus.GJENNOMFORT, TiltakStatus.AVSLUTTET, TiltakStatus.I_GANG], weights=[80, 15, 5]
            )[0]
        elif starts > gen.today:
            status = TiltakStatus.PLANLAGT
        else:
            status = gen.rng.choice([TiltakStatus.PLANLAGT, TiltakStatus.I_GANG, TiltakStatus.I_GANG])
        party = coop.host if gen.rng.random() < 0.8 else coop.unit
        changed = gen.at(min(gen.today, starts), 12)
        row = Tiltak(
            plan=plan,
            focus_area=gen.rng.choice(areas),
            title=title,
            responsible_party=party,
            responsible_person=slt.person if party == coop.host else None,
            responsible_unit=gen.rng.choice(["SLT-utøvergruppa", "NAV", "Skolene", "Politiet"]),
            target_group="Ungdom 13–18 år",
            starts_on=starts,
            ends_on=ends,
            status=status,
            status_changed_at=changed,
            status_changed_by=slt.user,
            created_at=gen.at(first, 12),
        )
        tiltak.append(row)
        if status != TiltakStatus.PLANLAGT:
            notes.append(
                (
                    row,
                    {
                        "text": "Status oppdatert.",
                        "from_status": TiltakStatus.PLANLAGT,
                        "to_status": status,
                        "created_at": changed,
                        "created_by": slt.user,
                    },
                )
            )
