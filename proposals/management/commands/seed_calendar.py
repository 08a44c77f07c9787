from django.core.management.base import BaseCommand

from proposals import calendar
from proposals.calendar_seed import package_days
from proposals.models import WorkCalendarDay


class Command(BaseCommand):
    help = (
        "Fill the working-day calendar from the installed chinesecalendar package (idempotent). "
        "Days the office edited or imported are kept; open deadlines are recomputed if anything changed."
    )

    def handle(self, *args, **options):
        existing = {
            d: (is_workday, name, source)
            for d, is_workday, name, source in WorkCalendarDay.objects.values_list(
                "date", "is_workday", "name", "source"
            )
        }
        added, updated = [], []
        for d, is_workday, name in package_days():
            row = existing.get(d)
            if row is None:
                added.append((d, is_workday, name))
            elif row[2] == WorkCalendarDay.Source.PACKAGE and row[:2] != (is_workday, name):
                updated.append((d, is_workday, name))
        if added or updated:
            change = calendar.set_days(
                added + updated,
                actor=None,
                source=WorkCalendarDay.Source.PACKAGE,
                summary=f"从 chinesecalendar 补充工作日历：新增{len(added)}天，更新{len(updated)}天",
            )
            recomputed = change.deadlines_recomputed
        else:
            recomputed = 0
        self.stdout.write(
            f"Added {len(added)} calendar days, updated {len(updated)}; recomputed {recomputed} open deadlines."
        )
