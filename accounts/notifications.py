"""Telling users what happened: an in-app notification for each, and an email to those
with an address, sent by the worker after the transaction commits."""

from django.db import transaction

from .models import Notification


def notify(users, message: str, url: str = "", *, email_template: str = "notification", context=None):
    users = [u for u in users if u is not None and u.is_active]
    Notification.objects.bulk_create(Notification(user=u, message=str(message), url=url) for u in users)
    addresses = sorted({u.email for u in users if u.email})
    if addresses:
        from . import tasks  # the tasks module needs the app registry ready

        payload = {"message": str(message), "url": url, **(context or {})}
        for address in addresses:
            transaction.on_commit(
                lambda address=address: tasks.send_email.defer(template=email_template, to=address, context=payload)
            )
