"""The coordinators' work-calendar pages: a year at a glance, editing one day, importing a year."""

from calendar import Calendar
from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import audit
from accounts.models import AuditAction, Role
from accounts.permissions import role_required

from . import calendar
from .calendar import MAX_YEAR, MIN_YEAR
from .calendar_forms import CalendarDayForm, CalendarImportForm
from .models import CalendarChange, WorkCalendarDay

RECENT_CHANGES = 20
# Column heads of a month grid, Monday first (written out so makemessages finds them).
WEEKDAY_NAMES = [
    pgettext_lazy("weekday", "一"),
    pgettext_lazy("weekday", "二"),
    pgettext_lazy("weekday", "三"),
    pgettext_lazy("weekday", "四"),
    pgettext_lazy("weekday", "五"),
    pgettext_lazy("weekday", "六"),
    pgettext_lazy("weekday", "日"),
]


def _year_from(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if MIN_YEAR <= year <= MAX_YEAR else default


def _kind(d: date, is_workday: bool, name: str) -> str:
    """workday, weekend, holiday (a named or weekday rest day), adjusted (调休: a weekend worked)."""
    weekend = d.weekday() >= 5
    if is_workday:
        return "adjusted" if weekend else "workday"
    return "holiday" if (name or not weekend) else "weekend"


def _cell(d: date, row) -> dict:
    # A day not entered follows Monday–Friday.
    is_workday, name = row if row is not None else (d.weekday() < 5, "")
    kind = _kind(d, is_workday, name)
    label = _("工作日") if is_workday else _("休息日")
    title = " · ".join(part for part in (d.isoformat(), label, name) if part)
    return {"date": d, "is_workday": is_workday, "name": name, "kind": kind, "entered": row is not None, "title": title}


def _named_spans(cells: list[dict]) -> list[dict]:
    """A month's named days, consecutive days of one name together: 1–7日 国庆节."""
    spans = []
    for c in cells:
        if not c["name"]:
            continue
        if spans and spans[-1]["name"] == c["name"] and spans[-1]["last"] == c["date"].day - 1:
            spans[-1]["last"] = c["date"].day
        else:
            spans.append({"name": c["name"], "first": c["date"].day, "last": c["date"].day, "kind": c["kind"]})
    return spans


def _months(year: int, rows: dict) -> list[dict]:
    weeks_of = Calendar(firstweekday=0).monthdatescalendar
    months = []
    for month in range(1, 13):
        weeks = [[_cell(d, rows.get(d)) if d.month == month else None for d in week] for week in weeks_of(year, month)]
        cells = [c for week in weeks for c in week if c]
        months.append({"number": month, "weeks": weeks, "named": _named_spans(cells)})
    return months


def _ranges(years: list[int]) -> list[str]:
    """[2004, 2005, 2006, 2010] → ["2004–2006", "2010"]."""
    spans = []
    for y in years:
        if spans and spans[-1][1] == y - 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return [f"{a}–{b}" if a != b else str(a) for a, b in spans]


def _render(request, year: int, *, day_form=None, import_form=None, import_errors=None):
    rows = {
        d: (w, n)
        for d, w, n in WorkCalendarDay.objects.filter(date__year=year).values_list("date", "is_workday", "name")
    }
    covered = calendar.covered_years()
    this_year = timezone.localdate().year
    if day_form is None:
        day = _parse_iso(request.GET.get("day"))
        initial = {}
        if day is not None:
            is_workday, name = rows.get(day, (day.weekday() < 5, ""))
            initial = {"date": day, "is_workday": "1" if is_workday else "0", "name": name}
        day_form = CalendarDayForm(initial=initial)
    context = {
        "year": year,
        "previous_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
        "year_covered": year in covered,
        "year_rows": len(rows),
        "covered_ranges": _ranges(covered),
        "missing_soon": [y for y in (this_year, this_year + 1) if y not in covered],
        "months": _months(year, rows),
        "weekday_names": WEEKDAY_NAMES,
        "changes": CalendarChange.objects.select_related("actor")[:RECENT_CHANGES],
        "day_form": day_form,
        "import_form": import_form or CalendarImportForm(),
        "import_errors": import_errors or [],
    }
    return render(request, "proposals/calendar.html", context)


def _parse_iso(value) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _calendar_url(year: int) -> str:
    return f"{reverse('proposals:calendar')}?year={year}"


@role_required(Role.COORDINATOR)
@require_GET
def calendar_page(request):
    return _render(request, _year_from(request.GET.get("year"), timezone.localdate().year))


@role_required(Role.COORDINATOR)
@require_POST
def calendar_day(request):
    form = CalendarDayForm(request.POST)
    if not form.is_valid():
        year = _year_from(request.POST.get("year"), timezone.localdate().year)
        return _render(request, year, day_form=form)
    d, is_workday, name = (form.cleaned_data[f] for f in ("date", "is_workday", "name"))
    try:
        change = calendar.set_days([(d, is_workday, name)], actor=request.user, source=WorkCalendarDay.Source.MANUAL)
    except calendar.CalendarError as exc:
        form.add_error(None, exc.message)
        return _render(request, d.year, day_form=form)
    if change.days_changed:
        audit.record(request, AuditAction.SETTINGS_CHANGED, obj=change, days=change.days_changed)
        messages.success(
            request,
            _("已保存：%(summary)s。重新计算了%(n)s个交办期限。")
            % {"summary": change.summary, "n": change.deadlines_recomputed},
        )
    else:
        messages.info(request, _("%(date)s本来就是这样设置的，没有变化。") % {"date": d.isoformat()})
    return redirect(_calendar_url(d.year))


@role_required(Role.COORDINATOR)
@require_POST
def calendar_import(request):
    # Bound even when empty: an upload has no POST fields, only FILES.
    form = CalendarImportForm(request.POST, request.FILES)
    year = _year_from(request.POST.get("year"), timezone.localdate().year)
    if not form.is_valid():
        return _render(request, year, import_form=form)
    try:
        change = calendar.import_year(form.cleaned_data["file"], actor=request.user)
    except calendar.CalendarImportError as exc:
        messages.error(request, _("文件未导入，工作日历没有任何改动。请修改以下问题后重新上传。"))
        return _render(request, year, import_form=form, import_errors=exc.messages)
    audit.record(request, AuditAction.SETTINGS_CHANGED, obj=change, days=change.days_changed, year=change.year)
    messages.success(
        request,
        _("%(summary)s。重新计算了%(n)s个交办期限。") % {"summary": change.summary, "n": change.deadlines_recomputed},
    )
    return redirect(_calendar_url(change.year))
