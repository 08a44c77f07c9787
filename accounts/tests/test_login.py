import re

import pytest
from django.urls import reverse

from conftest import PASSWORD

LOGIN = reverse("accounts:login")
WRONG = "用户名或密码不正确，请重新输入。"


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_a_correct_password_signs_in_and_goes_to_the_home_page(client, deputy):
    response = login(client, deputy.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == deputy


def test_a_wrong_password_gets_a_chinese_message(client, deputy):
    response = login(client, deputy.username, "not-the-password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_unknown_user_gets_exactly_the_same_message_as_a_wrong_password(client, deputy):
    unknown = login(client, "nobody-here", "whatever").content.decode()
    wrong = login(client, deputy.username, "whatever").content.decode()
    assert WRONG in unknown

    # Same page apart from the CSRF tokens and the echoed username.
    def strip(html, name):
        return re.sub(r"[A-Za-z0-9]{64}", "", html.replace(name, ""))

    assert strip(unknown, "nobody-here") == strip(wrong, deputy.username)


def test_a_deactivated_account_cannot_sign_in_and_is_not_revealed(client, deputy):
    deputy.is_active = False
    deputy.save()
    response = login(client, deputy.username, PASSWORD)
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_page_is_in_chinese_even_for_an_english_browser(client, db):
    response = client.get(LOGIN, headers={"accept-language": "en-US,en;q=0.9"})
    assert "登录建议办理平台" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_choosing_english_shows_the_english_login_page(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    response = client.get(LOGIN)
    assert "Sign in to Jianyi" in response.content.decode()


def test_a_signed_in_user_visiting_login_is_sent_home(client, deputy):
    client.force_login(deputy)
    assert client.get(LOGIN)["Location"] == reverse("home")


def test_logout_needs_a_post(client, deputy):
    client.force_login(deputy)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_a_user_can_change_their_password(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-Pass-77",
            "new_password2": "Brand-new-Pass-77",
        },
    )
    assert response["Location"] == reverse("accounts:password_change_done")
    clerk_a.refresh_from_db()
    assert clerk_a.check_password("Brand-new-Pass-77")


def test_a_weak_new_password_is_refused_in_chinese(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert "密码" in "".join(response.context["form"].errors["new_password2"])
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(PASSWORD)
