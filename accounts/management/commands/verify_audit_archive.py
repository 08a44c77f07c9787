from django.core.management.base import BaseCommand, CommandError

from accounts import audit_archive


class Command(BaseCommand):
    help = "Checks the signature and completeness of an audit archive written by archive_audit."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            header = audit_archive.verify(file)
        except audit_archive.ArchiveError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"valid: {header['count']} entries older than {header['cutoff']}")
