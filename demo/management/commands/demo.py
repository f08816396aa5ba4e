import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from agreements.demo import create_demo_agreement_parts, create_demo_agreements_in_force
from agreements.demo_import import import_demo_agreements
from councils.demo import create_demo_councils, create_demo_open_work
from samarbeid.demo import DEMO_PASSWORD, DEMO_PEOPLE, create_demo_people, demo_party
from samarbeid.models import Role
from samarbeid.reference_data import load_reference_data
from slt.demo import create_demo_slt


class Command(BaseCommand):
    help = "Gjør alt klart for en demo (migrering, referansedata, demobrukere) og starter appen og arbeideren."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Bare lag demodataene, ikke start serveren.")

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # the shared cache for rate limits (without REDIS_URL)
        load_reference_data(settings.REFERENCE_DATA_DIR)
        create_demo_people()
        import_demo_agreements()
        create_demo_agreement_parts()
        create_demo_councils()  # after the agreements, which the councils link to
        create_demo_slt()  # after the councils, its steering groups
        create_demo_agreements_in_force()  # after the councils, so they keep linking to the seed agreements
        create_demo_open_work()  # for the task list: a meeting without minutes, the district in a politiråd
        call_command("make_seal", verbosity=0)  # the development seal for signed agreements
        self.stdout.write(self.style.SUCCESS(f"Demobrukere (passord for alle: {DEMO_PASSWORD}):"))
        for person in DEMO_PEOPLE:
            role = person.title or Role(person.role).label
            self.stdout.write(f"  {person.email:48} {person.name}, {role}, {demo_party(person.party).name}")
        if no_serve:
            return
        worker = subprocess.Popen([sys.executable, "manage.py", "db_worker"], cwd=settings.BASE_DIR)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the worker too when we are stopped
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.terminate()
