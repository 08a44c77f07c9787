"""Document numbers (发文字号): 机关代字〔YYYY〕N号 — the full year in hexagonal brackets,
the serial without 第 and without leading zeros (GB/T 9704-2012)."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import DomainError

from .models import DocumentSeries

_WRONG_BRACKETS = re.compile(r"[\[\]【】〔〕()（）]")


class NumberingError(DomainError):
    pass


def format_number(code: str, year: int, serial: int) -> str:
    return f"{code}〔{year}〕{serial}号"


def clean_code(code: str) -> str:
    """A department code such as 吉科发规划: no year, brackets or serial of its own."""
    code = code.strip()
    if not code:
        raise NumberingError(_("请填写机关代字，如“吉科发规划”。"))
    if _WRONG_BRACKETS.search(code) or re.search(r"\d{4}|号$", code):
        raise NumberingError(_("机关代字只写代字本身（如“吉科发规划”），年份〔2024〕和序号由系统自动加上。"))
    return code


@transaction.atomic
def take_number(department, year: int, kind=DocumentSeries.Kind.REPLY) -> tuple[str, int]:
    """The next number of the department's series for `year`, under a row lock: call it
    inside the transaction that signs the document, so a rollback returns the number."""
    series, _created = DocumentSeries.objects.get_or_create(
        department=department, kind=kind, year=year, defaults={"code": clean_code(department.doc_code)}
    )
    series = DocumentSeries.objects.select_for_update().get(pk=series.pk)
    serial = series.last_number + 1
    DocumentSeries.objects.filter(pk=series.pk).update(last_number=serial)
    return format_number(series.code, year, serial), serial


@transaction.atomic
def set_next_number(series, next_number: int):
    """The office or the department moves a series on (e.g. numbers used on paper); a number
    already used can never be handed out again."""
    series = DocumentSeries.objects.select_for_update().get(pk=series.pk)
    if next_number <= series.last_number:
        raise NumberingError(
            _("%(series)s已用到%(last)s号，下一个序号不能小于%(next)s。")
            % {"series": str(series), "last": series.last_number, "next": series.last_number + 1}
        )
    DocumentSeries.objects.filter(pk=series.pk).update(last_number=next_number - 1)
