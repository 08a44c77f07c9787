"""Telling users what happened: an in-app notification for each, and an email to those
with an address, sent by the worker after the transaction commits (one job per call, however
many people are told)."""

from django.db import transaction
from django.utils.text import Truncator

from .models import Notification, NotificationKind


def notify(users, message, url: str = "", *, kind=NotificationKind.OTHER):
    """`users`: the people to tell (None and inactive users are skipped, duplicates once)."""
    return notify_many([(user, message, url) for user in users], kind=kind)


def notify_many(items, *, kind=NotificationKind.OTHER):
    """`items`: (user, message, url) triples of one `kind`; one bulk insert and one email
    job."""
    seen, rows = set(), []
    for user, message, url in items:
        if user is None or not user.is_active or (user.pk, str(message), url) in seen:
            continue
        seen.add((user.pk, str(message), url))
        # bulk_create skips field validation: keep within the column, never a failed action
        text = Truncator(str(message)).chars(Notification._meta.get_field("message").max_length)
        rows.append(Notification(user=user, message=text, url=url, kind=kind))
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.user.email]
    if ids:
        from . import tasks  # the tasks module needs the app registry ready

        transaction.on_commit(lambda: tasks.email_notifications.defer(notification_ids=ids))
    return created
