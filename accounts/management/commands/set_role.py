"""manage.py set_role <username> <role> --reason "…" [--department NAME]

For the operator with server access, to bootstrap an installation that has no security
administrator yet (三员分立: only a security administrator changes roles in the app). The same
rules as the 变更角色 page apply (accounts.roles), and the change is audited as ROLE_CHANGED with
no user and `via: command_line` plus the operating-system account that ran it."""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts import roles
from accounts.models import Department, Role, User


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return ""


class Command(BaseCommand):
    help = "Change an account's role (三员分立 bootstrap: e.g. grant the first security administrator), audited."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", help=f"one of: {', '.join(Role.values)}")
        parser.add_argument("--reason", required=True, help="why; kept in the audit log")
        parser.add_argument(
            "--department",
            default="",
            help="full or short name of the department (required for clerk and leader)",
        )

    def handle(self, *args, username, role, reason, department, **options):
        if role not in Role.values:
            raise CommandError(f"unknown role {role!r}; one of: {', '.join(Role.values)}")
        user = User.objects.select_related("department").filter(username=username).first()
        if user is None:
            raise CommandError(f"no account with the username {username!r}")
        unit = None
        if department:
            units = list(Department.objects.filter(Q(name=department) | Q(short_name=department))[:2])
            if len(units) != 1:
                raise CommandError(f"{'no' if not units else 'more than one'} department named {department!r}")
            unit = units[0]
        elif role == Role.COORDINATOR:
            unit = user.department  # a coordinator keeps the office they work for
        old = user.get_role_display()
        try:
            user = roles.change_role(
                user,
                new_role=role,
                department=unit,
                reason=reason,
                via=roles.VIA_COMMAND_LINE,
                os_user=_os_user(),
            )
        except roles.RoleChangeRefused as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(f"{user.username}: {old} → {user.get_role_display()}; their sessions have ended (audited)")
