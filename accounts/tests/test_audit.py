"""The audit log: record(), the append-only trigger, and the hooks in accounts (sign-in,
sign-out, password change, user administration, denials)."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AuditAction, AuditEntry, AuditOutcome, Department, Role, User
from conftest import PASSWORD

LOGIN = "accounts:login"


def only(**lookup):
    entries = list(AuditEntry.objects.filter(**lookup))
    assert len(entries) == 1, entries
    return entries[0]


# --- record() -----------------------------------------------------------------------------


def test_it_records_who_did_what_to_which_object_from_where(rf, clerk_a, department_a):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    request.user = clerk_a
    entry = audit.record(request, AuditAction.SETTINGS_CHANGED, obj=department_a, fields=["phone"])
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.user, entry.username, entry.source_address) == (clerk_a, "p_clerk_a", "10.1.2.3")
    assert (entry.object_type, entry.object_id, entry.object_label) == (
        "accounts.department",
        str(department_a.pk),
        "吉林省科学技术厅",
    )
    assert (entry.outcome, entry.details) == (AuditOutcome.SUCCESS, {"fields": ["phone"]})
    assert timezone.now() - entry.time < datetime.timedelta(minutes=1)


def test_it_refuses_an_unknown_action_without_raising(db):
    assert audit.record(None, "made_up") is None
    assert audit.record(None, AuditAction.LOGIN, outcome="maybe") is None
    assert not AuditEntry.objects.exists()


def test_it_keeps_unusual_input_instead_of_failing_the_callers_transaction(db, deputy):
    class Unprintable:
        def __str__(self):
            raise RuntimeError("no")

    with transaction.atomic():
        entry = audit.record(
            None,
            AuditAction.DOWNLOAD,
            user=deputy,
            when=datetime.date(2024, 5, 14),
            thing=object(),
            text="a\x00b",
        )
        entry_of_bad_object = audit.record(None, AuditAction.DOWNLOAD, obj=Unprintable(), user=deputy)
        long_name = audit.record(None, AuditAction.LOGIN_FAILED, username="x" * 1000)
        # the transaction is intact: it can still write
        User.objects.filter(pk=deputy.pk).update(phone="123")
    entry.refresh_from_db()
    assert entry.details["when"] == "2024-05-14" and entry.details["text"] == "ab"
    assert entry.details["thing"].startswith("<object")
    assert entry_of_bad_object.object_type == "Unprintable" and entry_of_bad_object.object_label == ""
    assert len(AuditEntry.objects.get(pk=long_name.pk).username) == 150


def test_it_keeps_the_username_of_an_unsaved_user_and_no_address_without_a_request(db):
    entry = audit.record(None, AuditAction.LOGIN_FAILED, user=User(username="ghost"))
    assert entry.user is None and entry.username == "ghost" and entry.source_address is None


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1", "10.0.0.1"),  # the header is ignored unless proxies are trusted
        (1, "1.1.1.1", "10.0.0.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "10.0.0.1", "1.1.1.1"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "10.0.0.1", "1.1.1.1"),
        (1, "not-an-address", "10.0.0.1", None),
        (0, "", "bogus", None),
    ],
)
def test_the_source_address_trusts_x_forwarded_for_only_as_far_as_configured(
    rf, settings, proxies, forwarded, remote, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert audit.client_address(request) == expected


def test_the_user_stays_named_when_the_account_is_deleted(db, sysadmin):
    user = User.objects.create_user("temporary", full_name="临时", role=Role.SYSADMIN)
    entry = audit.record(None, AuditAction.LOGIN, user=user)
    user.delete()
    entry = AuditEntry.objects.for_list().get(pk=entry.pk)
    assert entry.user is None and entry.username == "temporary"


# --- append-only --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditentry SET outcome = 'failure'",
        "DELETE FROM accounts_auditentry",
    ],
)
def test_the_database_refuses_to_change_or_remove_an_entry(db, sql):
    audit.record(None, AuditAction.LOGIN_FAILED, username="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.get().outcome == AuditOutcome.SUCCESS


def test_the_archive_escape_lets_only_rows_before_the_declared_cutoff_be_deleted_and_never_updated(db):
    cutoff = timezone.now()
    old = AuditEntry.objects.create(action=AuditAction.LOGIN, username="old", time=cutoff - datetime.timedelta(1))
    new = audit.record(None, AuditAction.LOGIN_FAILED, username="new")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jianyi.audit_archive_before', %s, true)", [cutoff.isoformat()])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("UPDATE accounts_auditentry SET username = 'x' WHERE id = %s", [old.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("DELETE FROM accounts_auditentry WHERE id = %s", [new.pk])
        cursor.execute("DELETE FROM accounts_auditentry WHERE id = %s", [old.pk])
        assert list(AuditEntry.objects.values_list("username", flat=True)) == ["new"]
        cursor.execute("SELECT set_config('jianyi.audit_archive_before', '', true)")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("DELETE FROM accounts_auditentry")


# --- sign-in, sign-out, password ----------------------------------------------------------


def test_signing_in_is_recorded_with_the_source_address(client, clerk_a):
    client.post(reverse(LOGIN), {"username": "p_clerk_a", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7")
    entry = only(action=AuditAction.LOGIN)
    assert (entry.user, entry.source_address, entry.outcome) == (clerk_a, "192.0.2.7", AuditOutcome.SUCCESS)


def test_a_failed_sign_in_is_recorded_with_the_name_typed_and_never_the_password(client, clerk_a):
    client.post(reverse(LOGIN), {"username": "p_clerk_a", "password": "wrong-one"}, REMOTE_ADDR="192.0.2.8")
    entry = only(action=AuditAction.LOGIN_FAILED)
    assert (entry.username, entry.source_address, entry.outcome) == ("p_clerk_a", "192.0.2.8", AuditOutcome.FAILURE)
    assert entry.user is None
    assert "wrong-one" not in str(entry.details)


def test_signing_out_is_recorded(client, clerk_a):
    client.force_login(clerk_a)
    client.post(reverse("accounts:logout"), REMOTE_ADDR="192.0.2.9")
    entry = only(action=AuditAction.LOGOUT)
    assert (entry.user, entry.source_address) == (clerk_a, "192.0.2.9")


def test_a_password_change_is_recorded(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Neues-Kennwort-77", "new_password2": "Neues-Kennwort-77"},
    )
    assert response.status_code == 302
    entry = only(action=AuditAction.PASSWORD_CHANGED)
    assert entry.user == clerk_a and entry.object_id == str(clerk_a.pk)
    assert "Neues" not in str(entry.details)


def test_a_refused_password_change_records_nothing(client, clerk_a):
    client.force_login(clerk_a)
    client.post(
        reverse("accounts:password_change"), {"old_password": "wrong", "new_password1": "a", "new_password2": "a"}
    )
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGED).exists()


# --- user administration ------------------------------------------------------------------


def test_an_administrators_change_of_department_and_active_flag_is_recorded_with_old_and_new(
    client, sysadmin, clerk_a, department_b
):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:accounts_user_change", args=[clerk_a.pk]),
        {
            "username": clerk_a.username,
            "full_name": clerk_a.full_name,
            "email": clerk_a.email,
            "phone": "",
            "department": department_b.pk,
            "is_active": "",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = only(action=AuditAction.USER_CHANGED)
    assert entry.user == sysadmin and entry.object_id == str(clerk_a.pk)
    assert entry.details["changes"] == {
        "department": ["吉林省科学技术厅", "吉林省教育厅"],
        "is_active": [True, False],
    }


def test_creating_a_user_in_the_admin_records_the_role(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new_coordinator",
            "full_name": "新交办员",
            "role": Role.COORDINATOR,
            "department": "",
            "email": "a@example.gov.cn",
            "password1": "Lang-genug-2024",
            "password2": "Lang-genug-2024",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = only(action=AuditAction.USER_CREATED)
    assert entry.details["role"] == Role.COORDINATOR and entry.object_label == "新交办员"


def test_saving_a_user_without_role_or_department_changes_records_no_change(client, sysadmin, clerk_a):
    department = Department.objects.get(pk=clerk_a.department_id)
    client.force_login(sysadmin)
    client.post(
        reverse("admin:accounts_user_change", args=[clerk_a.pk]),
        {
            "username": clerk_a.username,
            "full_name": "新名字",
            "email": clerk_a.email,
            "department": department.pk,
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert User.objects.get(pk=clerk_a.pk).full_name == "新名字"
    assert not AuditEntry.objects.filter(action=AuditAction.USER_CHANGED).exists()


# --- denials ------------------------------------------------------------------------------


def test_a_403_is_recorded_as_a_denial(client, deputy):
    client.force_login(deputy)
    assert client.get(reverse("proposals:dashboard"), REMOTE_ADDR="192.0.2.10").status_code == 403
    entry = only(action=AuditAction.DENIED)
    assert (entry.user, entry.outcome, entry.source_address) == (deputy, AuditOutcome.DENIED, "192.0.2.10")
    assert entry.details["status"] == 403 and entry.details["view"] == "proposals:dashboard"


def test_a_404_on_an_object_url_is_recorded_for_a_signed_in_user(client, deputy):
    client.force_login(deputy)
    assert client.get(reverse("proposals:detail", args=[999999])).status_code == 404
    entry = only(action=AuditAction.DENIED)
    assert entry.details["status"] == 404 and entry.details["arguments"] == {"pk": 999999}


def test_404s_that_name_no_object_or_come_from_anonymous_visitors_are_not_recorded(client, deputy):
    client.get(reverse("proposals:detail", args=[999999]))  # anonymous: sent to sign in
    client.get("/no/such/page/")
    client.force_login(deputy)
    client.get("/no/such/page/")
    assert not AuditEntry.objects.filter(action=AuditAction.DENIED).exists()
