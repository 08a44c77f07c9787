import functools

from django.urls import get_script_prefix, reverse

from .registry import nav_for


@functools.cache
def _links(role, script_prefix):
    """A role's navigation as (label, URL): reversed once per process, not on every page."""
    return tuple((item.label, reverse(item.url_name)) for item in nav_for(role))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = [{"label": label, "url": url} for label, url in _links(user.role, get_script_prefix())]
    # The current section is the most specific item whose URL the path starts with.
    matches = [i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is current
    return {"nav_items": items, "unread_notifications": user.notifications.unread().count()}
