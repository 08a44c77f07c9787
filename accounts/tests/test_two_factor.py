"""Two-factor sign-in: the TOTP algorithm, the login's second step, enrolment, recovery codes,
the lockout on forged codes, the roles that must use it and the security administrator's reset."""

import runpy
import secrets
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import two_factor
from accounts.models import AuditAction, AuditEntry, LoginLock, RecoveryCode, Role, TwoFactorDevice
from accounts.two_factor_views import PENDING
from conftest import PASSWORD, make_user

LOGIN = reverse("accounts:login")
VERIFY = reverse("two_factor:verify")
SETUP = reverse("two_factor:setup")
REQUIRED = ["coordinator", "leader", "auditor", "sysadmin"]
# RFC 6238 appendix B: the SHA-1 key "12345678901234567890".
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def enrol(user, secret=RFC_SECRET):
    return TwoFactorDevice.objects.create(user=user, secret=secret, confirmed_at=timezone.now())


def code_now(device, offset=0):
    return two_factor.code_at(device.secret, two_factor.current_step() + offset)


def password_step(client, user, next_url=""):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data, REMOTE_ADDR="10.1.1.1")


def code_step(client, code):
    return client.post(VERIFY, {"code": code}, REMOTE_ADDR="10.1.1.1")


def signed_in(client):
    return "_auth_user_id" in client.session


def actions(user=None):
    entries = AuditEntry.objects.order_by("id")
    if user is not None:
        entries = entries.filter(user=user)
    return list(entries.values_list("action", flat=True))


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED


# --- the algorithm --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_6238_test_vectors(unix_time, expected):
    assert two_factor.code_at(RFC_SECRET, two_factor.current_step(unix_time)) == expected


def test_a_code_from_the_neighbouring_step_is_accepted_for_clock_drift_but_not_two_steps_away(db, clerk_a):
    device = enrol(clerk_a)
    assert not two_factor.verify(device, code_now(device, -2))
    assert not two_factor.verify(device, code_now(device, +2))
    assert two_factor.verify(device, code_now(device, -1))
    assert two_factor.verify(device, code_now(device, +1))


def test_a_code_is_good_only_once_and_never_after_a_later_one(db, clerk_a):
    device = enrol(clerk_a)
    assert two_factor.verify(device, code_now(device))
    assert not two_factor.verify(device, code_now(device))  # replayed
    assert not two_factor.verify(TwoFactorDevice.objects.get(pk=device.pk), code_now(device, -1))


def test_codes_are_read_with_spaces_and_dashes_and_nothing_else_passes(db, clerk_a):
    device = enrol(clerk_a)
    code = code_now(device)
    assert not two_factor.verify(device, "abcdef")
    assert not two_factor.verify(device, code + "0")
    assert two_factor.verify(device, f" {code[:3]} {code[3:]} ")


def test_the_qr_code_carries_the_otpauth_address_with_issuer_and_user(db, clerk_a):
    device = two_factor.start_enrolment(clerk_a)
    uri = two_factor.provisioning_uri(device)
    assert uri.startswith("otpauth://totp/")
    assert f"secret={device.secret}" in uri and "p_clerk_a" in uri and "issuer=" in uri
    svg = two_factor.qr_svg(device)
    assert svg.startswith("<svg") and "<script" not in svg


# --- signing in -------------------------------------------------------------------------------------


def test_a_user_with_an_authenticator_is_not_signed_in_by_the_password_alone(client, clerk_a):
    enrol(clerk_a)
    response = password_step(client, clerk_a)
    assert response.status_code == 302 and response["Location"] == VERIFY
    assert not signed_in(client)
    assert client.get(reverse("home"))["Location"].startswith(LOGIN)
    assert AuditAction.LOGIN not in actions()


def test_the_right_code_signs_the_user_in_and_goes_on_to_the_page_asked_for(client, clerk_a):
    device = enrol(clerk_a)
    password_step(client, clerk_a, next_url="/proposals/")
    page = client.get(VERIFY)
    assert page.status_code == 200 and "输入验证码" in page.content.decode()
    response = code_step(client, code_now(device))
    assert response.status_code == 302 and response["Location"] == "/proposals/"
    assert signed_in(client)
    assert actions(clerk_a) == [AuditAction.LOGIN]


def test_a_forged_code_is_refused_with_a_message_and_audited(client, clerk_a):
    device = enrol(clerk_a)
    password_step(client, clerk_a)
    wrong = str((int(code_now(device)) + 1) % 10**6).zfill(6)
    response = code_step(client, wrong)
    assert response.status_code == 200
    assert "验证码不正确或已使用过" in response.content.decode()
    assert not signed_in(client)
    entry = AuditEntry.objects.get(action=AuditAction.TWO_FACTOR_FAILED)
    assert entry.user == clerk_a and entry.outcome == "failure" and entry.source_address == "10.1.1.1"


def test_five_forged_codes_lock_the_account_and_then_even_the_right_code_is_refused(client, clerk_a):
    device = enrol(clerk_a)
    password_step(client, clerk_a)
    for _attempt in range(5):
        response = code_step(client, "000000" if code_now(device) != "000000" else "111111")
    assert response["Location"] == LOGIN  # the fifth failure locked it and ended the attempt
    assert LoginLock.objects.active().filter(key="p_clerk_a").exists()
    assert actions().count(AuditAction.LOCKOUT) == 1
    password_step(client, clerk_a)  # the password is refused while locked: no second step
    assert PENDING not in client.session
    assert code_step(client, code_now(device))["Location"] == LOGIN
    assert not signed_in(client)


def test_typing_the_password_again_does_not_reset_the_count_of_forged_codes(client, clerk_a):
    device = enrol(clerk_a)
    wrong = "000000" if code_now(device) != "000000" else "111111"
    password_step(client, clerk_a)
    for _ in range(4):
        code_step(client, wrong)
    password_step(client, clerk_a)
    assert code_step(client, wrong)["Location"] == LOGIN
    assert LoginLock.objects.active().filter(key="p_clerk_a").exists()


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(client, clerk_a):
    enrol(clerk_a)
    codes = two_factor.new_recovery_codes(clerk_a)
    password_step(client, clerk_a)
    response = client.post(VERIFY, {"code": codes[3].upper()}, follow=True)
    assert signed_in(client)
    assert "还剩 9 个" in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.RECOVERY_CODE_USED, user=clerk_a).exists()
    client.logout()
    password_step(client, clerk_a)
    code_step(client, codes[3])
    assert not signed_in(client)


def test_the_second_step_expires_after_five_minutes(client, clerk_a):
    device = enrol(clerk_a)
    password_step(client, clerk_a)
    session = client.session
    session[PENDING] = {**session[PENDING], "at": int(time.time()) - 301}
    session.save()
    response = code_step(client, code_now(device))
    assert response["Location"] == LOGIN and not signed_in(client)


def test_a_password_changed_meanwhile_ends_the_second_step(client, clerk_a):
    device = enrol(clerk_a)
    password_step(client, clerk_a)
    clerk_a.set_password("Another-pass-2025")
    clerk_a.save()
    code_step(client, code_now(device))
    assert not signed_in(client)


def test_the_second_step_without_a_first_goes_back_to_the_login_page(client, db):
    response = client.get(VERIFY, follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "验证已超时" in response.content.decode()


def test_a_session_signed_in_without_the_code_of_an_enrolled_user_is_ended(client, clerk_a):
    enrol(clerk_a)
    client.force_login(clerk_a)  # not through the login page: no code was given
    response = client.get(reverse("home"))
    assert response["Location"] == LOGIN
    assert not signed_in(client)


# --- roles that must use it -----------------------------------------------------------------------


def test_by_default_coordinators_leaders_auditors_and_system_administrators_must_use_it(settings, monkeypatch):
    # The suite makes it optional (conftest.py); the production default is read fresh, as
    # accounts/tests/test_sessions.py reads the production cookie settings.
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    prod = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "settings.py"))
    assert sorted(prod["TWO_FACTOR_REQUIRED_ROLES"]) == sorted(REQUIRED)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.LEADER, Role.AUDITOR, Role.SYSADMIN])
def test_a_required_role_without_an_authenticator_reaches_only_the_enrolment_page(
    client, db, required, department_a, role
):
    user = make_user("p_must", role, department=department_a if role == Role.LEADER else None)
    password_step(client, user)
    assert signed_in(client)
    response = client.get(reverse("home"))
    assert response["Location"] == f"{SETUP}?next=%2F"
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "您的角色须启用双因素认证后才能继续使用系统" in page.content.decode()
    assert client.get(reverse("accounts:password_change")).status_code == 200
    htmx = client.get(reverse("accounts:notifications"), headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == SETUP


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.CLERK, Role.SECADMIN])
def test_other_roles_may_sign_in_without_it(client, db, required, department_a, role):
    user = make_user("p_free", role, department=department_a if role == Role.CLERK else None)
    password_step(client, user)
    assert client.get(reverse("home")).status_code == 200


# --- enrolment and the user's own page --------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key_and_keeps_the_key_while_unconfirmed(client, coordinator, required):
    client.force_login(coordinator)
    first = client.get(SETUP).content.decode()
    device = TwoFactorDevice.objects.get(user=coordinator)
    assert device.confirmed_at is None
    assert "<svg" in first and device.secret[:4] in first
    client.get(SETUP)
    assert TwoFactorDevice.objects.get(user=coordinator).secret == device.secret


def test_a_wrong_code_does_not_turn_it_on(client, coordinator, required):
    client.force_login(coordinator)
    client.get(SETUP)
    response = client.post(reverse("two_factor:confirm"), {"code": "12345"})
    assert "验证码不正确" in response.content.decode()
    assert TwoFactorDevice.objects.get(user=coordinator).confirmed_at is None
    assert client.get(reverse("home")).status_code == 302


def test_the_right_code_turns_it_on_shows_ten_recovery_codes_once_and_opens_the_site(client, coordinator, required):
    client.force_login(coordinator)
    client.get(SETUP)
    device = TwoFactorDevice.objects.get(user=coordinator)
    response = client.post(reverse("two_factor:confirm"), {"code": code_now(device)})
    page = response.content.decode()
    assert response.status_code == 200 and "双因素认证已启用" in page
    assert page.count("<li><code>") == 10
    assert RecoveryCode.objects.filter(user=coordinator, used_at__isnull=True).count() == 10
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_ENROLLED, user=coordinator).exists()
    assert client.get(reverse("home")).status_code == 200
    status = client.get(SETUP).content.decode()
    assert "剩余恢复码 10 个" in status and "<svg" not in status
    assert "<li><code>" not in status


def test_renewing_recovery_codes_needs_a_current_code_and_voids_the_old_ones(client, clerk_a):
    device = enrol(clerk_a)
    old = two_factor.new_recovery_codes(clerk_a)
    client.force_login(clerk_a)
    session = client.session
    session["jianyi_2fa"] = "verified"
    session.save()
    refused = client.post(reverse("two_factor:recovery_codes"), {"code": "000000"}, follow=True)
    assert "验证码不正确，操作未执行" in refused.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_FAILED, user=clerk_a).exists()
    response = client.post(reverse("two_factor:recovery_codes"), {"code": code_now(device)})
    assert response.content.decode().count("<li><code>") == 10
    assert not two_factor.use_recovery_code(clerk_a, old[0])
    assert AuditEntry.objects.filter(action=AuditAction.RECOVERY_CODES_RENEWED, user=clerk_a).exists()


def verified_session(client, user):
    client.force_login(user)
    session = client.session
    session["jianyi_2fa"] = "verified"
    session.save()


def test_an_optional_user_turns_it_off_with_a_current_code(client, clerk_a):
    device = enrol(clerk_a)
    verified_session(client, clerk_a)
    client.post(reverse("two_factor:disable"), {"code": "000000" if code_now(device) != "000000" else "1"})
    assert TwoFactorDevice.objects.filter(user=clerk_a).exists()
    response = client.post(reverse("two_factor:disable"), {"code": code_now(device)}, follow=True)
    assert "已停用双因素认证" in response.content.decode()
    assert two_factor.confirmed_device(clerk_a) is None
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_REMOVED, user=clerk_a).exists()


def test_a_required_user_who_lost_the_phone_rebinds_with_a_recovery_code(client, coordinator, required):
    enrol(coordinator)
    codes = two_factor.new_recovery_codes(coordinator)
    verified_session(client, coordinator)
    response = client.post(reverse("two_factor:disable"), {"code": codes[0]}, follow=True)
    assert "请立即绑定新的身份验证器" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(SETUP)


# --- the security administrator -------------------------------------------------------------------


def test_the_security_administrator_resets_a_lost_authenticator_and_ends_the_sessions(client, secadmin, clerk_a):
    enrol(clerk_a)
    two_factor.new_recovery_codes(clerk_a)
    stamp = clerk_a.security_stamp
    client.force_login(secadmin)
    response = client.post(reverse("two_factor:reset"), {"user": clerk_a.pk}, follow=True)
    assert "已重置“赵磊”的双因素认证" in response.content.decode()
    assert not TwoFactorDevice.objects.filter(user=clerk_a).exists()
    assert not RecoveryCode.objects.filter(user=clerk_a).exists()
    clerk_a.refresh_from_db()
    assert clerk_a.security_stamp == stamp + 1
    entry = AuditEntry.objects.get(action=AuditAction.TWO_FACTOR_REMOVED)
    assert entry.user == secadmin and entry.object_id == str(clerk_a.pk)


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_a_reset_of_nobody_says_so(client, secadmin, value):
    client.force_login(secadmin)
    response = client.post(reverse("two_factor:reset"), {"user": value}, follow=True)
    assert "未找到该用户" in response.content.decode()


def test_only_the_security_administrator_may_reset(client, coordinator, clerk_a):
    enrol(clerk_a)
    client.force_login(coordinator)
    assert client.post(reverse("two_factor:reset"), {"user": clerk_a.pk}).status_code == 403
    assert TwoFactorDevice.objects.filter(user=clerk_a).exists()


def test_the_account_list_shows_who_has_it_with_a_reset_button(client, secadmin, clerk_a, clerk_b):
    enrol(clerk_a)
    client.force_login(secadmin)
    page = client.get(reverse("accounts:security_users")).content.decode()
    assert page.count("重置双因素认证：") == 1 and "重置双因素认证：赵磊" in page
