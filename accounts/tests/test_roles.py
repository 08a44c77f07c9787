"""三员分立 (issue 9 item 3): the security administrator's 变更角色 page (accounts.role_views and
accounts.roles), `manage.py set_role`, and the system administrator's limits and audit in 系统管理
(accounts.admin): business roles only for a new account, 重置密码 and base-data changes audited."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import AuditAction, AuditEntry, Delegation, Department, Deputy, Role, User
from conftest import make_user

USERS = reverse("accounts:security_users")


def page(user):
    return reverse("accounts:role_change", args=[user.pk])


def submit(user):
    return reverse("accounts:role_change_submit", args=[user.pk])


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(target, role, department=None, reason="调任单位负责人，依据人事任免通知", **overrides):
    """What the page posts when drawn for `target` as it is now."""
    data = {
        "role": role,
        "department": department.pk if department else "",
        "reason": reason,
        "expected_role": target.role,
        "expected_department": target.department_id or "",
    }
    data.update(overrides)
    return data


def only(**lookup):
    entries = list(AuditEntry.objects.filter(**lookup))
    assert len(entries) == 1, entries
    return entries[0]


def role_changes():
    return AuditEntry.objects.filter(action=AuditAction.ROLE_CHANGED)


def text(response):
    return response.content.decode()


# --- the page: changes that go through ------------------------------------------------------------


def test_the_security_administrator_makes_a_clerk_the_leader_of_another_department(
    client, secadmin, clerk_a, department_b
):
    client.force_login(secadmin)
    response = client.post(submit(clerk_a), form_data(clerk_a, Role.LEADER, department_b), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert response["Location"] == f"{USERS}?q={clerk_a.username}"
    clerk_a.refresh_from_db()
    assert (clerk_a.role, clerk_a.department) == (Role.LEADER, department_b)
    entry = only(action=AuditAction.ROLE_CHANGED)
    assert (entry.user, entry.object_type, entry.object_id) == (secadmin, "accounts.user", str(clerk_a.pk))
    assert entry.source_address == "10.1.2.3"
    assert entry.details == {
        "target_username": "p_clerk_a",
        "old_role": "clerk",
        "new_role": "leader",
        "old_department": "吉林省科学技术厅",
        "new_department": "吉林省教育厅",
        "reason": "调任单位负责人，依据人事任免通知",
        "via": "web",
    }
    messages = text(client.get(response["Location"]))
    assert "已将“赵磊”的角色由“承办人”变更为“单位负责人”，该用户须重新登录。" in messages


def test_the_change_ends_every_session_of_the_user(secadmin, clerk_a, department_b):
    theirs = signed_in(clerk_a)
    assert theirs.get(reverse("home")).status_code == 200
    stamp = clerk_a.security_stamp
    signed_in(secadmin).post(submit(clerk_a), form_data(clerk_a, Role.LEADER, department_b))
    clerk_a.refresh_from_db()
    assert clerk_a.security_stamp == stamp + 1
    response = theirs.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_granting_an_administrator_role_clears_the_department(client, secadmin, clerk_a, department_a):
    client.force_login(secadmin)
    # The page comes pre-filled with the current department; an administrator has none.
    response = client.post(submit(clerk_a), form_data(clerk_a, Role.AUDITOR, department_a, reason="调任审计岗位"))
    assert response.status_code == 302
    clerk_a.refresh_from_db()
    assert (clerk_a.role, clerk_a.department) == (Role.AUDITOR, None)
    assert only(action=AuditAction.ROLE_CHANGED).details["new_department"] == ""


def test_a_security_administrator_may_make_another_account_a_security_administrator(client, secadmin, coordinator):
    client.force_login(secadmin)
    response = client.post(submit(coordinator), form_data(coordinator, Role.SECADMIN, reason="增设安全管理员 B 角"))
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.role == Role.SECADMIN
    assert only(action=AuditAction.ROLE_CHANGED).user == secadmin


def test_a_coordinator_may_keep_or_leave_the_office_it_works_for(client, secadmin, clerk_a, department_a):
    client.force_login(secadmin)
    client.post(submit(clerk_a), form_data(clerk_a, Role.COORDINATOR, department_a))
    clerk_a.refresh_from_db()
    assert (clerk_a.role, clerk_a.department) == (Role.COORDINATOR, department_a)


def test_the_last_auditor_may_go_once_there_is_another(client, secadmin, auditor):
    client.force_login(secadmin)
    make_user("p_auditor2", Role.AUDITOR)
    response = client.post(submit(auditor), form_data(auditor, Role.COORDINATOR, reason="岗位调整"))
    assert response.status_code == 302
    auditor.refresh_from_db()
    assert auditor.role == Role.COORDINATOR


# --- the page: refusals -----------------------------------------------------------------------------


def refused(client, target, data, message):
    before = User.objects.values_list("role", "department_id", "security_stamp").get(pk=target.pk)
    response = client.post(submit(target), data)
    assert response.status_code == 200
    assert message in text(response)
    assert User.objects.values_list("role", "department_id", "security_stamp").get(pk=target.pk) == before
    assert not role_changes().exists()
    return response


def test_it_refuses_changing_your_own_role(client, secadmin):
    client.force_login(secadmin)
    refused(
        client,
        secadmin,
        form_data(secadmin, Role.AUDITOR),
        "不能变更自己的角色。如确需变更，请由其他安全管理员办理。",
    )
    shown = text(client.get(page(secadmin)))
    assert "不能变更自己的角色" in shown and 'name="reason"' not in shown


def test_it_refuses_a_change_to_the_role_the_account_has(client, secadmin, clerk_a, department_b):
    client.force_login(secadmin)
    refused(
        client,
        clerk_a,
        form_data(clerk_a, Role.CLERK, department_b),
        "新角色与当前角色相同，无需变更。调整所属单位请联系系统管理员。",
    )


def test_it_refuses_to_change_a_deputy_account_and_says_what_to_do_instead(client, secadmin, deputy):
    client.force_login(secadmin)
    message = "人大代表账号与代表信息绑定，不能变更为其他角色。代表同时担任工作人员的，请系统管理员另行开设工作人员账号"
    refused(client, deputy, form_data(deputy, Role.COORDINATOR), message)
    shown = text(client.get(page(deputy)))
    assert message in shown and 'name="reason"' not in shown
    assert Deputy.objects.get(user=deputy).user_id == deputy.pk


def test_it_refuses_a_forged_deputy_role(client, secadmin, coordinator):
    client.force_login(secadmin)
    refused(client, coordinator, form_data(coordinator, Role.DEPUTY), "请从列表中选择新角色。")


def test_the_service_says_how_a_deputy_account_is_made_instead(secadmin, coordinator):
    with pytest.raises(roles.RoleChangeRefused, match="代表账号请系统管理员另行开设，并在“代表信息”中与代表关联"):
        roles.change_role(coordinator, new_role=Role.DEPUTY, department=None, reason="x", actor=secadmin)


def test_it_refuses_a_form_drawn_before_someone_else_changed_the_role(client, secadmin, clerk_a, department_a):
    client.force_login(secadmin)
    drawn = form_data(clerk_a, Role.AUDITOR)  # the page as it was drawn: 承办人
    clerk_a.role = Role.LEADER  # meanwhile another security administrator made them a leader
    clerk_a.save()
    response = refused(
        client,
        clerk_a,
        drawn,
        "该账号的角色或所属单位刚刚已被修改，现为“单位负责人”（吉林省科学技术厅）。请核对后重新提交。",
    )
    # Drawn again from the account as it is now, with what was typed kept.
    assert '<input type="hidden" name="expected_role" value="leader">' in text(response)
    assert "调任单位负责人，依据人事任免通知" in text(response)
    assert client.post(submit(clerk_a), {**drawn, "expected_role": "leader"}).status_code == 302


def test_it_refuses_a_form_drawn_before_the_department_changed(client, secadmin, clerk_a, department_b):
    client.force_login(secadmin)
    drawn = form_data(clerk_a, Role.LEADER, department_b)
    clerk_a.department = department_b
    clerk_a.save()
    refused(client, clerk_a, drawn, "该账号的角色或所属单位刚刚已被修改")


def test_department_roles_need_a_department(client, secadmin, coordinator):
    client.force_login(secadmin)
    refused(client, coordinator, form_data(coordinator, Role.CLERK), "承办人和单位负责人须选择所属单位。")


def test_an_inactive_department_cannot_be_chosen(client, secadmin, coordinator, department_b):
    Department.objects.filter(pk=department_b.pk).update(is_active=False)
    client.force_login(secadmin)
    response = refused(
        client, coordinator, form_data(coordinator, Role.CLERK, department_b), "所选单位不存在或已停用，请重新选择。"
    )
    assert f'<option value="{department_b.pk}"' not in text(response)


def test_the_reason_is_required(client, secadmin, coordinator):
    client.force_login(secadmin)
    refused(client, coordinator, form_data(coordinator, Role.AUDITOR, reason=""), "请填写变更原因。")
    refused(client, coordinator, form_data(coordinator, Role.AUDITOR, reason=" \u3000\n "), "请填写变更原因。")
    refused(client, coordinator, form_data(coordinator, Role.AUDITOR, reason="长" * 201), "变更原因不能超过 200 个字。")


def test_the_reason_is_kept_on_one_line(client, secadmin, coordinator):
    client.force_login(secadmin)
    client.post(submit(coordinator), form_data(coordinator, Role.AUDITOR, reason="  调任\r\n审计岗位  "))
    assert only(action=AuditAction.ROLE_CHANGED).details["reason"] == "调任 审计岗位"


def test_the_last_active_holder_of_an_administrator_role_cannot_be_moved(client, secadmin, auditor):
    client.force_login(secadmin)
    make_user("p_old_auditor", Role.AUDITOR, is_active=False)  # a deactivated one does not count
    refused(
        client,
        auditor,
        form_data(auditor, Role.COORDINATOR),
        "“吴静”是唯一在用的安全审计员，变更后将无人履行这一职责。请先为其他账号授予该角色。",
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"role": "root"},
        {"department": "abc"},
        {"department": "999999"},
        {"department": "-1"},
        {"reason": "原因\x00"},
        {"expected_role": ""},
        {"expected_role": "root"},
        {"expected_department": "x"},
        {"expected_department": "0"},
    ],
)
def test_bad_input_changes_nothing_and_says_why_in_chinese(client, secadmin, clerk_a, department_b, overrides):
    client.force_login(secadmin)
    data = {**form_data(clerk_a, Role.LEADER, department_b), **overrides}
    before = User.objects.values_list("role", "department_id").get(pk=clerk_a.pk)
    response = client.post(submit(clerk_a), data)
    assert response.status_code == 200
    assert 'class="field__error"' in text(response) or 'class="form-errors"' in text(response)
    assert User.objects.values_list("role", "department_id").get(pk=clerk_a.pk) == before
    assert not role_changes().exists()


def test_a_missing_expected_role_says_the_page_is_out_of_date(client, secadmin, clerk_a, department_b):
    client.force_login(secadmin)
    data = form_data(clerk_a, Role.LEADER, department_b)
    del data["expected_role"]
    assert "页面已过期，请刷新页面后重新填写。" in text(client.post(submit(clerk_a), data))


def test_an_empty_post_asks_for_the_role_and_the_reason(client, secadmin, clerk_a):
    client.force_login(secadmin)
    shown = text(client.post(submit(clerk_a), {}))
    assert "请选择新角色。" in shown and "请填写变更原因。" in shown


def test_an_unknown_account_is_not_found(client, secadmin):
    client.force_login(secadmin)
    assert client.get(reverse("accounts:role_change", args=[999999])).status_code == 404
    response = client.post(reverse("accounts:role_change_submit", args=[999999]), {"role": "auditor"}, follow=True)
    assert response.redirect_chain[-1][0] == USERS
    assert "未找到该用户，请刷新页面后重试。" in text(response)


def test_only_the_security_administrator_changes_roles(client, sysadmin, auditor, coordinator, clerk_a):
    for user in (sysadmin, auditor, coordinator):
        client.force_login(user)
        assert client.get(page(clerk_a)).status_code == 403
        assert client.post(submit(clerk_a), form_data(clerk_a, Role.COORDINATOR)).status_code == 403
    assert User.objects.get(pk=clerk_a.pk).role == Role.CLERK
    assert not role_changes().exists()


def test_the_service_refuses_an_actor_who_is_no_security_administrator(sysadmin, coordinator):
    with pytest.raises(roles.RoleChangeRefused, match="只有安全管理员可以变更角色。"):
        roles.change_role(coordinator, new_role=Role.SECADMIN, department=None, reason="x", actor=sysadmin)


def test_the_change_needs_post_and_the_csrf_token(secadmin, clerk_a, department_b):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secadmin)
    assert client.get(submit(clerk_a)).status_code == 405
    assert client.post(submit(clerk_a), form_data(clerk_a, Role.LEADER, department_b)).status_code == 403
    assert User.objects.get(pk=clerk_a.pk).role == Role.CLERK


# --- concurrent changes: the row locks --------------------------------------------------------------


def concurrently(*calls):
    """Runs each call in its own thread and database connection, all released at once;
    returns what each raised (None when it went through)."""
    import threading

    from django.db import connection

    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            call()
        except roles.RoleChangeRefused as refused:
            outcomes[index] = refused.message
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_security_administrators_changing_one_account_at_once_never_overwrite_each_other(
    transactional_db, secadmin, clerk_a, department_b
):
    other = make_user("p_secadmin2", Role.SECADMIN)

    def to(role, actor, department=None):
        drawn = User.objects.get(pk=clerk_a.pk)  # each read the form as 承办人
        return lambda: roles.change_role(
            drawn, new_role=role, department=department, reason="x", actor=actor, expected_role=Role.CLERK
        )

    outcomes = concurrently(to(Role.LEADER, secadmin, department_b), to(Role.AUDITOR, other))
    assert sorted(outcomes, key=bool)[0] is None
    assert "刚刚已被修改" in sorted(outcomes, key=bool)[1]
    assert role_changes().count() == 1
    assert User.objects.get(pk=clerk_a.pk).role == role_changes().get().details["new_role"]


def test_the_last_two_auditors_cannot_both_be_moved_at_once(transactional_db, secadmin, auditor):
    second = make_user("p_auditor2", Role.AUDITOR)
    other = make_user("p_secadmin2", Role.SECADMIN)

    def away(target, actor):
        return lambda: roles.change_role(
            User.objects.get(pk=target.pk), new_role=Role.COORDINATOR, department=None, reason="x", actor=actor
        )

    outcomes = concurrently(away(auditor, secadmin), away(second, other))
    assert outcomes.count(None) == 1
    assert User.objects.filter(role=Role.AUDITOR, is_active=True).count() == 1


# --- the page as drawn --------------------------------------------------------------------------


def test_the_page_shows_the_account_and_offers_every_role_but_deputy(client, secadmin, clerk_a, department_a):
    client.force_login(secadmin)
    shown = text(client.get(page(clerk_a)))
    assert "变更角色：赵磊" in shown and "吉林省科学技术厅" in shown
    for role in (Role.CLERK, Role.LEADER, Role.COORDINATOR, Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
        assert f'<option value="{role}"' in shown
    assert '<option value="deputy"' not in shown
    assert f'<option value="{department_a.pk}" selected>' in shown  # pre-filled with the current one
    assert '<input type="hidden" name="expected_role" value="clerk">' in shown
    assert f'<input type="hidden" name="expected_department" value="{department_a.pk}">' in shown


def test_the_account_list_links_every_account_but_deputies_and_yourself(client, secadmin, clerk_a, deputy):
    client.force_login(secadmin)
    shown = text(client.get(USERS))
    assert page(clerk_a) in shown and 'aria-label="变更角色：赵磊"' in shown
    assert page(deputy) not in shown and page(secadmin) not in shown


# --- manage.py set_role -----------------------------------------------------------------------------


def test_the_operator_grants_the_first_security_administrator_from_the_command_line(db, capsys):
    make_user("first_admin", Role.SYSADMIN)
    newcomer = make_user("security_officer", Role.COORDINATOR, full_name="钱芳")
    call_command("set_role", "security_officer", "secadmin", "--reason", "新系统初始化，指定安全管理员")
    newcomer.refresh_from_db()
    assert newcomer.role == Role.SECADMIN
    assert "security_officer: 交办工作人员 → 安全管理员" in capsys.readouterr().out
    entry = only(action=AuditAction.ROLE_CHANGED)
    assert (entry.user, entry.username, entry.source_address) == (None, "", None)
    assert entry.details["via"] == "command_line" and "os_user" in entry.details
    assert entry.details["reason"] == "新系统初始化，指定安全管理员"
    assert (entry.details["old_role"], entry.details["new_role"]) == ("coordinator", "secadmin")


def test_the_command_sets_a_department_by_its_short_name(coordinator, department_b):
    call_command("set_role", coordinator.username, "leader", "--department", "省教育厅", "--reason", "任命")
    coordinator.refresh_from_db()
    assert (coordinator.role, coordinator.department) == (Role.LEADER, department_b)


def test_the_command_needs_a_reason(coordinator):
    with pytest.raises(CommandError, match="--reason"):
        call_command("set_role", coordinator.username, "secadmin")
    assert not role_changes().exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody", "secadmin"], "no account with the username 'nobody'"),
        (["p_coordinator", "root"], "unknown role 'root'"),
        (["p_coordinator", "clerk"], "承办人和单位负责人须选择所属单位。"),
        (["p_coordinator", "clerk", "--department", "不存在的单位"], "no department named '不存在的单位'"),
        (["p_coordinator", "coordinator"], "新角色与当前角色相同"),
        (["p_coordinator", "deputy"], "不能把工作人员账号变更为人大代表"),
        (["p_deputy", "coordinator"], "人大代表账号与代表信息绑定"),
        (["p_coordinator", "secadmin", "--reason", "   "], "请填写变更原因。"),
    ],
)
def test_the_command_refuses_what_the_page_refuses(coordinator, deputy, arguments, message):
    if "--reason" not in arguments:
        arguments = [*arguments, "--reason", "测试"]
    with pytest.raises(CommandError, match=message):
        call_command("set_role", *arguments)
    assert not role_changes().exists()


# --- 系统管理: the system administrator opens accounts with business roles only -----------------------

ADD = reverse("admin:accounts_user_add")


def new_account(role, **extra):
    return {
        "username": "new_account",
        "full_name": "新账号",
        "role": role,
        "department": "",
        "email": "new@example.gov.cn",
        "is_active": "on",
        "password1": "Initial-Pass-77",
        "password2": "Initial-Pass-77",
        "usable_password": "true",
        **extra,
    }


def test_the_add_form_offers_the_business_roles_only(client, sysadmin):
    client.force_login(sysadmin)
    shown = text(client.get(ADD))
    for role in (Role.DEPUTY, Role.CLERK, Role.LEADER, Role.COORDINATOR):
        assert f'<option value="{role}"' in shown
    for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
        assert f'<option value="{role}"' not in shown
    assert "由安全管理员在“账号安全”中授予" in shown


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR])
def test_a_forged_administrator_role_is_refused_when_adding_an_account(client, sysadmin, role):
    client.force_login(sysadmin)
    response = client.post(ADD, new_account(role))
    assert response.status_code == 200
    assert "选择一个有效的选项" in text(response)
    assert not User.objects.filter(username="new_account").exists()
    assert not AuditEntry.objects.filter(action=AuditAction.USER_CREATED).exists()


def test_an_account_for_a_future_administrator_is_opened_inactive(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(ADD, new_account(Role.COORDINATOR, is_active=""))
    assert response.status_code == 302, text(response)[:2000]
    created = User.objects.get(username="new_account")
    assert (created.role, created.is_active) == (Role.COORDINATOR, False)
    assert only(action=AuditAction.USER_CREATED).details["is_active"] is False


def test_a_forged_role_in_the_change_form_is_ignored(client, sysadmin, clerk_a, department_a):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:accounts_user_change", args=[clerk_a.pk]),
        {
            "username": clerk_a.username,
            "full_name": clerk_a.full_name,
            "email": clerk_a.email,
            "role": Role.SECADMIN,
            "department": department_a.pk,
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(pk=clerk_a.pk).role == Role.CLERK
    assert not AuditEntry.objects.filter(action__in=[AuditAction.USER_CHANGED, AuditAction.ROLE_CHANGED]).exists()


# --- 系统管理: 重置密码 is audited ---------------------------------------------------------------------


RESET = "Reset-Pass-2025"


def reset(client, user, again=RESET):
    return client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": RESET, "password2": again, "usable_password": "true"},
        REMOTE_ADDR="10.9.8.7",
    )


def test_a_password_reset_is_recorded_on_the_user_without_the_password(client, sysadmin, clerk_a):
    client.force_login(sysadmin)
    assert reset(client, clerk_a).status_code == 302
    clerk_a.refresh_from_db()
    entry = only(action=AuditAction.PASSWORD_RESET)
    assert (entry.user, entry.object_id, entry.source_address) == (sysadmin, str(clerk_a.pk), "10.9.8.7")
    assert entry.details == {"target_username": "p_clerk_a", "usable_password": True}
    kept = json.dumps([entry.details, entry.object_label], ensure_ascii=False)
    assert RESET not in kept and clerk_a.password not in kept


def test_a_refused_password_reset_records_nothing(client, sysadmin, clerk_a):
    client.force_login(sysadmin)
    assert reset(client, clerk_a, again="Something-else-1").status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET).exists()


def test_opening_the_reset_page_records_nothing(client, sysadmin, clerk_a):
    client.force_login(sysadmin)
    assert client.get(reverse("admin:auth_user_password_change", args=[clerk_a.pk])).status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET).exists()


@pytest.mark.parametrize("guarded", ["secadmin", "auditor"])
def test_the_system_administrator_cannot_reset_deactivate_or_delete_the_other_two_administrators(
    client, sysadmin, request, guarded
):
    target = request.getfixturevalue(guarded)
    password = target.password
    client.force_login(sysadmin)
    assert reset(client, target).status_code == 403
    assert client.get(reverse("admin:auth_user_password_change", args=[target.pk])).status_code == 403
    assert client.post(reverse("admin:accounts_user_delete", args=[target.pk]), {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    form = client.get(reverse("admin:accounts_user_change", args=[target.pk])).content.decode()
    assert 'name="is_active"' not in form
    target.refresh_from_db()
    assert target.password == password and target.is_active
    assert not AuditEntry.objects.filter(action__in=[AuditAction.PASSWORD_RESET, AuditAction.USER_DELETED]).exists()


def test_the_system_administrator_still_resets_another_system_administrator(client, sysadmin):
    other = make_user("p_sysadmin2", Role.SYSADMIN)
    client.force_login(sysadmin)
    assert reset(client, other).status_code == 302


# --- 系统管理: departments, delegations and deputies are audited -------------------------------------


def test_a_new_department_is_recorded_with_its_values(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:accounts_department_add"),
        {
            "name": "吉林省民政厅",
            "short_name": "省民政厅",
            "doc_code": "吉民函",
            "is_government": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    entry = only(action=AuditAction.RECORD_CHANGED)
    assert entry.user == sysadmin and entry.object_label == "吉林省民政厅"
    assert entry.details == {
        "op": "created",
        "model": "department",
        "changes": {
            "name": [None, "吉林省民政厅"],
            "short_name": [None, "省民政厅"],
            "doc_code": [None, "吉民函"],
            "is_government": [None, True],
            "is_active": [None, True],
        },
    }


def test_a_changed_department_records_only_the_fields_that_changed(client, sysadmin, department_a):
    client.force_login(sysadmin)
    url = reverse("admin:accounts_department_change", args=[department_a.pk])
    fields = {
        "name": department_a.name,
        "short_name": department_a.short_name,
        "doc_code": department_a.doc_code,
        "is_government": "on",
        "phone": "0431-88888888",
        "is_active": "",
    }
    assert client.post(url, fields).status_code == 302
    entry = only(action=AuditAction.RECORD_CHANGED)
    assert entry.details == {
        "op": "changed",
        "model": "department",
        "changes": {"phone": ["", "0431-88888888"], "is_active": [True, False]},
    }
    assert client.post(url, fields).status_code == 302  # saved again unchanged: nothing new
    assert AuditEntry.objects.filter(action=AuditAction.RECORD_CHANGED).count() == 1


def test_deleting_delegations_is_recorded_one_entry_each(client, sysadmin):
    first, second = Delegation.objects.create(name="通化代表团"), Delegation.objects.create(name="白山代表团")
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:accounts_delegation_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    entries = AuditEntry.objects.filter(action=AuditAction.RECORD_CHANGED).order_by("object_label")
    assert [(e.object_label, e.details["op"], e.details["changes"]) for e in entries] == [
        ("白山代表团", "deleted", {"name": ["白山代表团", None]}),
        ("通化代表团", "deleted", {"name": ["通化代表团", None]}),
    ]
    assert not Delegation.objects.filter(pk__in=[first.pk, second.pk]).exists()


def test_a_deputys_phone_and_address_are_recorded_as_changed_never_by_value(client, sysadmin, deputy):
    record = Deputy.objects.get(user=deputy)
    record.phone, record.address = "13800001111", "吉林省长春市人民大街 1 号"
    record.save()
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:accounts_deputy_change", args=[record.pk]),
        {
            "user": deputy.pk,
            "name": record.name,
            "delegation": record.delegation_id,
            "level": record.level,
            "term": 15,
            "phone": "13900002222",
            "address": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    entry = only(action=AuditAction.RECORD_CHANGED)
    # An empty address keeps the stored one (the form never shows it in full).
    assert entry.details["changes"] == {"term": [14, 15], "phone": ["***", "***"]}
    kept = json.dumps(entry.details, ensure_ascii=False)
    assert "138" not in kept and "139" not in kept and "人民大街" not in kept


def test_the_system_administrator_sees_a_deputys_phone_and_address_only_masked(client, sysadmin, deputy):
    record = Deputy.objects.get(user=deputy)
    record.phone, record.address = "13800001111", "吉林省长春市人民大街 1 号"
    record.save()
    client.force_login(sysadmin)
    page = text(client.get(reverse("admin:accounts_deputy_change", args=[record.pk])))
    assert "138****1111" in page and "吉林省长春市****" in page
    assert "13800001111" not in page and "人民大街" not in page
    listing = text(client.get(reverse("admin:accounts_deputy_changelist")))
    assert "13800001111" not in listing and "人民大街" not in listing


def test_deleting_a_deputy_keeps_no_personal_data_in_the_log(client, sysadmin):
    record = Deputy.objects.create(name="无账号代表", term=14, phone="13800001111", address="延吉市")
    client.force_login(sysadmin)
    response = client.post(reverse("admin:accounts_deputy_delete", args=[record.pk]), {"post": "yes"})
    assert response.status_code == 302
    entry = only(action=AuditAction.RECORD_CHANGED)
    assert entry.details["op"] == "deleted" and entry.details["changes"]["phone"] == ["***", None]
    assert "13800001111" not in json.dumps(entry.details, ensure_ascii=False)


def test_a_deputy_record_takes_only_a_deputy_account_as_its_login(client, sysadmin, coordinator):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:accounts_deputy_add"),
        {"user": coordinator.pk, "name": "李敏", "level": "provincial", "term": 14, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "登录账号须为角色是“人大代表”的账号。" in text(response)
    assert not Deputy.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.RECORD_CHANGED).exists()


def test_the_admins_own_password_link_is_the_audited_password_page(client, sysadmin):
    from conftest import PASSWORD

    client.force_login(sysadmin)
    page = client.get(reverse("admin:password_change"))
    assert page.status_code == 200 and "原密码" in page.content.decode()
    new = "Admin-new-pass-2025"
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert only(action=AuditAction.PASSWORD_CHANGED).user == sysadmin
