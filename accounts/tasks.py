from procrastinate.contrib.django import app

from . import emails


@app.task(queue="mail")
def send_test_email(address: str) -> None:
    emails.send_test_email(address)


@app.task(queue="mail")
def send_email(template: str, to: str, context: dict) -> None:
    emails.send(template, [to], context)


@app.periodic(cron="17 3 * * *")
@app.task(queue="maintenance", queueing_lock="clearsessions")
def clear_expired_sessions(timestamp: int) -> None:
    """Expired sessions are deleted nightly, or the session table only grows."""
    from django.core.management import call_command

    call_command("clearsessions")
