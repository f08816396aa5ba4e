"""`manage.py backup <katalog-eller-fil>`: database, files and seal in one checked archive (samarbeid.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from samarbeid.backup import backup


class Command(BaseCommand):
    help = "Ta sikkerhetskopi av databasen, filene (vedlegg, forseglede avtaler) og seglet til ett arkiv."

    def add_arguments(self, parser):
        parser.add_argument("target", type=Path, help="Arkivfilen, eller en katalog å legge et datert arkiv i.")

    def handle(self, *args, target, verbosity, **options):
        path = backup(target)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Sikkerhetskopi skrevet til {path}"))
