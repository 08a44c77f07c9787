"""The background worker, end to end on the real database: a job deferred by a request is
picked up by a procrastinate worker and does its work."""

from django.core import mail
from django.db import connection
from django.urls import reverse
from procrastinate.contrib.django import app

from accounts import tasks


def run_worker_until_idle():
    # The same worker `manage.py procrastinate worker` runs, with its own connection to the
    # test database; wait=False returns once the queue is empty.
    with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
        worker_app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)


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
