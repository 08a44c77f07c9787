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
