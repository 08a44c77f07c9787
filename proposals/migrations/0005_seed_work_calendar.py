"""Seed the working-day calendar from the chinesecalendar package (every year it covers)."""

from django.db import migrations

BATCH = 1000


def seed(apps, schema_editor):
    from proposals.calendar_seed import package_days

    WorkCalendarDay = apps.get_model("proposals", "WorkCalendarDay")
    rows = [WorkCalendarDay(date=d, is_workday=w, name=n, source="package") for d, w, n in package_days()]
    WorkCalendarDay.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def unseed(apps, schema_editor):
    WorkCalendarDay = apps.get_model("proposals", "WorkCalendarDay")
    WorkCalendarDay.objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("proposals", "0004_assignment_and_calendar")]

    operations = [migrations.RunPython(seed, unseed)]
