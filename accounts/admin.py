from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import AuditAction, Delegation, Department, Deputy, User

# Changes to these are recorded in the audit log, with the old and the new value.
AUDITED_USER_FIELDS = ("role", "department", "is_active")

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
                "fields": ("username", "full_name", "role", "department", "email", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined", "password_changed_at")

    def get_readonly_fields(self, request, obj=None):
        # Roles are the security administrator's business (三员分立): the system
        # administrator sets one when creating an account and cannot change it afterwards.
        return (*self.readonly_fields, "role") if obj else self.readonly_fields

    filter_horizontal = ()

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
        for user in queryset:
            audit.record(request, AuditAction.USER_DELETED, obj=user, deleted_username=user.username)
        super().delete_queryset(request, queryset)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "doc_code", "is_government", "phone", "is_active")
    list_filter = ("is_active", "is_government")
    search_fields = ("name", "short_name", "doc_code")


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ("name", "delegation", "level", "term", "user", "is_active")
    list_filter = ("level", "term", "delegation", "is_active")
    search_fields = ("name", "user__username")
    list_select_related = ("delegation", "user")
    autocomplete_fields = ("delegation",)
    raw_id_fields = ("user",)


def _shown(value):
    """A field value as the audit keeps it: a department by name, anything else as it is."""
    return str(value) if isinstance(value, Department) else value
