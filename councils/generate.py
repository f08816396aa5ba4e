"""The politiråd step of `generate_national` (samarbeid/generate.py): a council per cooperation with ten years of
meetings, the årshjul and year-end evaluations, and the politikontakt's log.

Each council is made by `council_create` (its forum, the parties' grants, the members by role — as a secretary
would); it then reads as if made ten years ago. Its meetings follow the agreement's own minimum a year (from the
agreement's text, which `agreements/generate.py` writes), with the fixed agenda points, minutes, decisions and
follow-ups, in bulk (samarbeid.generate.MeetingBatch); about one in ten is closed. The log has three or four entries
a month per council.
"""

import datetime

from django.utils import timezone

from councils.models import DEFAULT_AGENDA, DEFAULT_AGENDA_NN, Council, Evaluation, LogEntry, YearPlan
from councils.services import council_create
from samarbeid.generate import (
    BATCH,
    Generation,
    MeetingBatch,
    PlannedMeeting,
    follow_up,
    insert,
    meeting_dates,
    meeting_status,
)
from samarbeid.models import Forum, ForumMembership, Malform, Meeting, Role

THEMES = [
    "Rus og ungdom",
    "Vold i nære relasjoner",
    "Trygghet i sentrum",
    "Radikalisering",
    "Nettvett",
    "Beredskap",
    "Utenforskap",
    "Trafikk og ungdom",
    "Russefeiring",
    "Ungdomskriminalitet",
]
DECIDED_ON = {
    4: "Kommunen og politiet følger opp saken i neste møte.",
    5: "Saken tas inn i handlingsplanen.",
    6: "Politirådet ber SLT-koordinatoren om et forslag til tiltak.",
}
ACTIONS = [
    "Sende oversikt til politirådet",
    "Legge fram forslag til tiltak",
    "Invitere skolene til dialogmøte",
    "Oppdatere handlingsplanen",
    "Melde tilbake til kommunestyret",
    "Hente statistikk fra politiet",
]
LOG_NOTES = {
    LogEntry.Kind.MEETING: "Møte med kommunens ledelse",
    LogEntry.Kind.PRESENCE_DAY: "Tilstede i sentrum",
    LogEntry.Kind.OFFICE_HOURS: "Kontortid på rådhuset",
    LogEntry.Kind.SCHOOL_LECTURE: "Foredrag om nettvett",
    LogEntry.Kind.NETWORK_CONTACT: "Kontakt med ungdomsklubben",
}
LOG_ENTRIES_A_MONTH = (3, 4)  # by turns: about 140,000 entries at national scale


def generate_councils(gen: Generation) -> dict[str, int]:
    shown = gen.data.get("agreements", {})
    batch = MeetingBatch(gen)
    councils, evaluations, plans, log = {}, [], [], 0
    first = gen.window_start
    district_of = {}
    for coop in gen.cooperations:
        district_of.setdefault(coop.unit.district_id, []).append(coop)
    for coops in district_of.values():  # one district at a time keeps memory flat at national scale
        for coop in coops:
            agreement, minimum = shown.get(coop.key, (None, 2))
            slt = gen.holder(coop.host, Role.SLT_KOORDINATOR)
            names = " og ".join(k.name.removesuffix(" kommune") for k in coop.kommuner)
            council = council_create(
                name=f"Politirådet i {names}",
                host_kommune=coop.host,
                police_unit=coop.unit,
                other_kommuner=coop.kommuner[1:],
                min_meetings_per_year=minimum,
                agreement=agreement,
                by=slt.user,
            )
            since = gen.at(first - datetime.timedelta(days=30))
            Council.objects.filter(pk=council.pk).update(created_at=since, updated_at=since)
            Forum.objects.filter(pk=council.forum_id).update(created_at=since)
            ForumMembership.objects.filter(forum_id=council.forum_id).update(starts_on=first)
            council.created_at = since
            councils[coop.key] = council
            _plan_meetings(gen, batch, coop, council, minimum, slt)
            log += _log(gen, coop, council)
        meetings = batch.flush()
        plans += _year_plans(gen, meetings, councils)
        evaluations += [
            Evaluation(
                council=council,
                year=year,
                answers={
                    "effect": "Tiltakene har hatt god effekt.",
                    "preparedness": "Øvelse holdt.",
                    "lessons": "Flere møter med skolene.",
                },
                submitted_at=gen.at(datetime.date(year, 12, 10), 12),
                submitted_by=gen.holder(council.host_kommune, Role.SLT_KOORDINATOR).user,
            )
            for council in (councils[c.key] for c in coops)
            for year in range(gen.first_year, gen.today.year)
            if gen.rng.random() < 0.85
        ]
    YearPlan.objects.bulk_create(plans, batch_size=BATCH)
    Evaluation.objects.bulk_create(evaluations, batch_size=BATCH)
    gen.data["councils"] = councils
    return {
        "politiråd": len(councils),
        **batch.counts,
        "årshjul": len(plans),
        "evalueringer": len(evaluations),
        "loggføringer": log,
    }


def _plan_meetings(gen: Generation, batch: MeetingBatch, coop, council: Council, minimum: int, slt) -> None:
    nn = coop.host.default_malform == Malform.NYNORSK
    agenda = DEFAULT_AGENDA_NN if nn else DEFAULT_AGENDA
    politikontakt = gen.holder(coop.unit, Role.POLITIKONTAKT)
    per_year = minimum + (1 if gen.rng.random() < 0.3 else 0)
    for day in meeting_dates(gen, per_year):
        status, notice = meeting_status(gen, day)
        starts = gen.at(day, gen.rng.choice([9, 10, 13, 18]))
        secretary = gen.holder(coop.host, Role.SLT_KOORDINATOR, day) or slt
        planned = PlannedMeeting(
            forum=council.forum,
            starts_at=starts,
            status=status,
            by=secretary.user,
            agenda=list(agenda),
            is_closed=gen.rng.random() < 0.1,
            place="Rådhuset",
            theme=gen.rng.choice(THEMES),
            summoned_at=starts - datetime.timedelta(days=notice, hours=gen.rng.randint(0, 6)) if notice else None,
        )
        if status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED):
            planned.minutes = {
                2: "Politiet orienterte om situasjonen.",
                3: "Kommunen orienterte om arbeidet.",
                4: "Drøftet.",
                5: "Ingen nye saker.",
                6: f"Tema: {planned.theme}.",
            }
            for position in sorted(DECIDED_ON):
                actions = [
                    follow_up(
                        gen,
                        day,
                        gen.rng.choice(ACTIONS),
                        *(
                            (coop.host, secretary.person)
                            if gen.rng.random() < 0.6
                            else (coop.unit, politikontakt.person)
                        ),
                    )
                    for _ in range(gen.rng.choice([1, 2, 2, 2]))
                ]
                planned.decisions.append((position, DECIDED_ON[position], actions))
        batch.add(planned)


def _year_plans(gen: Generation, meetings: list[Meeting], councils: dict) -> list[YearPlan]:
    """The årshjul of each year, decided at the last meeting held the year before."""
    forums = {council.forum_id: council for council in councils.values()}
    last: dict[tuple[int, int], Meeting] = {}
    for meeting in meetings:
        if meeting.forum_id in forums and meeting.status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED):
            key = (meeting.forum_id, timezone.localtime(meeting.starts_at).year)
            if key not in last or last[key].starts_at < meeting.starts_at:
                last[key] = meeting
    return [
        YearPlan(
            council=forums[forum_id],
            year=year + 1,
            decided_at=meeting,
            note="Vedtatt på siste møte.",
            updated_at=meeting.starts_at,
            updated_by_id=meeting.created_by_id,
        )
        for (forum_id, year), meeting in sorted(last.items())
        if year < gen.today.year
    ]


def _log(gen: Generation, coop, council: Council) -> int:
    writer = gen.holder(coop.unit, Role.POLITIKONTAKT)
    kinds = list(LOG_NOTES)
    entries = []
    day = gen.window_start
    while day <= gen.today:
        for _ in range(gen.rng.choice(LOG_ENTRIES_A_MONTH)):
            date = min(gen.today, day + datetime.timedelta(days=gen.rng.randint(0, 27)))
            kind = gen.rng.choices(kinds, weights=[2, 4, 3, 1, 2])[0]
            entries.append(
                LogEntry(
                    council_id=council.pk,
                    kommune_id=gen.rng.choice(coop.kommuner).pk,
                    kind=kind,
                    date=date,
                    duration_minutes=gen.rng.choice([60, 90, 120, 180, 240]),
                    note=LOG_NOTES[kind],
                    created_at=gen.at(date, 16),
                    created_by_id=writer.user.pk,
                )
            )
        day = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    insert(LogEntry, entries)
    return len(entries)
