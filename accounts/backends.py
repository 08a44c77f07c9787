from django.contrib.auth.backends import ModelBackend

from .models import Role

# Model permissions come from the role, not from per-user grants, so nobody can quietly
# collect rights across the separated administrator duties.
ROLE_APP_PERMISSIONS = {
    Role.SYSADMIN: {"accounts"},
}


class RoleBackend(ModelBackend):
    def _role_apps(self, user_obj):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return ROLE_APP_PERMISSIONS.get(user_obj.role, set())

    def has_perm(self, user_obj, perm, obj=None):
        return perm.split(".", 1)[0] in self._role_apps(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return app_label in self._role_apps(user_obj)
