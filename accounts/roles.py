"""变更角色: roles are granted by the security administrator (三员分立, issue 9).

The system administrator opens accounts with a business role only (accounts.admin); every
later change of role, and every grant of an administrator role, goes through change_role():
from the security administrator's page (accounts.role_views) or, to bootstrap an installation
that has no security administrator yet, `manage.py set_role` on the server. Each change is
audited as ROLE_CHANGED with the old and new role and department and the reason given.

Saving the role bumps the user's security stamp (User.save), so every session of the user
ends and nobody keeps working with the rights of the old role.
"""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import audit
from .errors import DomainError
from .models import ADMIN_ROLES, DEPARTMENT_ROLES, AuditAction, Role, User

REASON_MAX_LENGTH = 200
# `via` in the audit details: where the change was made.
VIA_WEB = "web"
VIA_COMMAND_LINE = "command_line"
# expected_department when the caller does not check it (the command line).
UNCHECKED = object()


# Shown on the page too, where it offers no form for such an account (accounts.role_views).
SELF_REFUSED = _lazy("不能变更自己的角色。如确需变更，请由其他安全管理员办理。")
# A deputy account is the login of a Deputy record: the deputy's proposals and co-signatures
# hang on it, and a deputy who also works as staff holds a second account for that work.
DEPUTY_REFUSED = _lazy(
    "人大代表账号与代表信息绑定，不能变更为其他角色。代表同时担任工作人员的，"
    "请系统管理员另行开设工作人员账号；代表账号不再使用的，请系统管理员停用。"
)


class RoleChangeRefused(DomainError):
    """A refused role change; `field` names the form field the message belongs to, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def _role_label(role) -> str:
    return str(Role(role).label) if role in Role.values else str(role)


def _lock(target_id, role_seen):
    """The target, locked, and whether it is the last active holder of its administrator role.

    Two security administrators demoting the last two auditors at once must not both succeed,
    so for an administrator role every active holder is locked with the target, in primary-key
    order (the same order in every transaction, so two of them cannot deadlock)."""
    if role_seen not in ADMIN_ROLES:
        return User.objects.select_for_update().filter(pk=target_id).first(), False
    locked = list(
        User.objects.select_for_update().filter(Q(pk=target_id) | Q(role=role_seen, is_active=True)).order_by("pk")
    )
    target = next((user for user in locked if user.pk == target_id), None)
    others = [user for user in locked if user.pk != target_id and user.role == role_seen and user.is_active]
    last = target is not None and target.is_active and target.role == role_seen and not others
    return target, last


def clean_reason(value) -> str:
    """The reason as the audit keeps it: one line, no NUL, at most REASON_MAX_LENGTH characters."""
    return " ".join(str(value or "").replace("\x00", "").split())[:REASON_MAX_LENGTH]


def change_role(
    target,
    *,
    new_role,
    department,
    reason,
    actor=None,
    request=None,
    expected_role=None,
    expected_department_id=UNCHECKED,
    via=VIA_WEB,
    **audit_details,
):
    """Give `target` the role `new_role` (with `department` for 承办人 and 单位负责人), audited.

    `actor` is the security administrator (None on the command line). `expected_role` and
    `expected_department_id` are what the form was drawn with: if the account changed since,
    the change is refused instead of overwriting someone else's. Raises RoleChangeRefused
    with a message for the user; returns the saved user.
    """
    if actor is not None and not actor.has_role(Role.SECADMIN):
        raise RoleChangeRefused(_("只有安全管理员可以变更角色。"))
    if actor is not None and actor.pk == target.pk:
        raise RoleChangeRefused(str(SELF_REFUSED))
    if new_role not in Role.values:
        raise RoleChangeRefused(_("请从列表中选择新角色。"), field="role")
    reason = clean_reason(reason)
    if not reason:
        raise RoleChangeRefused(_("请填写变更原因。"), field="reason")
    expected_role = expected_role or target.role
    with transaction.atomic():
        user, last_holder = _lock(target.pk, expected_role)
        if user is None:
            raise RoleChangeRefused(_("未找到该用户，请刷新页面后重试。"))
        changed = user.role != expected_role or (
            expected_department_id is not UNCHECKED and user.department_id != expected_department_id
        )
        if changed:
            raise RoleChangeRefused(
                _("该账号的角色或所属单位刚刚已被修改，现为“%(role)s”%(department)s。请核对后重新提交。")
                % {
                    "role": _role_label(user.role),
                    "department": f"（{user.department}）" if user.department_id else "",
                }
            )
        if user.role == Role.DEPUTY:
            raise RoleChangeRefused(str(DEPUTY_REFUSED))
        if new_role == Role.DEPUTY:
            raise RoleChangeRefused(
                _("不能把工作人员账号变更为人大代表。代表账号请系统管理员另行开设，并在“代表信息”中与代表关联。"),
                field="role",
            )
        if new_role == user.role:
            raise RoleChangeRefused(_("新角色与当前角色相同，无需变更。调整所属单位请联系系统管理员。"), field="role")
        if new_role in ADMIN_ROLES:
            department = None  # administrators belong to no department (a database constraint)
        elif new_role in DEPARTMENT_ROLES and department is None:
            raise RoleChangeRefused(_("承办人和单位负责人须选择所属单位。"), field="department")
        if department is not None and not department.is_active and department.pk != user.department_id:
            raise RoleChangeRefused(_("所选单位已停用，请选择其他单位。"), field="department")
        if last_holder:
            raise RoleChangeRefused(
                _("“%(name)s”是唯一在用的%(role)s，变更后将无人履行这一职责。请先为其他账号授予该角色。")
                % {"name": user, "role": _role_label(user.role)}
            )
        old_role, old_department = user.role, user.department
        user.role, user.department = new_role, department
        user.save(update_fields=["role", "department"])  # bumps the security stamp: sessions end
        audit.record(
            request,
            AuditAction.ROLE_CHANGED,
            obj=user,
            user=actor,
            target_username=user.username,
            old_role=old_role,
            new_role=new_role,
            old_department=str(old_department or ""),
            new_department=str(department or ""),
            reason=reason,
            via=via,
            **audit_details,
        )
    return user
