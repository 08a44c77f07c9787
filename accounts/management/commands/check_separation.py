"""三员分立 (issue 9): production needs no Django superuser. Each account holds one role
(the role field allows one) and administrators belong to no department (a database
constraint), so what is left to check is the flags that bypass roles. Exits 1 and names
every such account, so a deployment check or a cron job can alert on it."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User

ADMINISTRATORS = (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR)


def problems():
    found = []
    for user in User.objects.filter(is_active=True, is_superuser=True).order_by("username"):
        found.append(f"{user.username}: is a Django superuser (bypasses every role check); remove the flag")
    for user in User.objects.filter(is_active=True, is_staff=True).order_by("username"):
        found.append(f"{user.username}: has is_staff set; the admin site goes by role, not by is_staff")
    return found


class Command(BaseCommand):
    help = "Check the separation of administrative duties (三员分立): no account bypasses the roles."

    def handle(self, *args, **options):
        found = problems()
        if found:
            raise CommandError("separation of duties broken:\n  " + "\n  ".join(found))
        counts = {role: User.objects.filter(is_active=True, role=role).count() for role in ADMINISTRATORS}
        self.stdout.write(
            "separation of duties: no superuser; " + ", ".join(f"{role} accounts: {n}" for role, n in counts.items())
        )
