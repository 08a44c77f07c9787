import datetime

from django.utils import timezone

from accounts import figures
from accounts.models import FiguresSnapshot
from accounts.tasks import purge_figures


def test_figures_of_earlier_days_are_removed_nightly(db):
    now = timezone.now()
    FiguresSnapshot.objects.create(key="dashboard:1:old", html="<p>", computed_at=now - datetime.timedelta(days=2))
    FiguresSnapshot.objects.create(key="dashboard:1:new", html="<p>", computed_at=now - datetime.timedelta(minutes=5))
    purge_figures(timestamp=0)
    assert list(FiguresSnapshot.objects.values_list("key", flat=True)) == ["dashboard:1:new"]


def test_computing_figures_again_replaces_the_snapshot_in_place(db, rf, session):
    made = []

    def make_context():
        made.append(1)
        return {"n": len(made)}

    request = rf.get("/", {"refresh": 1})
    for _ in range(2):
        figures.cached_figures(
            request, "test", session, timezone.localdate(), "includes/form_errors.html", make_context
        )
    assert len(made) == 2 and FiguresSnapshot.objects.count() == 1


def test_expired_figures_are_shown_as_they_are_while_another_request_computes_them(db, rf, session):
    import psycopg
    from django.db import connection

    today = timezone.localdate()
    key = f"test:{session.pk}:{today.isoformat()}:zh-hans"
    old = timezone.now() - datetime.timedelta(minutes=5)
    FiguresSnapshot.objects.create(key=key, html="<p>旧的</p>", computed_at=old)
    computed = []
    other = psycopg.connect(**connection.get_connection_params())  # another worker, computing
    try:
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [figures.LOCK_PREFIX + key])
        html, at = figures.cached_figures(
            rf.get("/"), "test", session, today, "includes/form_errors.html", lambda: computed.append(1) or {}
        )
    finally:
        other.close()
    assert (html, at, computed) == ("<p>旧的</p>", old, [])
    html, at = figures.cached_figures(
        rf.get("/"), "test", session, today, "includes/form_errors.html", lambda: computed.append(1) or {}
    )
    assert computed == [1] and at > old  # the lock free again: this request computes them
