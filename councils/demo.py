"""Demo politiråd for the three seed settings, with a held meeting (minutes, a decision, a follow-up) and the
next one planned. Idempotent: a council that exists is left alone."""

import datetime

from django.db import transaction
from django.utils import timezone

from councils.models import Council, LogEntry
from councils.services import council_create, log_add, year_plan_add_meeting
from samarbeid.meetings import (
    action_add,
    agenda_item_write_minutes,
    decision_add,
    meeting_approve_minutes,
    meeting_mark_held,
)
from samarbeid.models import Kommune, PoliceUnit, Role, RoleAssignment, User

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
            name=name, host_kommune=host, other_kommuner=list(Kommune.objects.filter(number__in=others)),
            police_unit=unit, min_meetings_per_year=minimum, agreement=_agreement_for(host), by=secretary,
        )  # fmt: skip
        held = year_plan_add_meeting(
            council, date=today - datetime.timedelta(days=45), theme="Rus og ungdom", place="Rådhuset", by=secretary
        )
        items = list(held.agenda_items.all())
        agenda_item_write_minutes(items[1], text="Politiet orienterte om situasjonen i sentrum.", by=secretary)
        decision = decision_add(items[5], text="Kommunen og politiet lager en felles plan mot rus blant unge.",
                                by=secretary)  # fmt: skip
        politikontakt = RoleAssignment.objects.active().filter(party=unit, role=Role.POLITIKONTAKT).first()
        action_add(decision, description="Utkast til felles plan", responsible_party=host,
                   responsible_person=secretary.person if secretary else None,
                   due_on=today - datetime.timedelta(days=5), by=secretary)  # fmt: skip
        if politikontakt:
            action_add(decision, description="Statistikk fra politiet til planen", responsible_party=unit,
                       responsible_person=politikontakt.person, due_on=today + datetime.timedelta(days=30),
                       by=secretary)  # fmt: skip
        meeting_mark_held(held, by=secretary)
        meeting_approve_minutes(held, by=secretary)
        year_plan_add_meeting(council, date=today + datetime.timedelta(days=21), theme="Vold i nære relasjoner",
                              place="Rådhuset", by=secretary)  # fmt: skip
        writer = _user_with_role(unit, Role.POLITIKONTAKT)
        for days_ago, kind, minutes, note in [
            (2, LogEntry.Kind.OFFICE_HOURS, 240, "Kontortid på rådhuset"),
            (9, LogEntry.Kind.PRESENCE_DAY, 180, "Tilstede i sentrum"),
            (12, LogEntry.Kind.SCHOOL_LECTURE, 90, "Foredrag om nettvett for 9. trinn"),
        ]:
            log_add(council, kommune=host, kind=kind, date=today - datetime.timedelta(days=days_ago),
                    duration_minutes=minutes, note=note, by=writer)  # fmt: skip
        councils.append(council)
    return councils
