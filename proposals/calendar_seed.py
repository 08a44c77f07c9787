"""The official calendar as the `chinesecalendar` package knows it, for seeding the
WorkCalendarDay table (migration 0005 and `manage.py seed_calendar`).

Only these two call the package: it covers a fixed range of years (2004–2026 in 1.11) and
raises for any other, so nothing at request time may depend on it.
"""

from collections.abc import Iterator
from datetime import date, timedelta

FIRST_YEAR, LAST_YEAR = 2000, 2100  # wider than any release covers; years it lacks are skipped

# The package's English holiday names → the names the office uses.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_years() -> list[int]:
    import chinese_calendar

    years = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            continue
        years.append(year)
    return years


def package_days(years: list[int] | None = None) -> Iterator[tuple[date, bool, str]]:
    """(date, is_workday, name) for every day of every year the installed package covers.

    name: the festival for a holiday (春节), "<festival>调休上班" for a weekend made a working
    day (国庆节调休上班), "" for ordinary days and weekends.
    """
    import chinese_calendar

    for year in package_years() if years is None else years:
        d = date(year, 1, 1)
        while d.year == year:
            is_holiday, english = chinese_calendar.get_holiday_detail(d)
            # A festival a later release adds, and we do not know yet, is named generically.
            festival = HOLIDAY_NAMES.get(english, "节假日") if english else ""
            if is_holiday:
                name = festival  # "" for an ordinary weekend
            elif d.weekday() >= 5:
                name = f"{festival}调休上班" if english in HOLIDAY_NAMES else "调休上班"
            else:
                name = ""
            yield d, not is_holiday, name
            d += timedelta(days=1)
