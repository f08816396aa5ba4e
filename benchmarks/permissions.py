"""How the permission mechanism scales: django-guardian with direct-FK tables, grants to role groups.

Creates N draft agreements spread over all 357 kommuner (each kommune with the police unit or district
that covers it), then measures, for one SLT-koordinator, the time and queries of:
- listing the agreements they may see (`agreements_visible_to`),
- checking one permission on one agreement (`has_perm`, a fresh checker each time),
and prints the size of the permission tables.

Usage: uv run python benchmarks/permissions.py [N]   (default 2000; a throwaway SQLite file unless
DATABASE_URL is set — then use a scratch database, the script writes to it).
"""

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
from django.test.utils import CaptureQueriesContext  # noqa: E402

from agreements.access import agreements_visible_to  # noqa: E402
from agreements.models import Agreement  # noqa: E402
from agreements.services import agreement_create  # noqa: E402
from samarbeid.demo import create_demo_people  # noqa: E402
from samarbeid.models import Kommune, User  # noqa: E402
from samarbeid.permissions import has_perm  # noqa: E402
from samarbeid.reference_data import load_reference_data  # noqa: E402


def timed(fn, repeat=15):
    times, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return statistics.median(times) * 1000, queries


def main(n: int) -> None:
    call_command("migrate", verbosity=0)
    load_reference_data(settings.REFERENCE_DATA_DIR)
    people = create_demo_people()
    creator = people["moss_slt"]
    kommuner = list(Kommune.objects.select_related("district"))
    to_create = n - Agreement.objects.count()
    start = time.perf_counter()
    for i in range(to_create):
        kommune = kommuner[i % len(kommuner)]
        agreement_create(police_party=kommune.district, kommuner=[kommune], created_by=creator)
    created = time.perf_counter() - start
    if to_create:
        print(f"agreement_create: {created / to_create * 1000:.0f} ms each ({to_create} created)")
    reader = User.objects.get(pk=people["moss_slt"].pk)
    mine = list(agreements_visible_to(reader))
    print(f"agreements: {Agreement.objects.count()}, visible to Moss's SLT: {len(mine)}")
    ms, q = timed(lambda: list(agreements_visible_to(User.objects.get(pk=reader.pk))))
    print(f"list visible agreements: median {ms:.1f} ms, {q} queries")
    ms, q = timed(lambda: has_perm(User.objects.get(pk=reader.pk), "agreements.view_agreement", mine[0]))
    print(f"has_perm on one agreement (fresh user): median {ms:.1f} ms, {q} queries")
    with connection.cursor() as cursor:
        for table in ("agreements_agreementgroupobjectpermission", "guardian_groupobjectpermission", "auth_group"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            print(f"rows in {table}: {cursor.fetchone()[0]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
