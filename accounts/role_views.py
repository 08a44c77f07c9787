"""变更角色: the security administrator's page to change an account's role (accounts.roles)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST, require_safe

from . import roles
from .models import Department, Role, User
from .permissions import role_required

# Deputy accounts are opened by the system administrator with their Deputy record (accounts.roles).
GRANTABLE = [(value, label) for value, label in Role.choices if value != Role.DEPUTY]


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(
        label=_lazy("新角色"),
        choices=[("", _lazy("请选择")), *GRANTABLE],
        error_messages={"required": _lazy("请选择新角色。"), "invalid_choice": _lazy("请从列表中选择新角色。")},
    )
    department = forms.ModelChoiceField(
        label=_lazy("所属单位"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        empty_label=_lazy("（不属于任何单位）"),
        help_text=_lazy("承办人和单位负责人须选择；交办工作人员可选；管理员不属于任何单位，保存时自动清除。"),
        error_messages={"invalid_choice": _lazy("所选单位不存在或已停用，请重新选择。")},
    )
    reason = forms.CharField(
        label=_lazy("变更原因"),
        max_length=roles.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_lazy("如“调任单位负责人，依据人事任免通知”。变更原因记入审计日志。"),
        error_messages={
            "required": _lazy("请填写变更原因。"),
            "max_length": _lazy("变更原因不能超过 %(limit_value)d 个字。"),
        },
    )
    # What the page showed when it was drawn: the optimistic check against concurrent changes.
    expected_role = forms.ChoiceField(choices=Role.choices, widget=forms.HiddenInput)
    expected_department = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_reason(self):
        reason = roles.clean_reason(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(_("请填写变更原因。"))
        return reason

    def clean(self):
        cleaned = super().clean()
        if "expected_role" in self.errors or "expected_department" in self.errors:
            # Only a tampered or truncated page gets here.
            self.errors.pop("expected_role", None)
            self.errors.pop("expected_department", None)
            raise forms.ValidationError(_("页面已过期，请刷新页面后重新填写。"))
        return cleaned


def _back_to_list(user):
    """账号安全, searched for the account just changed, so its new role shows at once."""
    return f"{reverse('accounts:security_users')}?{urlencode({'q': user.username})}"


def _refusal(request, target):
    """Why the page offers no form for this account, or "" when it does."""
    if target.pk == request.user.pk:
        return roles.SELF_REFUSED
    if target.role == Role.DEPUTY:
        return roles.DEPUTY_REFUSED
    return ""


def _render(request, target, form):
    context = {"target": target, "form": form, "refusal": _refusal(request, target)}
    return render(request, "accounts/role_change.html", context)


@require_safe
@role_required(Role.SECADMIN)
def role_change(request, pk):
    """The form: the account as it is now, the new role, the department and the reason."""
    target = get_object_or_404(User.objects.select_related("department"), pk=pk)
    form = RoleChangeForm(initial={"department": target.department_id})
    return _render(request, target, form)


@require_POST
@role_required(Role.SECADMIN)
def role_change_submit(request, pk):
    """Fetch → form → accounts.roles.change_role → message → back to 账号安全; a refusal
    draws the form again with what was typed and the reason why."""
    target = User.objects.select_related("department").filter(pk=pk).first()
    if target is None:  # removed by the system administrator while the form was open
        messages.error(request, _("未找到该用户，请刷新页面后重试。"))
        return redirect("accounts:security_users")
    form = RoleChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = roles.change_role(
                target,
                new_role=data["role"],
                department=data["department"],
                reason=data["reason"],
                actor=request.user,
                request=request,
                expected_role=data["expected_role"],
                expected_department_id=data["expected_department"],
            )
        except roles.RoleChangeRefused as refused:
            form.add_error(refused.field, refused.message)
            # Drawn again from the account as it is now, so the hidden check is current.
            target = User.objects.select_related("department").filter(pk=pk).first()
            if target is None:
                messages.error(request, refused.message)
                return redirect("accounts:security_users")
        else:
            messages.success(
                request,
                _("已将“%(name)s”的角色由“%(old)s”变更为“%(new)s”，该用户须重新登录。")
                % {"name": user, "old": target.get_role_display(), "new": user.get_role_display()},
            )
            return redirect(_back_to_list(user))
    return _render(request, target, form)
