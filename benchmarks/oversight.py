"""How the oversight pages scale: a politidistrikt with 40 kommuner and ten years of politiråd meetings.

Builds, in Innlandet, for each of 40 kommuner: an agreement signed ten years ago and, by turns, its signed
revision (the old one replaced; due for revision after the 2023 kommunevalg), a current one, a revision in draft
or awaiting signature (the old one shown, expired) or nothing more (expired); a politiråd with four meetings a
year for ten years (innkalling, one decision with a follow-up each), a year-end evaluation for each past year and
SLT tiltak. Then prints, for
the district's politimester, the median time and the query count of the district page, its CSV and XLSX export,
and of the national overview (all 357 kommuner) for Politidirektoratet. The query counts must not depend on the
data: run with a larger N to see (N kommuner, at most 47).

Usage: uv run python benchmarks/oversight.py [N]   (default 40; a throwaway SQLite file unless DATABASE_URL is
set — then use a scratch database, the script writes to it).
"""

import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from agreements.access import grant_agreement  # noqa: E402
from agreements.models import Agreement, AgreementKommune, SigningRound  # noqa: E402
from councils.access import grant_council  # noqa: E402
from councils.models import Council, Evaluation  # noqa: E402
from samarbeid.demo import create_demo_people  # noqa: E402
from samarbeid.models import (  # noqa: E402
    AgendaItem,
    Decision,
    FollowUpAction,
    Forum,
    Meeting,
    Person,
    PoliceUnit,
    Politidistrikt,
    Role,
    RoleAssignment,
    User,
)
from samarbeid.permissions import sync_user_roles  # noqa: E402
from samarbeid.reference_data import load_reference_data  # noqa: E402
from slt.models import FocusArea, Handlingsplan, SltModel, Tiltak, TiltakStatus  # noqa: E402

YEARS = 10
MEETINGS_A_YEAR = 4


def at(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _agreement(unit, kommune, by, *, status, start, end=None, signed=None, replaces=None) -> Agreement:
    made = Agreement.objects.create(
        police_party=unit, created_by=by, period_start=start, period_end=end, replaces=replaces
    )
    AgreementKommune.objects.create(agreement=made, kommune=kommune)
    if signed:
        SigningRound.objects.create(agreement=made, content_hash="0" * 64, sent_by=by, completed_at=at(signed, 12))
    Agreement.objects.filter(pk=made.pk).update(status=status)
    grant_agreement(made)
    return made


def build(n: int, by: User) -> Politidistrikt:
    district = Politidistrikt.objects.get(short_name="Innlandet")
    unit, _ = PoliceUnit.objects.get_or_create(
        name="Benchmark politistasjonsdistrikt", defaults={"district": district, "unit_kind": "politistasjonsdistrikt"}
    )
    today = timezone.localdate()
    first_year = today.year - YEARS + 1
    meetings, evaluations = [], []
    for index, kommune in enumerate(district.kommuner.order_by("number")[:n]):
        old = _agreement(
            unit,
            kommune,
            by,
            status=Agreement.Status.SIGNED,
            start=datetime.date(first_year, 1, 1),
            end=datetime.date(first_year + 3, 12, 31),
            signed=datetime.date(first_year, 1, 1),
        )
        kind = index % 5
        signed = Agreement.Status.SIGNED
        if kind == 0:  # revised and signed: the old one is replaced (the one change a signed agreement allows)
            revised = datetime.date(first_year + 4, 1, 1)
            new = _agreement(unit, kommune, by, status=signed, replaces=old, start=revised, signed=revised)
            old.status = Agreement.Status.REPLACED
            old.save(update_fields=["status", "updated_at"])
        elif kind == 1:  # current, until a date
            start, end = datetime.date(today.year - 1, 1, 1), datetime.date(today.year + 2, 12, 31)
            new = _agreement(unit, kommune, by, status=signed, start=start, end=end, signed=start)
        else:  # a revision being written or signed; the old one expired
            status = [Agreement.Status.DRAFT, Agreement.Status.SENT, None][kind - 2]
            new = _agreement(unit, kommune, by, status=status, start=today) if status else old
        forum = Forum.objects.create(kind=Forum.Kind.POLITIRAD, name=f"Politirådet i {kommune.name}", police_party=unit)
        forum.kommuner.add(kommune)
        council = Council.objects.create(
            forum=forum, host_kommune=kommune, police_unit=unit, agreement=new, min_meetings_per_year=4
        )
        grant_council(council)
        for year in range(first_year, today.year + 1):
            for quarter in range(MEETINGS_A_YEAR):
                day = datetime.date(year, 1 + 3 * quarter, 15)
                held = day < today
                meetings.append(
                    Meeting(
                        forum=forum,
                        starts_at=at(day),
                        ends_at=at(day, 20),
                        status=Meeting.Status.HELD if held else Meeting.Status.SUMMONED,
                        summoned_at=at(day) - datetime.timedelta(days=10 if quarter % 2 else 4),
                    )
                )
            if year < today.year:  # this year's evaluation is not written yet
                evaluations.append(Evaluation(council=council, year=year, answers={"effect": "Effekt"}))
        model = SltModel.objects.create(name=f"SLT {kommune.name}", created_by=by)
        model.kommuner.add(kommune)
        plan = Handlingsplan.objects.create(
            slt_model=model, title="Plan", start_year=today.year - 1, end_year=today.year + 1, created_by=by
        )
        area = FocusArea.objects.create(plan=plan, name="Rus")
        Tiltak.objects.bulk_create(
            Tiltak(
                plan=plan,
                focus_area=area,
                title=f"Tiltak {i}",
                status=TiltakStatus.I_GANG,
                status_changed_by=by,
                ends_on=today - datetime.timedelta(days=30 * i),
            )
            for i in range(4)
        )
    Meeting.objects.bulk_create(meetings)
    Evaluation.objects.bulk_create(evaluations)
    items, numbers = [], {}
    for meeting in Meeting.objects.filter(forum__council__police_unit=unit):
        key = (meeting.forum_id, meeting.starts_at.year)
        numbers[key] = numbers.get(key, 0) + 1
        items.append(
            AgendaItem(
                forum_id=meeting.forum_id, meeting=meeting, year=key[1], number=numbers[key], title="Nytt fra politiet"
            )
        )
    AgendaItem.objects.bulk_create(items)
    decisions = Decision.objects.bulk_create(
        Decision(agenda_item=item, text="Vedtak")
        for item in AgendaItem.objects.filter(forum__council__police_unit=unit)
    )
    FollowUpAction.objects.bulk_create(
        FollowUpAction(decision=decision, description="Følge opp", due_on=today - datetime.timedelta(days=i % 400))
        for i, decision in enumerate(decisions)
    )
    return district


def timed(client: Client, url: str, repeat: int = 5) -> tuple[float, int]:
    times, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(times) * 1000, queries


def main(n: int) -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    load_reference_data(settings.REFERENCE_DATA_DIR)
    people = create_demo_people()
    innlandet = Politidistrikt.objects.get(short_name="Innlandet")
    person, _ = Person.objects.get_or_create(
        email="politimester.innlandet@politiet.demo.no", defaults={"name": "Politimester Innlandet"}
    )
    RoleAssignment.objects.get_or_create(person=person, party=innlandet, role=Role.POLITIMESTER)
    politimester = User.objects.filter(person=person).first() or User.objects.create_user(person.email, person=person)
    sync_user_roles(politimester)
    start = time.perf_counter()
    district = build(n, politimester)
    print(
        f"built {n} kommuner, {Meeting.objects.count()} meetings, {FollowUpAction.objects.count()} follow-ups, "
        f"{Agreement.objects.count()} agreements in {time.perf_counter() - start:.1f} s"
    )
    leader, national = Client(), Client()
    leader.force_login(politimester)
    national.force_login(people["politidirektoratet"])
    for label, client, url in [
        ("district page", leader, reverse("oversight:district", args=[district.pk])),
        ("district CSV", leader, reverse("oversight:district_export", args=[district.pk, "csv"])),
        ("district XLSX", leader, reverse("oversight:district_export", args=[district.pk, "xlsx"])),
        ("national overview (357 kommuner)", national, reverse("oversight:index")),
    ]:
        ms, queries = timed(client, url)
        print(f"{label}: median {ms:.0f} ms, {queries} queries")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
