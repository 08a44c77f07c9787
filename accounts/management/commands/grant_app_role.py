"""Sets up the database role the application runs as, apart from the role that owns the tables.

The append-only triggers (the audit log, the proposal event log, the reply versions) stop the
application's UPDATE and DELETE; they cannot stop the tables' owner, who may TRUNCATE or drop a
trigger. So in production the owner only migrates (and archives the audit log), and gunicorn and
the worker connect as this role, which may read and write rows but:

- owns nothing, so it cannot TRUNCATE, ALTER or DROP any table or trigger;
- has no UPDATE or DELETE on the append-only tables (found by their `*_append_only` triggers, so a
  new one is covered without changing this command), nor any write on django_migrations.

Run as the owner after every `migrate` (new tables need their grants); docker-compose.yml does.
The password comes from an environment variable, never the command line (ps shows that).
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

APPEND_ONLY_TABLES = """
SELECT DISTINCT c.relname
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgname LIKE '%%\\_append\\_only' AND n.nspname = current_schema()
ORDER BY c.relname
"""


def append_only_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(APPEND_ONLY_TABLES)
        return [name for (name,) in cursor.fetchall()]


class Command(BaseCommand):
    help = "Create or update the non-owner database role the application connects as (run as the owner)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the application's role name, e.g. jianyi_app")
        parser.add_argument(
            "--password-env",
            default="APP_DB_PASSWORD",
            help="the environment variable holding the role's password (default APP_DB_PASSWORD); "
            "if unset the role gets no password (for trust or certificate authentication)",
        )

    @transaction.atomic
    def handle(self, role, password_env, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
            if role == owner:
                raise CommandError(f"{role} is the role running this command (the owner); name another role")
            name = sql.Identifier(role)
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            password = os.environ.get(password_env, "")
            options_sql = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION")
            if password:
                options_sql = sql.SQL("{} PASSWORD {}").format(options_sql, sql.Literal(password))
            cursor.execute(sql.SQL("{} ROLE {} {}").format(sql.SQL(verb), name, options_sql))
            schema = sql.Identifier(connection.settings_dict.get("OPTIONS", {}).get("schema", "public"))
            statements = [
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, name),
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(schema, name),
                sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, name),
                sql.SQL("REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {}").format(name),
            ]
            tables = append_only_tables()
            statements += [
                sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), name) for table in tables
            ]
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"{role}: {verb.lower()}d; reads and writes the tables owned by {owner}, "
            f"without UPDATE or DELETE on {', '.join(tables)}"
        )
