from procrastinate.contrib.django import app

from . import archive


@app.task(queue="exports")
def build_archive(export_id: int) -> None:
    """Idempotent: an export already taken or finished is left alone (archive.build claims
    it with a conditional update)."""
    archive.build(export_id)


# 19:00 UTC is 03:00 in Beijing, when nobody is downloading.
@app.periodic(cron="0 19 * * *")
@app.task(queue="exports", queueing_lock="purge_archives")
def purge_archives(timestamp: int) -> None:
    archive.purge()


# 00:30 UTC is 08:30 in Beijing, after the morning digests.
@app.periodic(cron="30 0 * * *")
@app.task(queue="mail", queueing_lock="feedback_daily")
def feedback_daily(timestamp: int) -> None:
    from . import feedback

    feedback.daily()


# 00:45 UTC is 08:45 in Beijing.
@app.periodic(cron="45 0 * * *")
@app.task(queue="mail", queueing_lock="commitments_daily")
def commitments_daily(timestamp: int) -> None:
    from . import followup

    followup.daily()
