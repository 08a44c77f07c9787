import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import lockout
from accounts.models import AuditAction, AuditEntry, LockKind, LoginFailure, LoginLock, Role
from conftest import PASSWORD, make_user

LOGIN = reverse("accounts:login")
USERS = reverse("accounts:security_users")
LOCKS = reverse("accounts:security_lockouts")
UNLOCK = reverse("accounts:unlock")
WRONG = "用户名或密码不正确，请重新输入。"
LOCKED = "登录失败次数过多，请30分钟后再试，或联系安全管理员解锁。"


def login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def page(response):
    return response.content.decode()


def is_signed_in(client):
    return "_auth_user_id" in client.session


def fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        login(client, username, "not-the-password", address)


def lockouts():
    return AuditEntry.objects.filter(action=AuditAction.LOCKOUT)


def age(minutes):
    """Moves every failure and lock back in time, as if `minutes` had passed."""
    delta = datetime.timedelta(minutes=minutes)
    for failure in LoginFailure.objects.all():
        LoginFailure.objects.filter(pk=failure.pk).update(at=failure.at - delta)
    for lock in LoginLock.objects.all():
        LoginLock.objects.filter(pk=lock.pk).update(
            locked_at=lock.locked_at - delta, locked_until=lock.locked_until - delta
        )


# --- locking -------------------------------------------------------------------------------------


def test_four_wrong_passwords_do_not_lock(client, deputy):
    fail(client, deputy.username, 4)
    assert is_signed_in(client) is False
    login(client, deputy.username, PASSWORD)
    assert is_signed_in(client)


def test_the_fifth_wrong_password_locks_the_account_and_says_so(client, deputy):
    fail(client, deputy.username, 4)
    assert LOCKED in page(login(client, deputy.username, "not-the-password"))


def test_a_locked_account_refuses_even_the_right_password(client, deputy):
    fail(client, deputy.username, 5)
    response = login(client, deputy.username, PASSWORD)
    assert response.status_code == 200
    assert LOCKED in page(response) and WRONG not in page(response)
    assert is_signed_in(client) is False


def test_the_lock_does_not_check_the_password_at_all(client, deputy):
    fail(client, deputy.username, 5)
    before = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count()
    login(client, deputy.username, "yet-another-wrong-one")
    # no authentication ran: Django's failed-login signal (audited) did not fire
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == before


def test_the_user_name_is_counted_whatever_its_case(client, deputy):
    fail(client, deputy.username.upper(), 5, address="10.0.0.1")
    assert LOCKED in page(login(client, deputy.username, PASSWORD, address="10.0.0.2"))


@pytest.mark.django_db
def test_an_unknown_user_name_gets_exactly_the_same_messages(client, deputy):
    def strip(html, name):
        return re.sub(r"[A-Za-z0-9]{64}", "", html.replace(name, ""))

    for attempt in range(6):
        unknown = page(login(client, "nobody-here", "whatever", address="10.0.0.1"))
        known = page(login(client, deputy.username, "whatever", address="10.0.0.2"))
        assert strip(unknown, "nobody-here") == strip(known, deputy.username)
        assert (LOCKED if attempt >= 4 else WRONG) in unknown


@pytest.mark.django_db
def test_an_unknown_user_refused_by_a_locked_address_gets_the_same_message(client, deputy):
    fail(client, deputy.username, 5, address="10.0.0.9")
    other = Client()
    by_address = page(login(other, "nobody-here", "whatever", address="10.0.0.9"))
    by_account = page(login(other, deputy.username, PASSWORD, address="10.0.0.8"))
    assert LOCKED in by_address
    assert re.sub(r"[A-Za-z0-9]{64}", "", by_address.replace("nobody-here", "")) == re.sub(
        r"[A-Za-z0-9]{64}", "", by_account.replace(deputy.username, "")
    )


def test_an_address_is_locked_after_five_failures_across_different_names(client, deputy, clerk_a):
    for n in range(5):
        login(client, f"guess{n}", "whatever", address="10.0.0.7")
    # a real account, never tried, is refused from that address
    assert LOCKED in page(login(client, clerk_a.username, PASSWORD, address="10.0.0.7"))
    # but not from another one
    login(client, clerk_a.username, PASSWORD, address="10.0.0.8")
    assert is_signed_in(client)


def test_the_address_is_the_one_the_trusted_proxy_saw(client, settings, deputy):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        client.post(
            LOGIN,
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.5",
        )
    assert LoginLock.objects.active().filter(kind=LockKind.ADDRESS, key="203.0.113.5").exists()


def test_the_lock_ends_after_thirty_minutes(client, deputy):
    fail(client, deputy.username, 5)
    age(29)
    assert LOCKED in page(login(client, deputy.username, PASSWORD))
    age(1)
    login(client, deputy.username, PASSWORD)
    assert is_signed_in(client)


def test_after_a_lock_ends_the_count_starts_afresh(client, deputy):
    fail(client, deputy.username, 5)
    age(30)
    fail(client, deputy.username, 4)
    login(client, deputy.username, PASSWORD)
    assert is_signed_in(client)


def test_failures_older_than_the_window_do_not_count(client, deputy):
    fail(client, deputy.username, 4)
    age(31)
    fail(client, deputy.username, 4)
    login(client, deputy.username, PASSWORD)
    assert is_signed_in(client)


def test_a_successful_login_clears_the_accounts_failures(client, deputy):
    fail(client, deputy.username, 4, address="10.0.0.1")
    login(client, deputy.username, PASSWORD, address="10.0.0.2")
    assert is_signed_in(client)
    fail(Client(), deputy.username, 4, address="10.0.0.3")
    other = Client()
    login(other, deputy.username, PASSWORD, address="10.0.0.3")
    assert is_signed_in(other)


def test_a_successful_login_does_not_clear_the_addresss_failures(client, deputy, clerk_a):
    for n in range(4):
        login(client, f"guess{n}", "whatever", address="10.0.0.7")
    login(Client(), clerk_a.username, PASSWORD, address="10.0.0.7")
    assert LOCKED in page(login(client, "guess9", "whatever", address="10.0.0.7"))


def test_a_hundred_wrong_passwords_lock_and_audit_the_lock_once(client, deputy):
    for _ in range(100):
        login(client, deputy.username, "not-the-password")
    assert LOCKED in page(login(client, deputy.username, PASSWORD))
    assert is_signed_in(client) is False
    (entry,) = lockouts()
    assert entry.username == deputy.username
    assert entry.source_address == "10.0.0.1"
    assert entry.outcome == "failure"
    assert {(each["kind"], each["key"]) for each in entry.details["locked"]} == {
        ("username", deputy.username),
        ("address", "10.0.0.1"),
    }
    # refused attempts are not counted: the lock ends on time
    assert LoginFailure.objects.count() == 5


def test_each_new_lock_is_audited_again(client, deputy):
    fail(client, deputy.username, 5)
    age(30)
    fail(client, deputy.username, 5)
    assert lockouts().count() == 2


def test_a_racing_attempt_cannot_take_a_lock_twice(deputy):
    now = timezone.now()
    assert lockout._take(LockKind.USERNAME, "x", now, 5) is True
    assert lockout._take(LockKind.USERNAME, "x", now, 6) is False
    assert LoginLock.objects.get(key="x").failures == 5


def test_the_settings_change_the_numbers(client, settings, deputy):
    settings.LOCKOUT_FAILURES = 3
    settings.LOCKOUT_ADDRESS_FAILURES = 10
    settings.LOCKOUT_MINUTES = 10
    fail(client, deputy.username, 3)
    assert "登录失败次数过多，请10分钟后再试" in page(login(client, deputy.username, PASSWORD))
    assert not LoginLock.objects.filter(kind=LockKind.ADDRESS).exists()
    age(10)
    login(client, deputy.username, PASSWORD)
    assert is_signed_in(client)


def test_zero_failures_switches_a_lock_off(client, settings, deputy):
    settings.LOCKOUT_FAILURES = 0
    settings.LOCKOUT_ADDRESS_FAILURES = 0
    fail(client, deputy.username, 8)
    login(client, deputy.username, PASSWORD)
    assert is_signed_in(client)


def test_the_defaults_are_five_failures_and_thirty_minutes():
    from django.conf import settings

    assert (settings.LOCKOUT_FAILURES, settings.LOCKOUT_ADDRESS_FAILURES, settings.LOCKOUT_MINUTES) == (5, 5, 30)


# --- unlocking -----------------------------------------------------------------------------------


def locked(client, user):
    fail(client, user.username, 5)
    return LoginLock.objects.get(kind=LockKind.USERNAME, key=user.username)


def test_the_security_administrator_unlocks_an_account_and_the_user_signs_in(client, deputy, secadmin):
    lock = locked(Client(), deputy)
    admin = Client()
    admin.force_login(secadmin)
    response = admin.post(UNLOCK, {"lock": lock.pk})
    assert response["Location"] == LOCKS
    assert "已解除“" in page(admin.get(LOCKS))
    login(client, deputy.username, PASSWORD)
    assert is_signed_in(client)
    (entry,) = AuditEntry.objects.filter(action=AuditAction.UNLOCK)
    assert entry.user == secadmin
    assert entry.object_id == str(deputy.pk)
    assert {(each["kind"], each["key"]) for each in entry.details["unlocked"]} == {
        ("username", deputy.username),
        ("address", "10.0.0.1"),
    }


def test_an_address_can_be_unlocked_on_its_own(client, deputy, secadmin):
    for n in range(5):
        login(client, f"guess{n}", "whatever", address="10.0.0.7")
    lock = LoginLock.objects.get(kind=LockKind.ADDRESS)
    client.force_login(secadmin)
    client.post(UNLOCK, {"lock": lock.pk})
    other = Client()
    login(other, deputy.username, PASSWORD, address="10.0.0.7")
    assert is_signed_in(other)


def test_after_an_unlock_the_count_starts_afresh(client, deputy, secadmin):
    lock = locked(client, deputy)
    admin = Client()
    admin.force_login(secadmin)
    admin.post(UNLOCK, {"lock": lock.pk})
    fail(client, deputy.username, 1)
    login(client, deputy.username, PASSWORD)
    assert is_signed_in(client)


def test_unlocking_a_lock_that_has_ended_says_so_and_audits_nothing(client, deputy, secadmin):
    lock = locked(Client(), deputy)
    age(30)
    client.force_login(secadmin)
    response = client.post(UNLOCK, {"lock": lock.pk}, follow=True)
    assert "该锁定已解除或已到期" in page(response)
    assert not AuditEntry.objects.filter(action=AuditAction.UNLOCK).exists()


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_an_unknown_or_malformed_lock_gets_a_chinese_message(client, secadmin, value):
    client.force_login(secadmin)
    response = client.post(UNLOCK, {"lock": value}, follow=True)
    assert response.status_code == 200
    assert "该锁定已解除或已到期" in page(response)


def test_unlock_returns_to_a_local_next_page_only(client, deputy, secadmin):
    lock = locked(Client(), deputy)
    client.force_login(secadmin)
    assert client.post(UNLOCK, {"lock": lock.pk, "next": "https://evil.example/"})["Location"] == LOCKS


@pytest.mark.parametrize("persona", ["deputy", "clerk_a", "coordinator", "sysadmin", "auditor"], indirect=True)
def test_other_roles_cannot_unlock(client, persona, deputy):
    lock = locked(Client(), deputy)
    client.force_login(persona)
    assert client.post(UNLOCK, {"lock": lock.pk}).status_code == 403
    assert LoginLock.objects.active().filter(pk=lock.pk).exists()


def test_the_account_list_marks_locked_accounts_with_an_unlock_button(client, deputy, cosigner, secadmin):
    lock = locked(Client(), deputy)
    client.force_login(secadmin)
    html = page(client.get(USERS))
    assert html.count("已锁定") == 1
    assert f'name="lock" value="{lock.pk}"' in html
    assert f'href="{LOCKS}"' in html


def test_the_lock_list_shows_accounts_and_addresses_locked_now(client, deputy, secadmin):
    locked(Client(), deputy)
    LoginLock.objects.create(
        kind=LockKind.ADDRESS,
        key="192.0.2.99",
        locked_at=timezone.now() - datetime.timedelta(hours=2),
        locked_until=timezone.now() - datetime.timedelta(hours=1),
    )
    client.force_login(secadmin)
    html = page(client.get(LOCKS))
    assert deputy.username in html and "10.0.0.1" in html
    assert "192.0.2.99" not in html


@pytest.mark.parametrize("count", [2, 60])
def test_the_lock_list_runs_a_fixed_number_of_queries(client, secadmin, django_assert_num_queries, count):
    now = timezone.now()
    until = now + datetime.timedelta(minutes=30)
    LoginLock.objects.bulk_create(
        LoginLock(kind=LockKind.ADDRESS, key=f"10.1.0.{n}", locked_at=now, locked_until=until) for n in range(count)
    )
    client.force_login(secadmin)
    # session, user, unread notifications (header), count, page
    with django_assert_num_queries(5):
        assert client.get(LOCKS).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_account_list_still_runs_a_fixed_number_of_queries_with_locks(
    client, secadmin, department_a, django_assert_num_queries, count
):
    for n in range(count):
        user = make_user(f"u{n:03}", Role.CLERK, department=department_a)
        now = timezone.now()
        LoginLock.objects.create(
            kind=LockKind.USERNAME, key=user.username, locked_at=now, locked_until=now + datetime.timedelta(minutes=5)
        )
    client.force_login(secadmin)
    with django_assert_num_queries(5):
        assert page(client.get(USERS)).count("已锁定") == min(count, 50)


# --- housekeeping --------------------------------------------------------------------------------


def test_the_purge_deletes_only_what_no_longer_counts(client, deputy):
    fail(client, deputy.username, 5)
    login(client, "someone", "x", address="10.0.0.2")
    age(61)
    login(client, "someone-else", "x", address="10.0.0.3")
    lockout.purge()
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["someone-else"]
    assert not LoginLock.objects.exists()


def test_the_purge_is_a_daily_periodic_job():
    from procrastinate.contrib.django import app

    from accounts import tasks

    assert tasks.purge_login_failures.name in {t.task.name for t in app.periodic_registry.periodic_tasks.values()}
