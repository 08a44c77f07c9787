"""The figures of the dashboard and the statistics page are aggregates over a whole session
(25,000 assignments in a national session: 0.7–1.1 s of SQL at 100,000 proposals). They are
rendered at most once in SECONDS for the same session, day and language, by one request at
a time, kept in a table every worker and host reads (FiguresSnapshot: one query to read, one
to write), shown with when they were computed, and computed again at once on request
(立即重新计算, ?refresh=1). Downloads (the Excel table, the annual report) always compute
afresh."""

import datetime

from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .models import FiguresSnapshot

SECONDS = 60
LOCK_PREFIX = "jianyi:figures:"  # of the advisory lock's key (hashtext), apart from other locks


def cached_figures(request, page, session, today, template, make_context):
    """(the figures' HTML, when they were computed). `make_context` runs only when they are
    computed; the template gets no request (nothing in it depends on who looks).

    Figures over SECONDS old are computed again by one request at a time (a transaction-scoped
    advisory lock on the key); the others show them as they are meanwhile. Without this,
    every coordinator who opened the page as the figures expired computed them at once, on a
    busy machine. The first figures of a day, and 立即重新计算, are computed at once."""
    key = f"{page}:{session.pk}:{today.isoformat()}:{get_language()}"
    found = None if request.GET.get("refresh") else _read(key)
    if found is None:
        return _compute(key, template, make_context)
    if found[1] > timezone.now() - datetime.timedelta(seconds=SECONDS):
        return found
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [LOCK_PREFIX + key])
        if not cursor.fetchone()[0]:  # another request is computing them now
            return found
        return _compute(key, template, make_context)


def _compute(key, template, make_context):
    now = timezone.now()
    html = render_to_string(template, make_context())
    FiguresSnapshot.objects.bulk_create(
        [FiguresSnapshot(key=key, html=html, computed_at=now)],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["html", "computed_at"],
    )
    return html, now


def _read(key):
    found = FiguresSnapshot.objects.filter(key=key).values_list("html", "computed_at").first()
    if found:
        return mark_safe(found[0]), found[1]  # noqa: S308 - the template's own output  # nosec B308 B703
    return None


def purge():
    """Remove the figures of earlier days (the nightly job accounts.tasks.purge_figures)."""
    FiguresSnapshot.objects.filter(computed_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
