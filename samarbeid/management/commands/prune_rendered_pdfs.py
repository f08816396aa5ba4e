"""Delete stored PDFs older than --days (samarbeid.pdf_store.rendered_pdfs_prune); safe to run any time."""

import datetime

from django.core.management.base import BaseCommand

from samarbeid.pdf_store import rendered_pdfs_prune


class Command(BaseCommand):
    help = "Slett lagrede PDF-er eldre enn --days dager (de lages på nytt ved neste nedlasting)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days, verbosity, **options):
        deleted = rendered_pdfs_prune(older_than=datetime.timedelta(days=days))
        if verbosity:
            self.stdout.write(f"{deleted} lagrede PDF-er slettet.")
