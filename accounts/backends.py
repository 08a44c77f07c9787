from django.contrib.auth.backends import ModelBackend

from .models import Role, User

# Model permissions come from the role, not from per-user grants, so nobody can quietly
# collect rights across the separated administrator duties.
ROLE_APP_PERMISSIONS = {
    Role.SYSADMIN: {"accounts"},
}


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        """The signed-in user of each request, with the department every department user's
        page header shows (one query, not two)."""
        user = User._default_manager.select_related("department").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def _role_apps(self, user_obj):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return ROLE_APP_PERMISSIONS.get(user_obj.role, set())

    def has_perm(self, user_obj, perm, obj=None):
        return perm.split(".", 1)[0] in self._role_apps(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return app_label in self._role_apps(user_obj)
