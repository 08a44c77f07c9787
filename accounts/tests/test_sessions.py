"""Sessions (等保 2.0 level 3, issue 9 item 2): a new session key at sign-in, idle and
absolute timeouts, a stolen cookie refused after logout, sessions ended by a change of role or
department, the security administrator's 强制下线, and the production cookie flags."""

import runpy
import secrets
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session as StoredSession
from django.test import Client
from django.urls import reverse

from accounts.middleware import LOGIN_AT, SEEN_AT
from accounts.models import AuditAction, AuditEntry, Role, User
from conftest import PASSWORD, make_user

LOGIN = reverse("accounts:login")
HOME = reverse("home")
USERS = reverse("accounts:security_users")
FORCE = reverse("accounts:force_logout")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def shift(client, **seconds_ago):
    """Moves the session's clocks back: login=…, seen=… seconds ago."""
    session = client.session
    now = int(time.time())
    if "login" in seconds_ago:
        session[LOGIN_AT] = now - seconds_ago["login"]
    if "seen" in seconds_ago:
        session[SEEN_AT] = now - seconds_ago["seen"]
    session.save()


def is_signed_in(client):
    return client.get(HOME).status_code == 200


# --- sign-in --------------------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_key_and_drops_the_old_one(client, deputy):
    session = client.session
    session["before"] = "anonymous visit"
    session.save()
    before = session.session_key
    client.cookies[django_settings.SESSION_COOKIE_NAME] = before
    client.post(LOGIN, {"username": deputy.username, "password": PASSWORD})
    after = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert not StoredSession.objects.filter(session_key=before).exists()
    assert client.session[LOGIN_AT] == pytest.approx(time.time(), abs=5)


def test_a_session_cookie_copied_before_logout_is_refused_afterwards(deputy):
    victim = Client()
    victim.post(LOGIN, {"username": deputy.username, "password": PASSWORD})
    stolen = victim.cookies[django_settings.SESSION_COOKIE_NAME].value
    thief = Client()
    thief.cookies[django_settings.SESSION_COOKIE_NAME] = stolen
    assert is_signed_in(thief)
    victim.post(reverse("accounts:logout"))
    response = thief.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- timeouts -------------------------------------------------------------------------------------


def test_a_session_idle_for_30_minutes_ends_with_a_chinese_message_and_an_audit_entry(client, clerk_a):
    client.force_login(clerk_a)
    shift(client, seen=30 * 60)
    response = client.get(reverse("proposals:inbox"))
    assert response["Location"] == f"{LOGIN}?next=%2Fproposals%2Finbox%2F"
    page = client.get(response["Location"]).content.decode()
    assert "您已超过 30 分钟未操作，为保护账号安全已自动退出，请重新登录。" in page
    assert not is_signed_in(client)
    entry = AuditEntry.objects.get(action=AuditAction.LOGOUT)
    assert (entry.user, entry.details) == (clerk_a, {"reason": "idle"})


def test_a_session_idle_for_29_minutes_goes_on_and_counts_the_request_as_activity(client, clerk_a):
    client.force_login(clerk_a)
    shift(client, seen=29 * 60)
    assert is_signed_in(client)
    assert client.session[SEEN_AT] == pytest.approx(time.time(), abs=5)
    shift(client, login=60)  # the clock was reset: another 29 minutes later it still answers
    assert is_signed_in(client)


def test_activity_is_written_at_most_once_a_minute(client, clerk_a):
    client.force_login(clerk_a)
    shift(client, seen=30)
    client.get(HOME)
    assert time.time() - client.session[SEEN_AT] == pytest.approx(30, abs=5)


def test_a_session_ends_12_hours_after_sign_in_however_active(client, coordinator):
    client.force_login(coordinator)
    shift(client, login=12 * 3600, seen=0)
    response = client.get(HOME, follow=True)
    assert "本次登录已超过 12 小时，为保护账号安全已自动退出，请重新登录。" in response.content.decode()
    assert response.request["PATH_INFO"] == LOGIN
    assert AuditEntry.objects.get(action=AuditAction.LOGOUT).details == {"reason": "absolute"}


def test_the_timeouts_come_from_the_settings(client, deputy, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    client.force_login(deputy)
    shift(client, seen=5 * 60)
    assert "您已超过 5 分钟未操作" in client.get(HOME, follow=True).content.decode()
    settings.SESSION_ABSOLUTE_HOURS = 1
    client.force_login(deputy)
    shift(client, login=3600)
    assert not is_signed_in(client)


def test_an_expired_htmx_request_sends_the_whole_page_to_login(client, clerk_a):
    client.force_login(clerk_a)
    shift(client, seen=3600)
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == LOGIN


def test_the_session_cookie_lasts_no_longer_than_the_absolute_lifetime():
    assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_ABSOLUTE_HOURS * 3600 == 12 * 3600


# --- privilege changes and 强制下线 -------------------------------------------------------------------


def test_a_change_of_role_or_department_ends_the_users_other_sessions(clerk_a, department_b):
    first, second = signed_in(clerk_a), signed_in(clerk_a)
    user = User.objects.get(pk=clerk_a.pk)
    user.department = department_b
    user.save()
    assert not is_signed_in(first)
    assert not is_signed_in(second)
    third = signed_in(user)
    user = User.objects.get(pk=clerk_a.pk)
    user.role, user.department = Role.COORDINATOR, None
    user.save()
    assert not is_signed_in(third)


def test_saving_other_fields_keeps_the_sessions(client, clerk_a):
    client.force_login(clerk_a)
    user = User.objects.get(pk=clerk_a.pk)
    user.phone = "0431-88888888"
    user.save()
    user.email_opt_out = ["assigned"]
    user.save(update_fields=["email_opt_out"])
    assert is_signed_in(client)


def test_deactivating_an_account_ends_its_sessions(client, clerk_a):
    client.force_login(clerk_a)
    user = User.objects.get(pk=clerk_a.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not is_signed_in(client)


def test_changing_the_password_ends_the_other_sessions_but_keeps_this_one(clerk_a):
    here, elsewhere = signed_in(clerk_a), signed_in(clerk_a)
    new = "Fresh-start-2025"
    here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_the_security_administrator_forces_a_user_off_every_device(client, secadmin, clerk_a):
    office, phone = signed_in(clerk_a), signed_in(clerk_a)
    client.force_login(secadmin)
    response = client.post(FORCE, {"user": clerk_a.pk, "next": f"{USERS}?q=p_clerk"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{USERS}?q=p_clerk"
    assert "已强制“赵磊”下线，该用户须重新登录。" in response.content.decode()
    assert not is_signed_in(office)
    assert not is_signed_in(phone)
    entry = AuditEntry.objects.get(action=AuditAction.FORCED_LOGOUT)
    assert (entry.user, entry.object_type, entry.object_id) == (secadmin, "accounts.user", str(clerk_a.pk))
    assert is_signed_in(client)  # the administrator stays
    again = Client()
    assert again.login(username=clerk_a.username, password=PASSWORD)  # the user may sign in again
    assert is_signed_in(again)


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_forcing_off_an_unknown_user_says_so_in_chinese(client, secadmin, value):
    client.force_login(secadmin)
    response = client.post(FORCE, {"user": value}, follow=True)
    assert response.status_code == 200
    assert "未找到该用户，请刷新页面后重试。" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.FORCED_LOGOUT).exists()


@pytest.mark.parametrize("persona", ["sysadmin", "auditor", "coordinator", "clerk_a", "deputy"])
def test_only_the_security_administrator_may_force_users_off(client, request, persona, clerk_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(USERS).status_code == 403
    assert client.post(FORCE, {"user": clerk_a.pk}).status_code == 403
    other = signed_in(clerk_a)
    assert is_signed_in(other)


def test_the_account_list_searches_by_username_or_name(client, secadmin, clerk_a, leader_a, deputy):
    client.force_login(secadmin)
    names = lambda q: [u.username for u in client.get(USERS, {"q": q}).context["page_obj"]]  # noqa: E731
    assert names("p_clerk") == ["p_clerk_a"]
    assert names("陈志") == ["p_leader_a"]
    assert "p_deputy" in names("")
    assert "没有符合条件的账号。" in client.get(USERS, {"q": "nobody-at-all"}).content.decode()


def test_the_account_list_appears_in_the_security_administrators_navigation(client, secadmin):
    client.force_login(secadmin)
    assert f'href="{USERS}"' in client.get(HOME).content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_account_list_runs_a_fixed_number_of_queries(
    client, secadmin, department_a, django_assert_num_queries, count
):
    for n in range(count):
        make_user(f"u{n:03}", Role.CLERK, department=department_a)
    client.force_login(secadmin)
    # session, user, unread notifications (header), count, page (with departments)
    with django_assert_num_queries(5):
        assert client.get(USERS).status_code == 200


# --- production cookies -------------------------------------------------------------------------


def test_production_cookies_are_secure_http_only_and_same_site_lax(monkeypatch):
    for name in ("DEBUG", "HTTPS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("ALLOWED_HOSTS", "jianyi.example.gov.cn")
    prod = runpy.run_path(str(Path(django_settings.BASE_DIR) / "config" / "settings.py"))
    assert prod["SESSION_COOKIE_SECURE"] is True
    assert prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True and prod["CSRF_COOKIE_HTTPONLY"] is True
    assert prod["SESSION_COOKIE_SAMESITE"] == prod["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert (prod["SESSION_IDLE_TIMEOUT_MINUTES"], prod["SESSION_ABSOLUTE_HOURS"]) == (30, 12)
    assert (prod["PASSWORD_MIN_LENGTH"], prod["PASSWORD_MIN_CLASSES"], prod["PASSWORD_MAX_AGE_DAYS"]) == (8, 3, 90)


def test_the_security_administrator_sees_the_policy_in_force(client, secadmin, settings):
    settings.LOCKOUT_FAILURES = 7
    settings.TWO_FACTOR_REQUIRED_ROLES = ["coordinator", "auditor"]
    client.force_login(secadmin)
    page = client.get(reverse("accounts:security_policy")).content.decode()
    assert "7 次" in page and "LOCKOUT_FAILURES" in page
    assert "交办工作人员、安全审计员" in page
    assert "30 分钟" in page and "12 小时" in page and "90 天" in page
