from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from . import emails, figures, lockout
from .models import Notification


@app.task(queue="mail")
def send_test_email(address: str) -> None:
    emails.send_test_email(address)


# Retried when the mail server fails; notifications already sent are claimed and skipped.
@app.task(queue="mail", retry=5)
def email_notifications(notification_ids: list[int]) -> None:
    """Emails each notification to its user once: a notification is claimed by a conditional
    update before sending, so running the job twice sends nothing twice."""
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related("user"):
        with transaction.atomic():
            claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            if claimed and notification.user.email and notification.kind not in notification.user.email_opt_out:
                emails.notification(notification)


@app.periodic(cron="17 3 * * *")
@app.task(queue="maintenance", queueing_lock="clearsessions")
def clear_expired_sessions(timestamp: int) -> None:
    """Expired sessions are deleted nightly, or the session table only grows."""
    from django.core.management import call_command

    call_command("clearsessions")


@app.periodic(cron="27 3 * * *")
@app.task(queue="maintenance", queueing_lock="purge_login_failures")
def purge_login_failures(timestamp: int) -> None:
    """Failed sign-ins older than the lockout window count for nothing; deleted nightly."""
    lockout.purge()


@app.periodic(cron="37 3 * * *")
@app.task(queue="maintenance", queueing_lock="purge_figures")
def purge_figures(timestamp: int) -> None:
    """Figures rendered on earlier days are never read again (accounts.figures keys them by
    day); deleted nightly."""
    figures.purge()
