from procrastinate.contrib.django import app

from . import importing


@app.task(queue="imports")
def process_import(batch_id: int) -> None:
    """Validate and import an uploaded spreadsheet. Idempotent: a batch already running or
    finished is left alone (importing.process_batch claims it with a conditional update)."""
    importing.process_batch(batch_id)


# 00:00 UTC is 08:00 in Beijing: the digests arrive at the start of the working day.
@app.periodic(cron="0 0 * * *")
@app.task(queue="mail", queueing_lock="daily_reminders")
def daily_reminders(timestamp: int) -> None:
    from django.utils import timezone

    from .reminders import send_reminders

    send_reminders(timezone.localdate())
