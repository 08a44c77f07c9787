"""The work calendar as migration 0005 seeds it, for tests that rely on the real 2004–2026 data.

A transactional test elsewhere in the run flushes every table, the seeded calendar included,
so tests that need it ask for it through `ensure_package_calendar()` instead of assuming it.
"""

from django.core.management import call_command

from proposals.models import WorkCalendarDay


def ensure_package_calendar():
    if WorkCalendarDay.objects.filter(date__year=2026).count() < 365:
        call_command("seed_calendar", stdout=open("/dev/null", "w"))  # noqa: SIM115
