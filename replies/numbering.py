"""Document numbers (发文字号): 机关代字〔YYYY〕N号 — the full year in hexagonal brackets,
the serial without 第 and without leading zeros (GB/T 9704-2012). A series' pattern names
where the year and the serial go: 吉科发规划〔{年份}〕{序号}号."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import DomainError

from .models import DocumentSeries

YEAR, SERIAL = "{年份}", "{序号}"
_WRONG_BRACKETS = re.compile(r"[\[\]【】()（）]")


class NumberingError(DomainError):
    pass


def default_pattern(doc_code: str) -> str:
    return f"{doc_code}〔{YEAR}〕{SERIAL}号"


def format_number(pattern: str, year: int, serial: int) -> str:
    return pattern.replace(YEAR, str(year)).replace(SERIAL, str(serial))


def clean_pattern(pattern: str) -> str:
    """A series pattern such as 吉科发规划〔{年份}〕{序号}号, checked against GB/T 9704."""
    pattern = re.sub(r"\s+", "", pattern or "")
    example = default_pattern("吉科发规划")
    if not pattern:
        raise NumberingError(_("请填写文号格式，如“%(example)s”。") % {"example": example})
    if pattern.count(YEAR) != 1:
        raise NumberingError(_("文号格式须包含一个年份占位符{年份}，如“%(example)s”。") % {"example": example})
    if pattern.count(SERIAL) != 1:
        raise NumberingError(_("文号格式须包含一个序号占位符{序号}，如“%(example)s”。") % {"example": example})
    rest = pattern.replace(YEAR, "").replace(SERIAL, "")
    if "{" in rest or "}" in rest:
        raise NumberingError(_("文号格式只能使用{年份}和{序号}两个占位符。"))
    if f"〔{YEAR}〕" not in pattern or _WRONG_BRACKETS.search(pattern):
        raise NumberingError(_("年份须用六角括号括起，写作〔{年份}〕，不用[]、【】或()。"))
    if f"第{SERIAL}" in pattern:
        raise NumberingError(_("序号前不加“第”，如“〔{年份}〕56号”。"))
    if not pattern.endswith(f"{SERIAL}号"):
        raise NumberingError(_("文号格式须以“{序号}号”结尾。"))
    if pattern.startswith(f"〔{YEAR}〕"):
        raise NumberingError(_("文号格式须以机关代字开头，如“%(example)s”。") % {"example": example})
    return pattern


@transaction.atomic
def take_number(department, year: int, kind=DocumentSeries.Kind.REPLY) -> tuple[str, int]:
    """The next number of the department's series for `year`, under a row lock: call it
    inside the transaction that signs the document, so a rollback returns the number.
    Opinions share the reply series unless the department keeps its own opinion series, so
    two documents of a department never carry the same number."""
    series = None
    if kind == DocumentSeries.Kind.OPINION:
        series = DocumentSeries.objects.filter(department=department, kind=kind, year=year).first()
    if series is None:
        series, _created = DocumentSeries.objects.get_or_create(
            department=department,
            kind=DocumentSeries.Kind.REPLY,
            year=year,
            defaults={"pattern": series_default(department, year)},
        )
    series = DocumentSeries.objects.select_for_update().get(pk=series.pk)
    serial = series.last_number + 1
    DocumentSeries.objects.filter(pk=series.pk).update(last_number=serial)
    return format_number(series.pattern, year, serial), serial


def series_default(department, year) -> str:
    """A new year's reply series keeps last year's pattern; the very first comes from the
    department's code."""
    previous = (
        DocumentSeries.objects.filter(department=department, kind=DocumentSeries.Kind.REPLY, year__lt=year)
        .order_by("-year")
        .first()
    )
    if previous:
        return previous.pattern
    try:
        return clean_pattern(default_pattern(department.doc_code))
    except NumberingError:
        raise NumberingError(
            _("%(dept)s的机关代字“%(code)s”不能直接生成文号，请先在“文号”页面为%(year)s年新建答复文号序列。")
            % {"dept": department.name, "code": department.doc_code, "year": year}
        ) from None


@transaction.atomic
def set_next_number(series, next_number: int):
    """The office or the department moves a series on (e.g. numbers used on paper); a number
    already used can never be handed out again."""
    series = DocumentSeries.objects.select_for_update().get(pk=series.pk)
    if next_number <= series.last_number:
        raise NumberingError(
            _("本序列已用到%(last)s号，下一个序号不能小于%(next)s。")
            % {"last": series.last_number, "next": series.last_number + 1}
        )
    DocumentSeries.objects.filter(pk=series.pk).update(last_number=next_number - 1)
