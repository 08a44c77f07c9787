"""Passwords (等保 2.0 level 3, issue 9 item 1): composition, similarity and common-password
rules with Chinese messages; the password age of staff accounts and the initial password an
administrator sets, both enforced by sending the user to the password page."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditAction, AuditEntry, Role, User
from conftest import PASSWORD, make_user

CHANGE = reverse("accounts:password_change")
NEW = "Fresh-start-2025"


def problems(password, user=None):
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as error:
            return error.messages
    return []


def change(client, old=PASSWORD, new=NEW, **extra):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new, **extra})


def aged(user, days):
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=days))
    user.refresh_from_db()
    return user


# --- the rules ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_and_persona_passwords_pass_every_rule():
    demo = User(username="deputy", full_name="王宇辉", email="deputy@example.gov.cn")
    assert problems(settings.DEMO_PASSWORD, demo) == []
    assert problems(PASSWORD, User(username="p_clerk_a", full_name="赵磊", email="p_clerk_a@example.gov.cn")) == []


@pytest.mark.django_db
def test_a_short_password_is_refused_with_the_minimum_length_in_chinese():
    assert problems("Ab1-xyz") == ["密码太短，至少需要 8 个字符。"]


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["abcdefgh-x", "ABCDEFGH12", "qwertyuiopzx", "2024052012345"])
def test_a_password_from_fewer_than_three_classes_is_refused_in_chinese(password):
    assert "密码须包含大写字母、小写字母、数字和符号四类中的至少 3 类。" in problems(password)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password", ["Qilin2Rvx", "rivers7!tw", "RIVER7!TW9", "Rivers-tw!", "Zhang san 2024", "张三qilin2025"]
)
def test_any_three_of_the_four_classes_are_enough(password):
    assert problems(password) == []


@pytest.mark.django_db
def test_a_password_like_the_username_is_refused_in_chinese():
    user = User(username="zhaolei2024", full_name="赵磊", email="zl@example.gov.cn")
    assert problems("Zhaolei2024!", user) == ["密码跟 用户名 太相似了。"]


@pytest.mark.django_db
def test_a_common_password_is_refused_in_chinese():
    assert "这个密码太常见了。" in problems("Password1")


@pytest.mark.django_db
def test_the_numbers_come_from_the_settings(settings):
    settings.PASSWORD_MIN_LENGTH = 12
    settings.PASSWORD_MIN_CLASSES = 4
    assert problems("Abcd-1234") == [
        "密码太短，至少需要 12 个字符。",
    ]
    assert problems("Abcdefgh12345") == ["密码须包含大写字母、小写字母、数字和符号四类中的至少 4 类。"]


def test_the_password_page_shows_the_rules_and_refuses_a_weak_password_in_chinese(client, clerk_a):
    client.force_login(clerk_a)
    page = client.get(CHANGE).content.decode()
    assert "密码至少 8 个字符，须包含大写字母、小写字母、数字和符号四类中的至少 3 类。" in page
    response = change(client, new="abcdefghij")
    assert response.status_code == 200
    html = response.content.decode()
    assert "密码须包含大写字母、小写字母、数字和符号四类中的至少 3 类。" in html
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(PASSWORD)


# --- password age and the initial password ----------------------------------------------------------


def test_a_new_password_starts_a_new_age_and_clears_the_initial_password_flag(db):
    user = make_user("p_new", Role.COORDINATOR)
    aged(user, 100)
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    user.refresh_from_db()
    before = timezone.now()
    user.set_password(NEW)
    user.save()
    user.refresh_from_db()
    assert user.password_changed_at >= before
    assert user.must_change_password is False


def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(clerk_a, settings):
    aged(clerk_a, 10)
    User.objects.filter(pk=clerk_a.pk).update(must_change_password=True)
    clerk_a.refresh_from_db()
    changed_at = clerk_a.password_changed_at
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher", *settings.PASSWORD_HASHERS]
    assert clerk_a.check_password(PASSWORD)
    clerk_a.save()  # a later full save (the admin, a profile change) keeps the age and the flag
    clerk_a.refresh_from_db()
    assert clerk_a.password.startswith("pbkdf2_sha1$")  # re-hashed...
    assert (clerk_a.password_changed_at, clerk_a.must_change_password) == (changed_at, True)  # ...not changed


def test_a_staff_password_older_than_90_days_sends_the_user_to_the_password_page(client, clerk_a):
    aged(clerk_a, 91)
    client.force_login(clerk_a)
    response = client.get(reverse("proposals:inbox"))
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGE}?next=%2Fproposals%2Finbox%2F"
    page = client.get(response["Location"]).content.decode()
    assert "您的密码已使用超过 90 天。按照网络安全等级保护要求，工作人员须定期更换密码，请先设置新密码。" in page


def test_a_staff_password_of_89_days_is_still_good(client, leader_a):
    aged(leader_a, 89)
    client.force_login(leader_a)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("persona", ["coordinator", "sysadmin", "secadmin", "auditor", "leader_a"])
def test_every_staff_role_is_held_to_the_password_age(client, request, persona):
    user = aged(request.getfixturevalue(persona), 120)
    client.force_login(user)
    assert client.get(reverse("home"))["Location"].startswith(CHANGE)


def test_deputies_are_not_forced_to_change_an_old_password(client, deputy):
    aged(deputy, 400)
    client.force_login(deputy)
    assert client.get(reverse("home")).status_code == 200


def test_the_password_age_setting_can_be_changed_or_switched_off(client, clerk_a, settings):
    aged(clerk_a, 40)
    client.force_login(clerk_a)
    settings.PASSWORD_MAX_AGE_DAYS = 30
    assert client.get(reverse("home")).status_code == 302
    settings.PASSWORD_MAX_AGE_DAYS = 0
    assert client.get(reverse("home")).status_code == 200


def test_an_initial_password_must_be_changed_at_first_sign_in_even_by_a_deputy(client, deputy):
    User.objects.filter(pk=deputy.pk).update(must_change_password=True)
    response = client.post(reverse("accounts:login"), {"username": deputy.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == f"{CHANGE}?next=%2F"
    assert "您正在使用管理员设置的初始密码" in response.content.decode()


def test_until_the_password_is_changed_only_the_password_page_logout_and_language_answer(client, clerk_a):
    User.objects.filter(pk=clerk_a.pk).update(must_change_password=True)
    client.force_login(clerk_a)
    for url in (reverse("home"), reverse("accounts:notifications"), reverse("proposals:inbox")):
        assert client.get(url)["Location"].startswith(CHANGE), url
    assert client.post(reverse("accounts:notifications_read_all"))["Location"] == CHANGE  # no next for a POST
    assert client.get(CHANGE).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": CHANGE})["Location"] == CHANGE
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")


def test_an_htmx_request_is_sent_to_the_password_page_as_a_whole_page(client, clerk_a):
    User.objects.filter(pk=clerk_a.pk).update(must_change_password=True)
    client.force_login(clerk_a)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == CHANGE


def test_after_changing_the_password_the_user_goes_on_to_the_page_they_asked_for(client, clerk_a):
    aged(clerk_a, 91)
    client.force_login(clerk_a)
    response = change(client, next="/proposals/inbox/")
    assert response["Location"] == "/proposals/inbox/"
    assert client.get("/proposals/inbox/").status_code == 200
    clerk_a.refresh_from_db()
    assert clerk_a.password_change_reason() == ""
    assert AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGED, user=clerk_a).count() == 1


def test_a_forced_change_never_goes_on_to_another_site(client, clerk_a):
    User.objects.filter(pk=clerk_a.pk).update(must_change_password=True)
    client.force_login(clerk_a)
    response = change(client, next="https://evil.example.com/")
    assert response["Location"] == reverse("home")
    assert "密码已修改。" in client.get(reverse("home")).content.decode()


def test_a_weak_password_is_refused_on_the_forced_page_too(client, clerk_a):
    User.objects.filter(pk=clerk_a.pk).update(must_change_password=True)
    client.force_login(clerk_a)
    response = change(client, new="password")
    assert response.status_code == 200
    assert "这个密码太常见了。" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(CHANGE)


# --- the system administrator sets passwords ---------------------------------------------------------


def test_a_user_created_by_the_system_administrator_must_change_the_initial_password(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new_coordinator",
            "full_name": "周新",
            "role": Role.COORDINATOR,
            "email": "new@example.gov.cn",
            "password1": "Initial-Pass-77",
            "password2": "Initial-Pass-77",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(username="new_coordinator")
    assert created.must_change_password is True
    assert created.password_change_reason() == "initial"


def test_a_password_reset_by_the_system_administrator_must_be_changed_too(client, sysadmin, clerk_a):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[clerk_a.pk]),
        {"password1": "Reset-Pass-2025", "password2": "Reset-Pass-2025", "usable_password": "true"},
    )
    assert response.status_code == 302
    clerk_a.refresh_from_db()
    assert clerk_a.check_password("Reset-Pass-2025")
    assert clerk_a.must_change_password is True
