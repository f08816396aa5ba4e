"""The query count of every main page at two scales of generated data (issue 15: constant in data size).

For each size in --kommuner (default 6 and 24), the database is EMPTIED and filled by `manage.py generate_national
--kommuner N --replace`; then every main page is requested as the persona who uses it (the SLT-koordinator of the
first generated kommune, its politikontakt, the district's politimester, Politidirektoratet) after one warm-up
request, and the number of queries of the second request is printed per size, with a mark where they differ.

Usage: DATABASE_URL=postgres://…/scratch uv run python benchmarks/queries.py [--kommuner 6 24]
(a scratch database: it is emptied).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from agreements.models import Agreement  # noqa: E402
from councils.models import Council  # noqa: E402
from samarbeid.models import Forum, Kommune, Meeting, Role, RoleAssignment, User  # noqa: E402
from slt.models import CoordinationGroup, Handlingsplan, SltModel, Tiltak  # noqa: E402


def _login(party, role) -> Client:
    holder = RoleAssignment.objects.active().filter(party=party, role=role).first()
    client = Client()
    client.force_login(User.objects.get(person_id=holder.person_id))
    return client


def pages() -> list[tuple[str, Client, str]]:
    """(page, client of the persona who uses it, url) for the main pages, on the first generated kommune of Sør-Vest."""
    generated = Kommune.objects.filter(forums__kind=Forum.Kind.POLITIRAD, district__short_name="Sør-Vest")
    kommune = generated.order_by("number").first()  # the same kommune (a demo one) at every size
    council = Council.objects.filter(forum__kommuner=kommune).first()
    unit = council.police_unit
    agreements = Agreement.objects.filter(kommuner=kommune)
    agreement = agreements.order_by("-created_at").first()
    signing = agreements.filter(status__in=[Agreement.Status.SENT, Agreement.Status.SIGNED]).order_by("-created_at")
    signing = signing.first() or agreement  # as benchmarks/load.py
    meeting = Meeting.objects.filter(forum=council.forum, status="minutes_approved").order_by("-starts_at").first()
    slt_model = SltModel.objects.filter(kommuner=kommune).first()
    plan = Handlingsplan.objects.filter(slt_model=slt_model).order_by("-start_year").first()
    group = CoordinationGroup.objects.filter(slt_model=slt_model).first()
    slt, politikontakt = _login(kommune, Role.SLT_KOORDINATOR), _login(unit, Role.POLITIKONTAKT)
    politimester = _login(kommune.district, Role.POLITIMESTER)
    national = Client()
    national.force_login(User.objects.get(email="radgiver@politidirektoratet.demo.no"))
    return [
        ("Min side (SLT-koordinator)", slt, reverse("min_side")),
        ("Min side (politimester)", politimester, reverse("min_side")),
        ("agreement list", slt, reverse("agreements:list")),
        ("agreement list (politimester)", politimester, reverse("agreements:list")),
        ("agreement detail", slt, reverse("agreements:detail", args=[agreement.pk])),
        ("agreement changelog", slt, reverse("agreements:changelog", args=[agreement.pk])),
        ("signing page", slt, reverse("agreements:signing", args=[signing.pk])),
        ("council list", slt, reverse("councils:list")),
        ("council detail", slt, reverse("councils:detail", args=[council.pk])),
        ("meeting detail", slt, reverse("meetings:detail", args=[meeting.pk])),
        ("follow-ups of the council", slt, reverse("meetings:actions", args=[council.forum_id])),
        ("politikontakt log", politikontakt, reverse("councils:log", args=[council.pk])),
        ("SLT index", slt, reverse("slt:index")),
        ("SLT detail", slt, reverse("slt:detail", args=[slt_model.pk])),
        ("handlingsplan", slt, reverse("slt:plan", args=[plan.pk])),
        ("tiltak", slt, reverse("slt:tiltak", args=[Tiltak.objects.filter(plan=plan).first().pk])),
        ("coordination group", slt, reverse("slt:group", args=[group.pk])),
        ("district oversight (politimester)", politimester, reverse("oversight:district", args=[kommune.district_id])),
        ("national overview", national, reverse("oversight:index")),
    ]


def count(client: Client, url: str) -> int | str:
    client.get(url)  # warm-up: the day's role re-sync and task count
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured) if response.status_code == 200 else f"HTTP {response.status_code}"


def main(sizes: list[int]) -> None:
    setup_test_environment()
    results: dict[int, dict[str, int | str]] = {}
    for size in sizes:
        call_command("generate_national", kommuner=size, replace=True, verbosity=0)
        results[size] = {label: count(client, url) for label, client, url in pages()}
    print(f"{'page':40} " + " ".join(f"{f'{n} kommuner':>12}" for n in sizes))
    for label in results[sizes[0]]:
        counts = [results[n][label] for n in sizes]
        mark = "" if len(set(counts)) == 1 else "   <- differs"
        print(f"{label:40} " + " ".join(f"{c!s:>12}" for c in counts) + mark)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommuner", type=int, nargs="+", default=[6, 24])
    main(parser.parse_args().kommuner)
