"""The daily reminders (due in a week, tomorrow, overdue) from everyone's task list; safe to run again."""

from django.core.management.base import BaseCommand

from samarbeid.notifications import send_reminders


class Command(BaseCommand):
    help = "Send dagens påminnelser om frister (ingen påminnelse sendes to ganger)."

    def handle(self, *args, verbosity, **options):
        sent = send_reminders()
        if verbosity:
            self.stdout.write(f"{sent} påminnelser sendt.")
