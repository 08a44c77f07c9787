import datetime
import logging
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import DigestLog
from proposals import assigning
from proposals.assigning import PlanLine
from proposals.models import Assignment
from proposals.reminders import send_reminders

Mode = Assignment.Mode


@pytest.fixture
def world(accepted, make_submitted, deputy, coordinator, department_a, department_b, clerk_a, leader_a, clerk_b):
    """Department A leads one proposal (unsigned) and one (signed, overdue); B co-handles."""
    assigning.assign_proposal(
        accepted, [PlanLine(department_a, Mode.LEAD), PlanLine(department_b, Mode.COHANDLER)], coordinator
    )
    from proposals import services

    late = services.accept_proposal(make_submitted(deputy, "关于逾期事项的建议"), coordinator)
    lead = assigning.assign_proposal(late, [PlanLine(department_a, Mode.LEAD)], coordinator)[0]
    assigning.sign_for(lead, clerk_a)
    Assignment.objects.filter(pk=lead.pk).update(reply_due=timezone.localdate() - datetime.timedelta(days=3))
    leader_a.phone = "13900000000"
    leader_a.save()


def test_each_department_gets_one_digest_and_the_coordinators_one_summary(
    world, clerk_a, leader_a, clerk_b, coordinator
):
    departments, summaries = send_reminders(timezone.localdate())
    assert (departments, summaries) == (2, 1)
    by_recipients = {tuple(sorted(m.to)): m for m in mail.outbox}
    a_digest = by_recipients[(clerk_a.email, leader_a.email)]
    assert "关于逾期事项的建议" in a_digest.body and "已逾期" in a_digest.body
    assert "未签收" in a_digest.body
    assert "协办" in by_recipients[(clerk_b.email,)].body
    summary = by_recipients[(coordinator.email,)]
    assert "逾期1件" in summary.subject


def test_running_the_reminders_twice_in_a_day_sends_nothing_twice(world):
    today = timezone.localdate()
    send_reminders(today)
    count = len(mail.outbox)
    assert send_reminders(today) == (0, 0)
    assert len(mail.outbox) == count
    assert DigestLog.objects.count() == 3


def test_the_next_day_sends_again(world):
    today = timezone.localdate()
    send_reminders(today)
    count = len(mail.outbox)
    send_reminders(today + datetime.timedelta(days=1))
    assert len(mail.outbox) > count


def test_the_leader_of_a_department_with_overdue_items_gets_a_text_message(world, caplog):
    with caplog.at_level(logging.INFO, logger="jianyi.sms"):
        send_reminders(timezone.localdate())
    assert any("13900000000" in r.getMessage() and "逾期1件" in r.getMessage() for r in caplog.records)


def test_a_dry_run_prints_and_sends_nothing(world):
    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "吉林省科学技术厅：未签收1件，临期0件，逾期1件" in text
    assert "交办机构汇总" in text
    assert mail.outbox == [] and not DigestLog.objects.exists()


def test_the_command_refuses_a_malformed_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2026/11/27")


def test_nothing_to_remind_sends_nothing(db, coordinator):
    assert send_reminders(timezone.localdate()) == (0, 0)
    assert mail.outbox == []


def test_a_failing_digest_does_not_stop_the_others_and_is_retried(world, monkeypatch, settings):
    from accounts import emails

    real_send = emails.send
    calls = []

    def flaky(template, to, context):
        calls.append(template)
        if template == "department_digest" and len(calls) == 1:
            raise ConnectionError("SMTP down")
        real_send(template, to, context)

    monkeypatch.setattr(emails, "send", flaky)
    today = timezone.localdate()
    assert send_reminders(today)[0] == 1  # the second department still got its digest
    assert DigestLog.objects.filter(kind="department_digest").count() == 1
    assert send_reminders(today)[0] == 1  # the failed one goes out on the next run
    assert DigestLog.objects.filter(kind="department_digest").count() == 2
