"""The figures of the dashboard and the statistics page are aggregates over a whole session
(25,000 assignments in a national session: 0.7–1.1 s of SQL at 100,000 proposals). They are
rendered at most once in SECONDS for the same session, day and language, kept in a table
every worker and host reads (FiguresSnapshot: one query to read, one to write), shown with
when they were computed, and computed again at once on request (立即重新计算, ?refresh=1).
Downloads (the Excel table, the annual report) always compute afresh."""

import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .models import FiguresSnapshot

SECONDS = 60


def cached_figures(request, page, session, today, template, make_context):
    """(the figures' HTML, when they were computed). `make_context` runs only when they are
    computed; the template gets no request (nothing in it depends on who looks)."""
    key = f"{page}:{session.pk}:{today.isoformat()}:{get_language()}"
    now = timezone.now()
    if not request.GET.get("refresh"):
        fresh = FiguresSnapshot.objects.filter(key=key, computed_at__gt=now - datetime.timedelta(seconds=SECONDS))
        found = fresh.values_list("html", "computed_at").first()
        if found:
            return mark_safe(found[0]), found[1]  # noqa: S308 - the template's own output  # nosec B308 B703
    html = render_to_string(template, make_context())
    FiguresSnapshot.objects.bulk_create(
        [FiguresSnapshot(key=key, html=html, computed_at=now)],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["html", "computed_at"],
    )
    return html, now


def purge():
    """Remove the figures of earlier days (the nightly job accounts.tasks.purge_figures)."""
    FiguresSnapshot.objects.filter(computed_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
