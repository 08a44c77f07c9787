from procrastinate.contrib.django import app

from . import exports


@app.task(queue="exports")
def build_list_export(export_id: int) -> None:
    """Idempotent: an export already taken or finished is left alone (exports.build claims
    it with a conditional update)."""
    exports.build(export_id)


# 19:15 UTC is 03:15 in Beijing, after the archive purge, when nobody is downloading.
@app.periodic(cron="15 19 * * *")
@app.task(queue="exports", queueing_lock="purge_list_exports")
def purge_list_exports(timestamp: int) -> None:
    exports.purge()
