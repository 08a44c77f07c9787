import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from proposals.reminders import send_reminders


class Command(BaseCommand):
    help = "Send today's reminder digests to departments and the coordinators' summary (once a day)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")
        parser.add_argument("--date", help="the day to compute for, YYYY-MM-DD (default: today in Asia/Shanghai)")

    def handle(self, *args, dry_run=False, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        departments, summaries = send_reminders(today, dry_run=dry_run, out=self.stdout)
        if not dry_run:
            self.stdout.write(f"sent {departments} department digest(s) and {summaries} coordinator summary")
