from procrastinate.contrib.django import app

from . import emails


@app.task(queue="mail")
def send_test_email(address: str) -> None:
    emails.send_test_email(address)
