"""The benchmark's background-work phase (issue 10's budgets): the daily reminder job over
all open assignments, importing a 10,000-row spreadsheet, and assigning 5,000 proposals in
one bulk assignment, each timed on the bench database inside a transaction that is rolled
back (and the database vacuumed after), so the data set is unchanged. Run by bench/harness.py as

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.jobs

and prints one JSON object: {job: {"seconds": s, "what": description}}.
"""

import io
import json
import time

import django

django.setup()

from django.conf import settings  # noqa: E402 - after django.setup()
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

IMPORT_ROWS = 10_000
BULK_PROPOSALS = 5_000


class Rollback(Exception):
    pass


def timed(work):
    """Seconds `work()` takes inside a transaction that is then rolled back, and what it said."""
    started = time.perf_counter()
    said = None
    try:
        with transaction.atomic():
            said = work()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed, said


def reminders():
    from proposals.models import Assignment
    from proposals.reminders import send_reminders

    open_count = Assignment.objects.filter(is_active=True, replied_at__isnull=True).count()
    digests, summaries = send_reminders(timezone.localdate())
    return f"{open_count:,} open assignments; {digests} department digests and {summaries} summaries sent"


def import_file():
    import openpyxl

    from accounts.models import Department, Deputy
    from proposals import importing
    from proposals.models import Category, Session

    session = Session.objects.order_by("-opens_on").first()
    names = {}
    for name, delegation in Deputy.objects.filter(is_active=True).values_list("name", "delegation__name"):
        names.setdefault(name, []).append(delegation)
    deputies = [f"{n}（{d[0]}）" if d[0] else n for n, d in names.items() if len(d) == 1][:500]
    categories = [
        f"{parent}/{name}"
        for name, parent in Category.objects.filter(parent__isnull=False, is_active=True).values_list(
            "name", "parent__name"
        )
    ]
    departments = list(Department.objects.filter(is_active=True).values_list("name", flat=True)[:50])
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("建议")
    sheet.append(importing.HEADERS[key] for key in importing.HEADERS)
    for n in range(1, IMPORT_ROWS + 1):
        row = {
            "session": session.name,
            "lead": deputies[n % len(deputies)],
            "cosigners": deputies[(n * 7) % len(deputies)],
            "title": f"关于做好第{n}项民生实事的建议",
            "body": "群众反映集中，需要统筹解决。" * 5,
            "suggestions": f"1. 第{n}件的第一条建议。\n2. 第{n}件的第二条建议。\n3. 第{n}件的第三条建议。",
            "category": categories[n % len(categories)],
            "departments": departments[n % len(departments)],
            "external_number": f"BENCH-{n:05d}",
            "publish": "是",
        }
        sheet.append(row.get(key) for key in importing.HEADERS)
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    from accounts.models import Role, User

    actor = User.objects.filter(role=Role.COORDINATOR, is_active=True).first()
    rows = importing.read_rows(data)
    validation = importing.validate_rows(rows)
    if validation.errors:
        raise SystemExit(f"the generated file has errors: {validation.errors[:3]}")
    imported = importing.import_rows(validation.valid, actor=actor)
    return f"{len(rows):,} rows read, validated and imported ({len(imported):,} proposals)"


def bulk_assignment(prepared):
    from accounts.models import Department, Role, User
    from proposals import assigning
    from proposals.assigning import PlanLine
    from proposals.models import Assignment

    actor = User.objects.filter(role=Role.COORDINATOR, is_active=True).first()
    department = Department.objects.filter(is_active=True).order_by("pk").first()
    assigning.bulk_assign(prepared, [PlanLine(department, Assignment.Mode.LEAD)], actor)
    return f"{len(prepared):,} proposals assigned to {department.name} (主办) with notifications"


def prepare_bulk():
    """5,000 proposals of the latest session put back to 已立案 (their assignments retired), in
    the same rolled-back transaction, untimed."""
    from proposals.models import Assignment, Proposal, Session

    session = Session.objects.order_by("-opens_on").first()
    ids = list(
        Proposal.objects.filter(session=session, status=Proposal.Status.ASSIGNED)
        .order_by("pk")
        .values_list("pk", flat=True)[:BULK_PROPOSALS]
    )
    Assignment.objects.filter(proposal_id__in=ids).update(is_active=False)
    Proposal.objects.filter(pk__in=ids).update(status=Proposal.Status.ACCEPTED)
    return list(Proposal.objects.filter(pk__in=ids))


def main():
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    results = {}
    seconds, said = timed(reminders)
    results["reminders"] = {"seconds": seconds, "what": said}
    seconds, said = timed(import_file)
    results["import"] = {"seconds": seconds, "what": said}

    def bulk():
        prepared = prepare_bulk()
        started = time.perf_counter()
        said = bulk_assignment(prepared)
        return time.perf_counter() - started, said

    _whole, (seconds, said) = timed(bulk)
    results["bulk_assign"] = {"seconds": seconds, "what": said}
    # The rolled-back rows are dead tuples: cleaned now, so the next run starts as this one did.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
