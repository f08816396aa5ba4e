"""manage.py generate_national: national-scale data for benchmarks and the oversight check (samarbeid/generate.py).

Not for a database with real data: it refuses to run where generated data or any forum (politiråd, SLT group)
already exists, unless --replace, which EMPTIES THE WHOLE DATABASE first (manage.py flush) and generates again.
"""

import random
import time

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from samarbeid.demo import create_demo_people
from samarbeid.generate import GENERATED_DOMAIN, Generation, choose_kommuner, generation_steps
from samarbeid.models import Forum, Person
from samarbeid.permissions import grants_batched, role_sync_deferred
from samarbeid.reference_data import load_reference_data


class _QueryCount:
    """How many queries a step sends and how long they take (the time the database, not Python, spends)."""

    def __enter__(self):
        self.count, self.seconds = 0, 0.0
        self._context = connection.execute_wrapper(self)
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


class Command(BaseCommand):
    help = "Lag data i nasjonal skala (alle kommuner, ti år med avtaler, møter og tiltak) for målinger."

    def add_arguments(self, parser):
        parser.add_argument("--kommuner", type=int, default=None, help="Bare N kommuner (spredt over distriktene).")
        parser.add_argument("--seed", type=int, default=2026, help="Samme frø gir de samme dataene (samme dag).")
        parser.add_argument("--replace", action="store_true", help="Tøm HELE databasen (flush) og lag dataene på nytt.")

    def handle(self, *args, kommuner: int | None, seed: int, replace: bool, verbosity: int = 1, **options):
        if kommuner is not None and kommuner < 1:
            raise CommandError("--kommuner må være minst 1.")
        has_data = Person.objects.filter(email__endswith=f"@{GENERATED_DOMAIN}").exists() or Forum.objects.exists()
        if has_data and not replace:
            raise CommandError(
                "Databasen har allerede genererte data eller politiråd/SLT-grupper. Bruk --replace for å tømme "
                "hele databasen og lage dataene på nytt."
            )
        say = self.stdout.write if verbosity else (lambda *_: None)
        started = time.perf_counter()
        if has_data:
            call_command("flush", interactive=False, verbosity=0)
            ContentType.objects.clear_cache()
            say(f"tømt databasen: {time.perf_counter() - started:.1f} s")
        with transaction.atomic():
            step_started = time.perf_counter()
            load_reference_data(settings.REFERENCE_DATA_DIR)
            create_demo_people()  # the demo personas (politimester Sør-Vest, Politidirektoratet, ...) log in too
            say(f"referansedata og demopersoner: {time.perf_counter() - step_started:.1f} s")
            chosen = choose_kommuner(kommuner)
            gen = Generation(rng=random.Random(seed), today=timezone.localdate(), kommuner=chosen, log=say)
            # The services' grants are written together, and the logins of everyone given a role or a membership
            # are synced once, at the end (the same rows as one by one, in a fraction of the queries).
            with _QueryCount() as total, role_sync_deferred(), grants_batched():
                for name, step in generation_steps():
                    step_started = time.perf_counter()
                    with _QueryCount() as queries:
                        made = step(gen)
                    counts = ", ".join(f"{n} {what}" for what, n in made.items())
                    took = time.perf_counter() - step_started
                    say(
                        f"{name}: {took:.1f} s, {queries.count} spørringer ({queries.seconds:.1f} s i databasen): "
                        f"{counts}"
                    )
                step_started, before = time.perf_counter(), total.count
            took = time.perf_counter() - step_started
            say(f"tilganger og innlogginger skrevet: {took:.1f} s, {total.count - before} spørringer")
        if connection.vendor == "postgresql":
            # The planner's statistics, as autovacuum would gather them after a bulk load (it may be off, as in
            # CI, and it waits for its threshold): without them every table is guessed at a few pages, and the
            # pages are measured on plans no production database would choose (the meeting detail's minutes
            # query hashed all 202,392 agenda items: 425 ms; with statistics it reads 7 by index: 0.1 ms).
            step_started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            say(f"statistikk for spørreplanleggeren (ANALYZE): {time.perf_counter() - step_started:.1f} s")
        say(self.style.SUCCESS(f"ferdig: {len(gen.kommuner)} kommuner på {time.perf_counter() - started:.1f} s"))
