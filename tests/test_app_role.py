"""The application's database role (manage.py grant_app_role): it works with every table the app
uses but cannot change or remove the evidence in the append-only tables, even by TRUNCATE or by
dropping a trigger — which the table owner could."""

import os

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

ROLE = f"jianyi_app_test_{os.getpid()}"
APPEND_ONLY = ["accounts_auditentry", "proposals_proposalevent", "replies_replyversion"]


@pytest.fixture
def app_role(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone()[0], "the test database user must be allowed to create roles"
    call_command("grant_app_role", ROLE, password_env="UNSET_FOR_THIS_TEST")
    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": ROLE,
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        yield conn
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{ROLE}"; DROP ROLE "{ROLE}"')  # nosec B608 - a fixed name


def refused(conn, statement):
    try:
        conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_the_command_finds_every_append_only_table(db):
    from accounts.management.commands.grant_app_role import append_only_tables

    assert append_only_tables() == sorted(APPEND_ONLY)


def test_the_app_role_reads_and_writes_ordinary_tables(app_role):
    app_role.execute("INSERT INTO accounts_delegation (name) VALUES ('测试代表团')")
    app_role.execute("UPDATE accounts_delegation SET name = '测试代表团二' WHERE name = '测试代表团'")
    app_role.execute("DELETE FROM accounts_delegation WHERE name = '测试代表团二'")
    app_role.execute(
        "INSERT INTO accounts_auditentry (time, username, action, object_type, object_id, object_label, outcome,"
        " details) VALUES (now(), 'x', 'login', '', '', '', 'success', '{}')"
    )
    assert app_role.execute("SELECT count(*) FROM accounts_auditentry").fetchone()[0] == 1


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_app_role_cannot_update_delete_or_truncate_an_append_only_table(app_role, table):
    assert refused(app_role, f"UPDATE {table} SET id = id")  # noqa: S608  # nosec B608
    assert refused(app_role, f"DELETE FROM {table}")  # noqa: S608  # nosec B608
    assert refused(app_role, f"TRUNCATE {table}")


def test_the_app_role_cannot_drop_a_trigger_or_a_table_or_rewrite_the_migration_history(app_role):
    assert refused(app_role, "DROP TRIGGER accounts_audit_append_only ON accounts_auditentry")
    assert refused(app_role, "ALTER TABLE accounts_auditentry DISABLE TRIGGER ALL")
    assert refused(app_role, "DROP TABLE accounts_delegation")
    assert refused(app_role, "DELETE FROM django_migrations")


def test_the_owner_is_refused_as_the_app_role(db):
    from django.core.management.base import CommandError

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="the owner"):
        call_command("grant_app_role", owner)
