"""The oversight pages at national scale, on a database made by `manage.py generate_national` (full scale).

Renders the district page for Sør-Vest, Øst and Vest as each district's politimester and the national page as the
demo's Politidirektoratet persona; prints the query count and the median time of each (after one warm-up request),
checks that every kommune of the district (all 357 on the national page) is on the page, and that the figures on
the page equal an independent recount from the raw tables (tests/oversight_recount.py: agreement status and signed
date, meetings held this year against the minimum, innkalling on time, overdue follow-ups and tiltak), and prints
every mismatch. Exits non-zero if any is found.

Usage: DATABASE_URL=postgres://…/samarbeid_national uv run python benchmarks/national.py [--repeat 5]
(reads only; run `uv run manage.py generate_national` on that database first).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from samarbeid.models import Kommune, Politidistrikt, Role, RoleAssignment, User  # noqa: E402
from tests.oversight_recount import district_rows, mismatches, national_mismatches, recount  # noqa: E402

DISTRICTS = ("Sør-Vest", "Øst", "Vest")
NATIONAL_PERSONA = "radgiver@politidirektoratet.demo.no"


def render(client: Client, url: str, repeat: int) -> tuple[str, int, float]:
    client.get(url)  # warm-up: the day's role re-sync and task count
    times, queries, page = [], 0, ""
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        queries, page = len(captured), response.content.decode()
    return page, queries, statistics.median(times) * 1000


def main(repeat: int) -> int:
    setup_test_environment()
    today = timezone.localdate()
    if Kommune.objects.filter(forums__isnull=False).distinct().count() < Kommune.objects.count():
        print("warning: not every kommune has a politiråd — was generate_national run at full scale?")
    rows, problems = [], []
    for short_name in DISTRICTS:
        district = Politidistrikt.objects.get(short_name=short_name)
        holder = RoleAssignment.objects.active().filter(party=district, role=Role.POLITIMESTER).first()
        client = Client()
        client.force_login(User.objects.get(person_id=holder.person_id))
        page, queries, ms = render(client, reverse("oversight:district", args=[district.pk]), repeat)
        kommuner = district.kommuner.all()
        started = time.perf_counter()
        expected = recount(kommuner, today)
        recount_ms = (time.perf_counter() - started) * 1000
        shown = district_rows(page)
        found = mismatches(expected, shown)
        problems += [f"{short_name}: {p}" for p in found]
        rows.append(
            (
                f"district {short_name} ({holder.person.name}, politimester)",
                len(shown),
                kommuner.count(),
                queries,
                ms,
                recount_ms,
                len(found),
            )
        )
    client = Client()
    client.force_login(User.objects.get(email=NATIONAL_PERSONA))
    page, queries, ms = render(client, reverse("oversight:index"), repeat)
    started = time.perf_counter()
    expected = recount(Kommune.objects.all(), today)
    recount_ms = (time.perf_counter() - started) * 1000
    found = national_mismatches(expected, page, Politidistrikt.objects.order_by("name"))
    problems += [f"national: {p}" for p in found]
    tiles = page.count('<li class="tile')
    rows.append(("national (Politidirektoratet)", tiles, Kommune.objects.count(), queries, ms, recount_ms, len(found)))
    print(
        f"{'page':58} {'on page':>8} {'kommuner':>8} {'queries':>7} {'median ms':>9} {'recount ms':>10} "
        f"{'mismatches':>10}"
    )
    for label, on_page, total, queries, ms, recount_ms, bad in rows:
        print(f"{label:58} {on_page:>8} {total:>8} {queries:>7} {ms:>9.0f} {recount_ms:>10.0f} {bad:>10}")
    for problem in problems:
        print("MISMATCH", problem)
    return 1 if problems or any(on_page != total for _, on_page, total, *_ in rows) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    sys.exit(main(parser.parse_args().repeat))
