"""Fetch-and-authorize helpers every view uses (STYLE.md practices 2 and 3).

The rule everywhere: an object the user may not see does not exist for them (404); an
object they may see but an action their role may not take is refused (403); anonymous
users are sent to the login page.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404


def role_required(*roles):
    """Only users holding one of `roles` may use the view; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorator


def get_for_user(queryset, user, *, roles=None, **lookup):
    """The object matching `lookup` among those `user` may see (`queryset.visible_to(user)`).

    404 when it is not visible; 403 when it is visible but `roles` excludes the user's role.
    """
    obj = get_object_or_404(queryset.visible_to(user), **lookup)
    if roles is not None and user.role not in roles:
        raise PermissionDenied
    return obj
