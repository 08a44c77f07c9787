"""Settings fail loudly and clearly; the dev tool and the settings agree on DATABASE_URL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import parse_database_url
from tools import dev

ROOT = Path(__file__).resolve().parents[2]
PROD = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "jianyi.example.gov.cn",
    "DATABASE_URL": "postgresql://app:secret@db.internal:5433/jianyi",
    "HTTPS": "true",
}


def django_check(env_changes, *args):
    test_only = {"STATIC_MANIFEST", "EMAIL_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set for the tests by pytest-env
    env = {k: v for k, v in os.environ.items() if k not in PROD and k not in test_only}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_full_database_url_is_parsed():
    db = parse_database_url("postgresql://app:p%40ss@db.internal:5433/jianyi?sslmode=require")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app",
        "p@ss",
        "db.internal",
        "5433",
        "jianyi",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_a_unix_socket_database_url_is_parsed():
    db = parse_database_url("postgresql://postgres@/jianyi?host=/work/var/pg/run")
    assert db["HOST"] == "/work/var/pg/run"
    assert db["OPTIONS"] == {}


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@localhost/jianyi",
        "sqlite:///db.sqlite3",
        "postgresql://app@db.internal:notaport/jianyi",
        "postgresql://app@db.internal:5432/",
        "postgresql://app@db.internal:5432",
    ],
)
def test_a_bad_database_url_is_refused_the_same_way_by_settings_and_the_dev_tool(url):
    with pytest.raises(ImproperlyConfigured) as settings_error:
        parse_database_url(url)
    with pytest.raises(dev.Stop) as tool_error:
        dev.check_database_url(url)
    assert str(settings_error.value) == str(tool_error.value)


def test_manage_py_stops_with_one_clear_line_on_a_malformed_database_url():
    result = django_check({**PROD, "DATABASE_URL": "postgresql://app@db:bad/jianyi"})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: DATABASE_URL is malformed (Port could not be cast to integer value as 'bad'); "
        "expected postgresql://USER:PASSWORD@HOST:PORT/NAME"
    ]


def test_manage_py_stops_with_one_clear_line_without_a_database_url():
    result = django_check({k: v for k, v in PROD.items() if k != "DATABASE_URL"})
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "DATABASE_URL is not set" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = django_check({**PROD, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_or_django_insecure_secret_key():
    assert "SECRET_KEY must be set" in django_check({**PROD, "SECRET_KEY": "short"}).stderr
    insecure = "django-insecure-" + "x1y2z3" * 10
    assert "SECRET_KEY must be set" in django_check({**PROD, "SECRET_KEY": insecure}).stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = django_check({**PROD, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = django_check(PROD, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_non_boolean_debug_is_refused():
    result = django_check({**PROD, "DEBUG": "maybe"})
    assert "DEBUG must be true or false" in result.stderr


def test_manage_py_stops_with_one_clear_line_in_an_empty_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: SECRET_KEY must be set to a random string of at least 50 characters when DEBUG is off "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
    ]


def test_a_query_run_again_and_again_on_a_connection_is_prepared_once(db):
    from django.db import connection

    from proposals.models import Session

    for _ in range(6):
        list(Session.objects.filter(pk=0))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "proposals_session" WHERE "proposals_session"."id" = $1' in sql for sql in prepared)


def test_preparing_can_be_turned_off_for_a_pooler_that_cannot_keep_prepared_statements():
    script = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    env = {**os.environ, "DB_PREPARE_THRESHOLD": "0"}
    command = [sys.executable, "manage.py", "shell", "-c", script]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip().splitlines()[-1] == "None", run.stderr
