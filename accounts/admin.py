from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import AuditAction, Delegation, Department, Deputy, Role, User
from .personal_data import mask_address, mask_phone

# Changes to these are recorded in the audit log, with the old and the new value.
AUDITED_USER_FIELDS = ("role", "department", "is_active")
# 三员分立: the system administrator opens accounts with these roles only; the administrator
# roles are granted by the security administrator (accounts.roles, 变更角色).
BUSINESS_ROLES = (Role.DEPUTY, Role.CLERK, Role.LEADER, Role.COORDINATOR)
# The other two of the three: the system administrator may not set their passwords, deactivate
# or delete them, or it could sign in as the security administrator or the auditor (the
# operator's `manage.py changepassword` is the way when one of them forgets a password).
GUARDED_ROLES = (Role.SECADMIN, Role.AUDITOR)

admin.site.unregister(Group)


class ResetPasswordForm(AdminPasswordChangeForm):
    """The administrator sets another user's password (a reset): like an initial password,
    the user must replace it at the next sign-in. Audited as a password change."""

    def save(self, commit=True):
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    change_password_form = ResetPasswordForm
    list_display = ("username", "full_name", "role", "department", "email", "is_active", "last_login")
    list_filter = ("role", "is_active", "department")
    search_fields = ("username", "full_name", "email")
    ordering = ("username",)
    list_select_related = ("department",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "email", "phone")}),
        (_("角色与单位"), {"fields": ("role", "department", "is_active")}),
        (_("密码策略"), {"fields": ("must_change_password", "password_changed_at")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "role",
                    "department",
                    "email",
                    "is_active",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined", "password_changed_at")

    def get_readonly_fields(self, request, obj=None):
        # Roles are the security administrator's business (三员分立): the system
        # administrator sets one when creating an account and cannot change it afterwards.
        if obj is None:
            return self.readonly_fields
        if obj.role in GUARDED_ROLES:
            return (*self.readonly_fields, "role", "is_active", "must_change_password")
        return (*self.readonly_fields, "role")

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.role not in GUARDED_ROLES)

    filter_horizontal = ()

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # Only the add form has the role as a field (it is read-only afterwards). A forged
        # administrator role fails the field's validation like any value not offered.
        if db_field.name == "role":
            kwargs["choices"] = [("", "---------"), *((r.value, r.label) for r in BUSINESS_ROLES)]
            kwargs["help_text"] = _(
                "系统管理员、安全管理员、安全审计员由安全管理员在“账号安全”中授予：请先以业务角色开设账号"
                "并取消勾选“有效”，待安全管理员变更角色后再启用。"
            )
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def user_change_password(self, request, id, form_url=""):
        """重置密码, audited on the target user when the password actually changed (the hash is
        compared, never kept). One transaction, so there is no reset without its entry."""
        target = self.get_object(request, unquote(id))
        if target is not None and target.role in GUARDED_ROLES:
            raise PermissionDenied  # recorded as a denial by AuditDenialMiddleware
        with transaction.atomic():
            user = target if request.method == "POST" else None
            response = super().user_change_password(request, id, form_url)
            if user is not None:
                after = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
                if after is not None and after != user.password:
                    audit.record(
                        request,
                        AuditAction.PASSWORD_RESET,
                        obj=user,
                        target_username=user.username,
                        usable_password=is_password_usable(after),
                    )
        return response

    def save_model(self, request, obj, form, change):
        before = User.objects.select_related("department").get(pk=obj.pk) if change else None
        if before is None:
            # The administrator chose this password: the user replaces it at first sign-in.
            obj.must_change_password = True
        super().save_model(request, obj, form, change)
        if before is None:
            audit.record(
                request,
                AuditAction.USER_CREATED,
                obj=obj,
                role=obj.role,
                department=str(obj.department or ""),
                is_active=obj.is_active,
            )
            return
        changes = {
            name: [_shown(getattr(before, name)), _shown(getattr(obj, name))]
            for name in AUDITED_USER_FIELDS
            if getattr(before, name) != getattr(obj, name)
        }
        if changes:
            audit.record(request, AuditAction.USER_CHANGED, obj=obj, changes=changes)

    # Recorded before the deletion, in the admin's transaction: if the deletion fails, so
    # does the entry, and the entry still knows the user's id.
    def delete_model(self, request, obj):
        audit.record(request, AuditAction.USER_DELETED, obj=obj, deleted_username=obj.username)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        if queryset.filter(role__in=GUARDED_ROLES).exists():
            raise PermissionDenied
        for user in queryset:
            audit.record(request, AuditAction.USER_DELETED, obj=user, deleted_username=user.username)
        super().delete_queryset(request, queryset)


class AuditedRecordMixin:
    """Audits add, change and delete in 系统管理 as RECORD_CHANGED: details {op, model,
    changes: {field: [old, new]}} (created: [None, new]; deleted: [old, None]). Fields named
    in `personal_fields` are personal data: the entry shows that they were set, changed or
    cleared ("***" for a value), never the value."""

    personal_fields = ()

    def _values(self, obj):
        values = {}
        for field in obj._meta.concrete_fields:
            if field.primary_key:
                continue
            raw = getattr(obj, field.attname)
            if field.is_relation and raw is not None:
                raw = str(getattr(obj, field.name))
            values[field.name] = raw
        return values

    def _changes(self, before, after):
        """{field: [old, new]} for every field that differs; a created record (before None) or
        a deleted one (after None) lists its non-empty values."""
        changes = {}
        for name in after or before:
            old = before[name] if before is not None else None
            new = after[name] if after is not None else None
            if old == new or (before is None and new in (None, "")) or (after is None and old in (None, "")):
                continue
            if name in self.personal_fields:
                old, new = ("***" if value else value for value in (old, new))
            changes[name] = [old, new]
        return changes

    def _record(self, request, obj, op, before, after):
        changes = self._changes(before, after)
        if op == "changed" and not changes:
            return
        audit.record(request, AuditAction.RECORD_CHANGED, obj=obj, op=op, model=obj._meta.model_name, changes=changes)

    def save_model(self, request, obj, form, change):
        before = self._values(type(obj)._default_manager.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        self._record(request, obj, "changed" if change else "created", before, self._values(obj))

    # Recorded before the deletion, in the admin's transaction, as for users above.
    def delete_model(self, request, obj):
        self._record(request, obj, "deleted", self._values(obj), None)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(request, obj, "deleted", self._values(obj), None)
        super().delete_queryset(request, queryset)


@admin.register(Department)
class DepartmentAdmin(AuditedRecordMixin, admin.ModelAdmin):
    list_display = ("name", "short_name", "doc_code", "is_government", "phone", "is_active")
    list_filter = ("is_active", "is_government")
    search_fields = ("name", "short_name", "doc_code")


@admin.register(Delegation)
class DelegationAdmin(AuditedRecordMixin, admin.ModelAdmin):
    search_fields = ("name",)


class DeputyForm(forms.ModelForm):
    # 个人信息保护: the system administrator enters a deputy's phone and address but sees them
    # only masked (accounts.personal_data); an empty field keeps what is stored.
    WRITE_ONLY = {"phone": mask_phone, "address": mask_address}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, mask in self.WRITE_ONLY.items():
            field = self.fields.get(name)
            current = getattr(self.instance, name, "") if self.instance.pk else ""
            if field is None or not current:
                continue
            self.initial[name] = ""
            field.help_text = _("已填写：%(masked)s。如需修改请输入新值，留空则保持不变。") % {"masked": mask(current)}

    def _keep_if_empty(self, name):
        value = self.cleaned_data.get(name)
        if not value and self.instance.pk:
            return getattr(type(self.instance).objects.get(pk=self.instance.pk), name)
        return value

    def clean_phone(self):
        return self._keep_if_empty("phone")

    def clean_address(self):
        return self._keep_if_empty("address")

    def clean_user(self):
        # The login of a deputy is a 人大代表 account: linking a staff account would give the
        # deputy's proposals to a department or administrator role (accounts.roles).
        user = self.cleaned_data.get("user")
        if user is not None and user.role != Role.DEPUTY:
            raise forms.ValidationError(_("登录账号须为角色是“人大代表”的账号。"))
        return user


@admin.register(Deputy)
class DeputyAdmin(AuditedRecordMixin, admin.ModelAdmin):
    form = DeputyForm
    list_display = ("name", "delegation", "level", "term", "user", "is_active")
    list_filter = ("level", "term", "delegation", "is_active")
    search_fields = ("name", "user__username")
    list_select_related = ("delegation", "user")
    autocomplete_fields = ("delegation",)
    raw_id_fields = ("user",)
    personal_fields = ("phone", "address")


def _shown(value):
    """A field value as the audit keeps it: a department by name, anything else as it is."""
    return str(value) if isinstance(value, Department) else value
