"""manage.py check_separation (三员分立)."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from conftest import make_user


def test_the_demo_needs_no_superuser_and_passes(demo_data, capsys):
    call_command("check_separation")
    assert "no superuser" in capsys.readouterr().out


def test_createsuperuser_makes_a_system_administrator_not_a_superuser(db):
    user = User.objects.create_superuser("first_admin", password="Jianyi-demo-2024")
    assert (user.role, user.is_superuser, user.is_staff) == ("sysadmin", False, False)


def test_a_django_superuser_is_reported(db):
    user = make_user("root_like", "sysadmin")
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    with pytest.raises(CommandError, match="root_like: is a Django superuser"):
        call_command("check_separation")


def test_an_is_staff_flag_is_reported(db):
    user = make_user("staff_flag", "coordinator")
    User.objects.filter(pk=user.pk).update(is_staff=True)
    with pytest.raises(CommandError, match="staff_flag: has is_staff set"):
        call_command("check_separation")


def test_a_fresh_installation_gets_its_security_administrator_without_any_superuser(db, capsys):
    User.objects.create_superuser("first_admin", password="Jianyi-demo-2024", full_name="郑伟")
    make_user("officer", "coordinator")
    call_command("set_role", "officer", "secadmin", "--reason", "新系统初始化")
    call_command("check_separation")
    assert "sysadmin accounts: 1, secadmin accounts: 1, auditor accounts: 0" in capsys.readouterr().out
    assert not User.objects.filter(is_superuser=True).exists()
