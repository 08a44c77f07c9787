"""The working-day calendar: editing days, importing a year, and moving open deadlines with it.

A change to the calendar changes working-day deadlines (签收期限, 申请调整截止) of assignments
still open, and whether they are provisional. Month deadlines (答复期限, 协办意见期限) do not
depend on the calendar, and may have been moved by a recorded decision (an extension), so a
calendar change never touches them.
"""

import csv
import io
import re
import unicodedata
from calendar import isleap
from collections import defaultdict
from datetime import date, datetime, timedelta

import openpyxl
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError

from . import deadlines
from .models import Assignment, CalendarChange, ProposalEvent, WorkCalendarDay

Source = WorkCalendarDay.Source
NAME_MAX = WorkCalendarDay._meta.get_field("name").max_length
SUMMARY_MAX = CalendarChange._meta.get_field("summary").max_length
# A year's special days are a few dozen rows; anything much larger is the wrong file.
MAX_IMPORT_BYTES = 2 * 2**20
# The years the calendar accepts: anything else is a typing mistake.
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_IMPORT_ROWS = 400
RECOMPUTED_FIELDS = ("sign_due", "reassign_until")

WORKDAY_VALUES = {"是": True, "班": True, "1": True, "工作日": True, "上班": True}
RESTDAY_VALUES = {"否": False, "休": False, "0": False, "休息日": False, "休息": False, "放假": False}
COLUMN_DATE, COLUMN_WORKDAY, COLUMN_NAME = "日期", "是否工作日", "名称"


class CalendarError(DomainError):
    pass


class CalendarImportError(CalendarError):
    """The file was not imported; `messages` lists every problem, with row numbers."""

    def __init__(self, messages: list[str]):
        super().__init__(messages[0] if len(messages) == 1 else _("文件有%(n)s处错误，未导入。") % {"n": len(messages)})
        self.messages = messages


# --- coverage -------------------------------------------------------------------------------


def _year_lengths(years) -> dict[int, int]:
    return {y: 366 if isleap(y) else 365 for y in years}


def uncovered_years(years) -> list[int]:
    """Those of `years` for which the table does not hold every day (one query)."""
    years = sorted(set(years))
    if not years:
        return []
    counts = dict(
        WorkCalendarDay.objects.filter(date__range=(date(years[0], 1, 1), date(years[-1], 12, 31)))
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(n=Count("date"))
        .values_list("year", "n")
    )
    return [y for y, days in _year_lengths(years).items() if counts.get(y, 0) < days]


def covered_years() -> list[int]:
    """Every fully entered year, ascending (one query)."""
    counts = (
        WorkCalendarDay.objects.annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(n=Count("date"))
        .values_list("year", "n")
        .order_by("year")
    )
    return [y for y, n in counts if n == _year_lengths([y])[y]]


# --- changing days --------------------------------------------------------------------------


def _describe(changed: list[tuple[date, bool, str]]) -> str:
    if len(changed) == 1:
        d, is_workday, name = changed[0]
        kind = _("工作日") if is_workday else _("休息日")
        if name:
            return _("将%(date)s设为%(kind)s（%(name)s）") % {"date": d.isoformat(), "kind": kind, "name": name}
        return _("将%(date)s设为%(kind)s") % {"date": d.isoformat(), "kind": kind}
    first, last = min(c[0] for c in changed), max(c[0] for c in changed)
    return _("修改工作日历%(n)s天（%(first)s至%(last)s）") % {
        "n": len(changed),
        "first": first.isoformat(),
        "last": last.isoformat(),
    }


def set_days(
    changes: list[tuple[date, bool, str]], *, actor, source: str, summary: str | None = None
) -> CalendarChange:
    """Write the given days (date, is_workday, name), recompute the open deadlines they move,
    and record the change, in one transaction. Days written with the values they already
    had are not counted as changed. `summary` replaces the generated description."""
    by_date = {}
    for d, is_workday, name in changes:
        name = (name or "").strip()
        if len(name) > NAME_MAX:
            raise CalendarError(_("名称不能超过%(n)s个字：%(name)s") % {"n": NAME_MAX, "name": name})
        by_date[d] = (d, bool(is_workday), name)
    with transaction.atomic():
        existing = {}
        if by_date:
            existing = {
                row[0]: row[1:]
                for row in WorkCalendarDay.objects.select_for_update()
                .filter(date__range=(min(by_date), max(by_date)))
                .values_list("date", "is_workday", "name")
            }
        changed = [c for d, c in sorted(by_date.items()) if existing.get(d) != c[1:]]
        WorkCalendarDay.objects.bulk_create(
            [
                WorkCalendarDay(date=d, is_workday=w, name=n, source=source, updated_by=actor)
                for d, w, n in by_date.values()
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["is_workday", "name", "source", "updated_by", "updated_at"],
        )
        recomputed = recompute_open_deadlines(actor) if changed else 0
        if changed:
            from django.core.cache import cache

            from .context_processors import cache_key

            transaction.on_commit(lambda: cache.delete(cache_key(timezone.localdate())))
        text = summary or (_describe(changed) if changed else _("工作日历未变化"))
        return CalendarChange.objects.create(
            actor=actor, summary=text[:SUMMARY_MAX], days_changed=len(changed), deadlines_recomputed=recomputed
        )


def _china_date(moment: datetime) -> date:
    return moment.astimezone(deadlines.CHINA).date()


@transaction.atomic
def recompute_open_deadlines(actor) -> int:
    """Recompute the working-day deadlines of every assignment in force and not yet replied,
    after a calendar change. Rows whose dates or provisional flag moved are updated, each
    affected proposal gets one DEADLINES_RECOMPUTED event with the old and new dates.
    Returns the number of assignments updated. Runs in the caller's transaction, if any."""
    from .services import log  # services imports half the app; keep this module light

    open_assignments = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(is_active=True, replied_at__isnull=True)
        .select_related("proposal__session", "department")
        .order_by("proposal_id", "id")
    )
    if not open_assignments:
        return 0
    assigned = [_china_date(a.assigned_at) for a in open_assignments]
    work_calendar = deadlines.WorkCalendar.load(min(assigned), max(assigned))

    updated, moves_by_proposal = [], defaultdict(list)
    for assignment, assigned_on in zip(open_assignments, assigned, strict=True):
        session = assignment.proposal.session
        new = deadlines.compute(
            assigned_on=assigned_on,
            mode=assignment.mode,
            policy=deadlines.Policy.from_session(session),
            calendar=work_calendar,
            session_closes_on=session.closes_on,
        )
        moved = {
            f: (getattr(assignment, f), getattr(new, f))
            for f in RECOMPUTED_FIELDS
            if getattr(assignment, f) != getattr(new, f)
        }
        if not moved and assignment.provisional == new.provisional:
            continue
        move = {
            "assignment": assignment.pk,
            "department": assignment.department.short_name or assignment.department.name,
            "provisional": [assignment.provisional, new.provisional],
            **{f: [old.isoformat() if old else None, value.isoformat()] for f, (old, value) in moved.items()},
        }
        for f in RECOMPUTED_FIELDS:
            setattr(assignment, f, getattr(new, f))
        assignment.deadline_basis = {**assignment.deadline_basis, **{f: new.basis[f] for f in RECOMPUTED_FIELDS}}
        assignment.provisional = new.provisional
        updated.append(assignment)
        moves_by_proposal[assignment.proposal].append(move)

    Assignment.objects.bulk_update(updated, [*RECOMPUTED_FIELDS, "deadline_basis", "provisional"], batch_size=500)
    for proposal, moves in moves_by_proposal.items():
        log(proposal, ProposalEvent.Kind.DEADLINES_RECOMPUTED, actor, message=_event_message(moves), moves=moves)
    return len(updated)


def _event_message(moves: list[dict]) -> str:
    labels = {"sign_due": _("签收期限"), "reassign_until": _("申请调整截止")}
    parts = []
    for move in moves:
        dates = [
            _("%(label)s %(old)s → %(new)s") % {"label": labels[f], "old": move[f][0] or "—", "new": move[f][1]}
            for f in RECOMPUTED_FIELDS
            if f in move
        ]
        was, now = move["provisional"]
        if was and not now:
            dates.append(_("不再是临时期限"))
        elif now and not was:
            dates.append(_("改为临时期限（按周一至周五计算）"))
        parts.append(_("%(department)s：%(changes)s") % {"department": move["department"], "changes": "，".join(dates)})
    return _("工作日历修改，重新计算期限。%(parts)s") % {"parts": "；".join(parts)}


# --- importing a year -----------------------------------------------------------------------


def _read_table(fileobj) -> list[list]:
    """Rows of cells from an .xlsx (first sheet) or a CSV in UTF-8 (with or without BOM) or
    GB18030/GBK, as Excel saves it on Chinese Windows."""
    data = fileobj.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise CalendarImportError([_("文件过大。一年的节假日和调休安排只有几十行，请检查是否选错了文件。")])
    if data[:4] == b"PK\x03\x04":  # a zip container: .xlsx
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
            workbook.close()
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise CalendarImportError([_("无法读取此 Excel 文件，请确认是 .xlsx 格式且未损坏。")]) from exc
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break  # a binary file (an old .xls, a picture) that happened to decode
        return list(csv.reader(io.StringIO(text)))
    raise CalendarImportError([_("无法读取此文件。请上传 .xlsx 文件，或 UTF-8、GBK 编码的 CSV 文件。")])


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    text = re.sub(r"[ T]0{1,2}:00(:00)?$", "", text)  # "2027-01-01 00:00:00" from a spreadsheet
    for pattern in DATE_PATTERNS:
        if m := pattern.match(text):
            try:
                return date(*map(int, m.groups()))
            except ValueError:
                return None
    return None


def _parse_workday(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _cell_text(value)
    return WORKDAY_VALUES.get(text, RESTDAY_VALUES.get(text))


def parse_year_file(fileobj) -> tuple[int, dict[date, tuple[bool, str]]]:
    """Validate a year file: (year, {date: (is_workday, name)}) or CalendarImportError with
    every problem found."""
    rows = _read_table(fileobj)
    header_index = next((i for i, row in enumerate(rows) if any(_cell_text(c) for c in row)), None)
    if header_index is None:
        raise CalendarImportError([_("文件是空的。")])
    header = [_cell_text(c) for c in rows[header_index]]
    missing = [c for c in (COLUMN_DATE, COLUMN_WORKDAY) if c not in header]
    if missing:
        raise CalendarImportError(
            [
                _("第%(row)s行应为列名“日期”“是否工作日”“名称”，缺少：%(missing)s。")
                % {"row": header_index + 1, "missing": "、".join(f"“{c}”" for c in missing)}
            ]
        )
    at = {c: header.index(c) for c in (COLUMN_DATE, COLUMN_WORKDAY, COLUMN_NAME) if c in header}

    def cell(row, column):
        i = at.get(column)
        return row[i] if i is not None and i < len(row) else None

    errors, days, first_row, year, year_row = [], {}, {}, None, None
    data_rows = [
        (n, row) for n, row in enumerate(rows[header_index + 1 :], header_index + 2) if any(map(_cell_text, row))
    ]
    if len(data_rows) > MAX_IMPORT_ROWS:
        raise CalendarImportError(
            [_("行数过多（最多%(n)s行）。只需列出节假日和调休上班的日期。") % {"n": MAX_IMPORT_ROWS}]
        )
    for n, row in data_rows:
        raw_date, raw_workday, name = (
            cell(row, COLUMN_DATE),
            cell(row, COLUMN_WORKDAY),
            _cell_text(cell(row, COLUMN_NAME)),
        )
        d = _parse_date(raw_date)
        is_workday = _parse_workday(raw_workday)
        if d is None:
            errors.append(
                _("第%(row)s行：无法识别日期“%(value)s”，请写成 2027-01-01 的形式。")
                % {"row": n, "value": _cell_text(raw_date)}
            )
        if is_workday is None:
            errors.append(
                _("第%(row)s行：“是否工作日”应填 是/否、班/休 或 1/0，不能是“%(value)s”。")
                % {"row": n, "value": _cell_text(raw_workday)}
            )
        if len(name) > NAME_MAX:
            errors.append(_("第%(row)s行：名称不能超过%(n)s个字。") % {"row": n, "n": NAME_MAX})
        if d is not None and not MIN_YEAR <= d.year <= MAX_YEAR:
            errors.append(
                _("第%(row)s行：日期“%(value)s”超出范围（%(min)s—%(max)s年）。")
                % {"row": n, "value": d.isoformat(), "min": MIN_YEAR, "max": MAX_YEAR}
            )
            d = None
        if d is None:
            continue
        if year is None:
            year, year_row = d.year, n
        elif d.year != year:
            errors.append(
                _("第%(row)s行：日期%(date)s不在%(year)s年（第%(first)s行）。一个文件只能导入一年的日历。")
                % {"row": n, "date": d.isoformat(), "year": year, "first": year_row}
            )
            continue
        if d in first_row:
            errors.append(
                _("第%(row)s行：日期%(date)s与第%(first)s行重复。")
                % {"row": n, "date": d.isoformat(), "first": first_row[d]}
            )
            continue
        first_row[d] = n
        if is_workday is not None:
            days[d] = (is_workday, name)
    if not data_rows:
        errors.append(_("文件中没有数据行：请在列名下逐行列出该年的节假日和调休上班日。"))
    if errors:
        raise CalendarImportError(errors)
    return year, days


def import_year(fileobj, *, actor) -> CalendarChange:
    """Import one year from a file listing its special days (holidays, 调休 working weekends).
    The whole year is written: listed days as given, every other day Monday–Friday. Nothing
    is changed unless every row is valid. The returned change carries `.year`."""
    year, listed = parse_year_file(fileobj)
    changes, d = [], date(year, 1, 1)
    while d.year == year:
        is_workday, name = listed.get(d, (d.weekday() < 5, ""))
        changes.append((d, is_workday, name))
        d += timedelta(days=1)
    holidays = sum(1 for w, _name in listed.values() if not w)
    summary = _("导入%(year)s年工作日历：节假日%(holidays)s天，调休上班%(workdays)s天") % {
        "year": year,
        "holidays": holidays,
        "workdays": len(listed) - holidays,
    }
    change = set_days(changes, actor=actor, source=Source.IMPORT, summary=summary)
    change.year = year  # for the page to show the year just imported
    return change
