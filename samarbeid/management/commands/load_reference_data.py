from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from samarbeid.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Laster politidistrikter, kommuner og politienheter fra CSV (kan kjøres flere ganger)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=settings.REFERENCE_DATA_DIR)

    def handle(self, *args, dir: Path, **options):
        result = load_reference_data(dir)
        self.stdout.write(
            f"{result.districts} politidistrikter, {result.kommuner} kommuner, {result.police_units} politienheter."
        )
