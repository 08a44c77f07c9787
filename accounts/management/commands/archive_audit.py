from django.core.management.base import BaseCommand, CommandError

from accounts import audit_archive


class Command(BaseCommand):
    help = (
        "Moves audit entries older than --older-than-days (at least AUDIT_RETENTION_DAYS) to a new "
        "signed JSON-lines file, verifies it, and deletes exactly those entries in the same transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True)
        parser.add_argument("--output", required=True, help="the archive file to create (never overwritten)")

    def handle(self, *args, older_than_days, output, **options):
        try:
            result = audit_archive.archive(output, older_than_days=older_than_days)
        except audit_archive.ArchiveError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"archived {result.count} entries older than {result.cutoff.isoformat()} to {result.path}")
