"""Demo politiråd for the three seed settings, with a held meeting (minutes, a decision, a follow-up) and the
next one planned; then open work for the task list (``create_demo_open_work``). Idempotent: a council that
exists is left alone."""

import datetime

from django.db import transaction
from django.utils import timezone

from councils.models import Council, LogEntry
from councils.services import council_create, log_add, year_plan_add_meeting
from samarbeid.demo import DEMO_START
from samarbeid.meetings import (
    action_add,
    agenda_item_write_minutes,
    decision_add,
    meeting_approve_minutes,
    meeting_mark_held,
    membership_add,
)
from samarbeid.models import Decision, ForumMembership, Kommune, PoliceUnit, Politidistrikt, Role, RoleAssignment, User

DEMO_COUNCILS = [
    # (name, host kommunenummer, other kommunenummer, police unit, minimum meetings a year)
    ("Politirådet i Randaberg og Kvitsøy", "1127", ["1144"], "Tjenesteenhet Stavanger", 2),
    ("Politirådet i Moss", "3103", [], "Moss politistasjonsdistrikt", 2),
    ("Lokalt politiråd i Luster", "4644", [], "Sogn lensmannsdistrikt", 4),
]


def _agreement_for(kommune: Kommune):
    from agreements.models import Agreement

    return Agreement.objects.filter(kommuner=kommune).order_by("-created_at").first()


def _user_with_role(party, role) -> User | None:
    holder = RoleAssignment.objects.active().filter(party=party, role=role).first()
    return User.objects.filter(person_id=holder.person_id).first() if holder else None


@transaction.atomic
def create_demo_councils() -> list[Council]:
    councils = []
    today = timezone.localdate()
    for name, host_number, others, unit_name, minimum in DEMO_COUNCILS:
        existing = Council.objects.filter(forum__name=name).first()
        if existing:
            if existing.agreement_id is None and (agreement := _agreement_for(existing.host_kommune)):
                existing.agreement = agreement
                existing.save(update_fields=["agreement"])
            councils.append(existing)
            continue
        host = Kommune.objects.get(number=host_number)
        unit = PoliceUnit.objects.get(name=unit_name)
        secretary = _user_with_role(host, Role.SLT_KOORDINATOR)
        council = council_create(
            name=name,
            host_kommune=host,
            other_kommuner=list(Kommune.objects.filter(number__in=others)),
            police_unit=unit,
            min_meetings_per_year=minimum,
            agreement=_agreement_for(host),
            by=secretary,
        )
        held = year_plan_add_meeting(
            council, date=today - datetime.timedelta(days=45), theme="Rus og ungdom", place="Rådhuset", by=secretary
        )
        items = list(held.agenda_items.all())
        agenda_item_write_minutes(items[1], text="Politiet orienterte om situasjonen i sentrum.", by=secretary)
        decision = decision_add(
            items[5], text="Kommunen og politiet lager en felles plan mot rus blant unge.", by=secretary
        )
        politikontakt = RoleAssignment.objects.active().filter(party=unit, role=Role.POLITIKONTAKT).first()
        action_add(
            decision,
            description="Utkast til felles plan",
            responsible_party=host,
            responsible_person=secretary.person if secretary else None,
            due_on=today - datetime.timedelta(days=5),
            by=secretary,
        )
        if politikontakt:
            action_add(
                decision,
                description="Statistikk fra politiet til planen",
                responsible_party=unit,
                responsible_person=politikontakt.person,
                due_on=today + datetime.timedelta(days=30),
                by=secretary,
            )
        meeting_mark_held(held, by=secretary)
        meeting_approve_minutes(held, by=secretary)
        year_plan_add_meeting(
            council,
            date=today + datetime.timedelta(days=21),
            theme="Vold i nære relasjoner",
            place="Rådhuset",
            by=secretary,
        )
        writer = _user_with_role(unit, Role.POLITIKONTAKT)
        for days_ago, kind, minutes, note in [
            (2, LogEntry.Kind.OFFICE_HOURS, 240, "Kontortid på rådhuset"),
            (9, LogEntry.Kind.PRESENCE_DAY, 180, "Tilstede i sentrum"),
            (12, LogEntry.Kind.SCHOOL_LECTURE, 90, "Foredrag om nettvett for 9. trinn"),
        ]:
            log_add(
                council,
                kommune=host,
                kind=kind,
                date=today - datetime.timedelta(days=days_ago),
                duration_minutes=minutes,
                note=note,
                by=writer,
            )
        councils.append(council)
    return councils


@transaction.atomic
def create_demo_open_work() -> None:
    """Open work for the task list: Moss met three days ago and has no minutes yet; the Vest district's
    malansvarlig sits in Luster's politiråd and is to bring its advice into the district template."""
    today = timezone.localdate()
    # The councils have met since the municipal term began, like the roles: so last year's evaluation is due.
    since = timezone.make_aware(datetime.datetime.combine(DEMO_START, datetime.time(9)))
    Council.objects.filter(forum__name__in=[c[0] for c in DEMO_COUNCILS], created_at__gt=since).update(created_at=since)
    moss = Council.objects.get(forum__name="Politirådet i Moss")
    secretary = _user_with_role(moss.host_kommune, Role.SLT_KOORDINATOR)
    if not moss.forum.meetings.filter(theme="Trygghet i sentrum").exists():
        year_plan_add_meeting(
            moss, date=today - datetime.timedelta(days=3), theme="Trygghet i sentrum", place="Rådhuset", by=secretary
        )
    luster = Council.objects.get(forum__name="Lokalt politiråd i Luster")
    vest = Politidistrikt.objects.get(short_name="Vest")
    admin = _user_with_role(vest, Role.DISTRIKT_ADMIN)
    if admin and not luster.forum.memberships.filter(person=admin.person).exists():
        by = _user_with_role(luster.host_kommune, Role.SLT_KOORDINATOR)
        membership_add(
            luster.forum,
            admin.person,
            ForumMembership.Kind.MEMBER,
            party=vest,
            role_title="Malansvarlig i Vest politidistrikt",
            by=by,
        )
        decision = Decision.objects.filter(agenda_item__meeting__forum=luster.forum).order_by("pk").first()
        action_add(
            decision,
            description="Ta politirådets innspill om møteplan inn i distriktsmalen",
            responsible_person=admin.person,
            responsible_party=vest,
            due_on=today + datetime.timedelta(days=14),
            by=by,
        )
