"""The background worker, end to end on the real database: a job deferred by a request is
picked up by a procrastinate worker and does its work."""

import threading

from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from procrastinate.contrib.django import app

from accounts import tasks


def run_worker_until_idle():
    # The same worker `manage.py procrastinate worker` runs, with its own connection to the
    # test database; wait=False returns once the queue is empty. It runs in a thread of its
    # own: the worker starts an asyncio loop, and a browser test may have left Playwright's
    # loop marked as running in this one.
    failure = []

    def work():
        try:
            with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
                worker_app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def jobs():
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, status, args ->> 'address' FROM procrastinate_jobs ORDER BY id")
        return cursor.fetchall()


def test_a_deferred_job_is_run_by_the_worker_and_its_email_is_sent(job_queue):
    tasks.send_test_email.defer(address="ops@example.gov.cn")
    assert jobs() == [("accounts.tasks.send_test_email", "todo", "ops@example.gov.cn")]
    run_worker_until_idle()
    assert jobs()[0][1] == "succeeded"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.gov.cn"]
    assert mail.outbox[0].subject == "建议办理平台测试邮件"


def test_the_sysadmin_test_email_page_queues_the_job_and_the_worker_sends_it(client, job_queue, sysadmin):
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:test_email"), {"email": "ops@example.gov.cn"}, follow=True)
    assert "测试邮件已加入发送队列" in response.content.decode()
    assert mail.outbox == []  # nothing is sent inside the request
    run_worker_until_idle()
    assert [m.to for m in mail.outbox] == [["ops@example.gov.cn"]]


def test_a_bad_address_is_refused_in_chinese_and_nothing_is_queued(client, job_queue, sysadmin):
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:test_email"), {"email": "not an address"})
    assert response.status_code == 200
    assert "有效的电子邮件地址" in response.content.decode()
    assert jobs() == []


def test_each_kind_of_notification_has_its_own_email_and_can_be_turned_off(job_queue, mailoutbox):
    from accounts.models import NotificationKind, Role
    from accounts.notifications import notify
    from conftest import make_user

    wants, declines = make_user("p_wants", Role.DEPUTY, full_name="王宇辉"), make_user("p_declines", Role.DEPUTY)
    declines.email_opt_out = [NotificationKind.REPLY_ISSUED]
    declines.save()
    with transaction.atomic():
        notify(
            [wants, declines],
            "吉林省科学技术厅答复了您的第1号建议。",
            "/replies/1/",
            kind=NotificationKind.REPLY_ISSUED,
        )
        notify([declines], "您的建议已立案。", "/proposals/1/", kind=NotificationKind.PROPOSAL_ACCEPTED)
    run_worker_until_idle()
    sent = {(m.to[0], m.subject) for m in mailoutbox}
    assert sent == {
        ("p_wants@example.gov.cn", "建议办理平台 · 收到答复：吉林省科学技术厅答复了您的第1号建议。"),
        ("p_declines@example.gov.cn", "建议办理平台 · 建议已立案：您的建议已立案。"),
    }
    reply_mail = next(m for m in mailoutbox if m.to == ["p_wants@example.gov.cn"])
    assert reply_mail.body.startswith("王宇辉：") and "请阅读答复，并在反馈期限内" in reply_mail.body
    assert "/replies/1/" in reply_mail.alternatives[0][0]
    # the declined one is in-app all the same, and never emailed later
    assert declines.notifications.count() == 2
    run_worker_until_idle()
    assert len(mailoutbox) == 2
