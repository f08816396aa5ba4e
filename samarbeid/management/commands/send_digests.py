"""The weekly digest: one e-mail per person with the notifications they chose to get collected."""

from django.core.management.base import BaseCommand

from samarbeid.notifications import send_digests


class Command(BaseCommand):
    help = "Send ukens samlede varsler (én e-post per person med det som venter)."

    def handle(self, *args, verbosity, **options):
        sent = send_digests()
        if verbosity:
            self.stdout.write(f"Samlede varsler sendt til {sent} personer.")
