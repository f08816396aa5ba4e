"""`manage.py restore <arkiv>`: check an archive from `backup`, then replace database, files and seal with it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samarbeid.backup import BackupError, restore, verify


class Command(BaseCommand):
    help = "Gjenopprett databasen, filene og seglet fra et arkiv laget med «manage.py backup»."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="Arkivet som skal gjenopprettes.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Ikke spør før noe erstattes."
        )

    def handle(self, *args, archive, interactive, verbosity, **options):
        try:
            manifest = verify(archive)
            if interactive:
                answer = input(
                    f"Arkivet er fra {manifest['created_at']}. Alt i databasen, alle filer og seglet erstattes. "
                    "Skriv «ja» for å fortsette: "
                )
                if answer.strip().lower() != "ja":
                    raise CommandError("Avbrutt: ingenting er endret.")
            restore(archive)
        except BackupError as error:
            raise CommandError(f"Ingenting er gjenopprettet. {error}") from error
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Gjenopprettet fra {archive} (laget {manifest['created_at']})."))
