"""Text messages (短信). Providers differ by province, so the sender is a setting: a dotted
path to a class with `send(phone, text)`. The default only logs, so nothing leaves the
machine until an operator plugs in a provider."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("jianyi.sms")


class LoggingSmsSender:
    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


def sender():
    return import_string(settings.SMS_SENDER)()


def send_sms(phone: str, text: str) -> None:
    if phone:
        sender().send(phone, text)
