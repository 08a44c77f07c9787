from django.urls import reverse

from .registry import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = []
    for item in nav_for(user):
        url = reverse(item.url_name)
        items.append({"label": item.label, "url": url, "active": path == url or (url != "/" and path.startswith(url))})
    return {"nav_items": items, "unread_notifications": user.notifications.unread().count()}
