from django.conf import settings
from django.core.management.base import BaseCommand

from proposals.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo session, departments, accounts and the seed proposal, and a past session "
        "with answered, published proposals (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bare",
            action="store_true",
            help="leave out the past session (tests that count rows start from the bare demo)",
        )

    def handle(self, *args, **options):
        users = seed_demo(extras=not options["bare"])
        self.stdout.write(f"Demo accounts (password of newly created accounts: {settings.DEMO_PASSWORD})")
        self.stdout.write(f"  {'username':<12} {'name':<6} role / department")
        for user in users:
            where = f" / {user.department.name}" if user.department else ""
            self.stdout.write(f"  {user.username:<12} {user.full_name:<6} {user.get_role_display()}{where}")
