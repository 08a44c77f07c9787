import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from reports import load_data
from reports.load_vocabulary import DELEGATIONS, DEPARTMENTS


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def day(value):
    return datetime.date.fromisoformat(value)


class Command(BaseCommand):
    help = (
        "Fill an empty database with a national-scale data set for the load benchmark: sessions a year "
        "apart, about 210 departments, 3,000 deputies and --proposals proposals through the whole "
        "workflow (replies, feedback, re-handling, events and their audit entries), written with COPY. "
        "Deterministic for a given --seed and --today. Refuses a database that holds proposals unless "
        "--reset is given."
    )

    def add_arguments(self, parser):
        o = load_data.Options()
        parser.add_argument("--proposals", type=positive, default=o.proposals, help="how many (default %(default)s)")
        parser.add_argument("--seed", type=int, default=o.seed, help="random seed (default %(default)s)")
        parser.add_argument(
            "--sessions", type=positive, default=o.sessions, help="yearly sessions (default %(default)s)"
        )
        parser.add_argument(
            "--departments",
            type=positive,
            default=o.departments,
            help=f"at most {len(DEPARTMENTS)} (default %(default)s)",
        )
        parser.add_argument("--deputies", type=positive, default=o.deputies, help="(default %(default)s)")
        parser.add_argument(
            "--delegations",
            type=positive,
            default=o.delegations,
            help=f"at most {len(DELEGATIONS)} (default %(default)s)",
        )
        parser.add_argument("--coordinators", type=positive, default=o.coordinators, help="(default %(default)s)")
        parser.add_argument(
            "--bench-accounts",
            type=positive,
            default=o.bench_accounts,
            help="bench_* accounts of each role (default %(default)s)",
        )
        parser.add_argument(
            "--today",
            type=day,
            default=None,
            help="the day the data is as of, YYYY-MM-DD (default: today in Asia/Shanghai). Overdue and due-soon "
            "states are computed by the app from the real date, so generate on the day you benchmark.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first empty every table of the project's apps except the working calendar: proposals, replies, "
            "accounts, sessions, the audit log. For a scratch database only; asks first unless --no-input.",
        )
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="do not ask before --reset"
        )

    def handle(self, *args, **options):
        if options["departments"] > len(DEPARTMENTS):
            raise CommandError(f"--departments: at most {len(DEPARTMENTS)}")
        if options["delegations"] > len(DELEGATIONS):
            raise CommandError(f"--delegations: at most {len(DELEGATIONS)}")
        if options["deputies"] < max(options["bench_accounts"], options["delegations"]):
            raise CommandError("--deputies must be at least --bench-accounts and --delegations")
        o = load_data.Options(
            proposals=options["proposals"],
            seed=options["seed"],
            sessions=options["sessions"],
            departments=options["departments"],
            deputies=options["deputies"],
            delegations=options["delegations"],
            coordinators=max(options["coordinators"], options["bench_accounts"]),
            bench_accounts=options["bench_accounts"],
            today=options["today"] or timezone.localdate(),
        )
        say = self.stdout.write
        database = connection.settings_dict["NAME"]
        if options["reset"]:
            if options["interactive"]:
                answer = input(
                    f"--reset empties every table of database {database!r} but the working calendar."
                    " Type 'yes' to go on: "
                )
                if answer.strip() != "yes":
                    raise CommandError("Nothing was changed.")
            load_data.reset_database(say)
        elif load_data.holds_proposals():
            raise CommandError(
                "This database already holds proposals; generate_load_data fills an empty database. "
                "Use a scratch database (DATABASE_URL=…), or add --reset to empty this one first "
                "(it removes every proposal, reply, account and audit entry)."
            )
        found = load_data.conflicts(o)
        if found:
            raise CommandError(
                "This database already holds some of what would be generated ("
                + "; ".join(found)
                + "). Add --reset to empty it first."
            )
        self.stdout.write(
            f"Generating {o.proposals:,} proposals in {o.sessions} sessions, {o.departments} departments, "
            f"{o.deputies:,} deputies into database {database!r} (seed {o.seed}, as of {o.today:%Y-%m-%d})"
        )
        gen = load_data.Generator(o, say=say).run()
        self.report(gen)

    def report(self, gen):
        w = self.stdout.write
        w("")
        cpu = f"; CPU: generator {gen.python_cpu:.0f} s"
        if gen.backend_cpu is not None:
            cpu += f", PostgreSQL loading connections {gen.backend_cpu:.0f} s"
        w(f"Done in {gen.elapsed:.0f} s{cpu}. Rows written:")
        for key in load_data.ORDER:
            if gen.counts.get(key):
                w(f"  {load_data.TABLES[key][0]._meta.db_table:<36} {gen.counts[key]:>10,}")
        w("  (and one accounts_auditentry per event, written by the database trigger)")
        w("Sessions:")
        for s in gen.sessions:
            w(f"  {s.name}  opened {s.opens_on:%Y-%m-%d}  {s.count:,} proposals, {s.last_number:,} registered")
        states = {k.split(":", 1)[1]: v for k, v in sorted(gen.stats.items()) if k.startswith("status:")}
        w("Proposals by status: " + ", ".join(f"{k} {v:,}" for k, v in states.items()))
        w(f"COPY time summed over the writer connections: {sum(t for _l, _n, t in gen.timings):.0f} s; by table (s):")
        w("  " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(gen.table_seconds.items(), key=lambda kv: -kv[1])))
        w("")
        w(f"Accounts (password for every generated account: {settings.DEMO_PASSWORD}):")
        for role in ("coordinator", "clerk", "leader", "deputy"):
            for username, where in gen.bench[role]:
                w(f"  {username:<22} {role:<12} {where}")
        w("  others: coordinator_N, dNNN_clerkN / dNNN_leader (department N in the list), deputy_NNNN,")
        w("          load_sysadmin, load_secadmin, load_auditor")
        if gen.devices:
            w("Two-factor sign-in (TOTP secrets, accounts.two_factor.code_at(secret, current_step())):")
            for username, secret in gen.devices:
                w(f"  {username:<22} {secret}")
