from django.urls import reverse

from .registry import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = [{"label": item.label, "url": reverse(item.url_name)} for item in nav_for(user)]
    # The current section is the most specific item whose URL the path starts with.
    matches = [i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is current
    return {"nav_items": items, "unread_notifications": user.notifications.unread().count()}
