from procrastinate.contrib.django import app

from . import importing


@app.task(queue="imports")
def process_import(batch_id: int) -> None:
    """Validate and import an uploaded spreadsheet. Idempotent: a batch already running or
    finished is left alone (importing.process_batch claims it with a conditional update)."""
    importing.process_batch(batch_id)
