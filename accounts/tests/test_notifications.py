from django.core import mail
from django.urls import reverse

from accounts import tasks
from accounts.models import Notification
from accounts.notifications import notify


def test_notify_creates_one_notification_per_user_and_skips_the_inactive(deputy, cosigner, outsider_deputy):
    outsider_deputy.is_active = False
    outsider_deputy.save()
    notify([deputy, cosigner, deputy, outsider_deputy, None], "您的建议已立案。", "/proposals/1/")
    assert sorted(Notification.objects.values_list("user__username", flat=True)) == ["p_cosigner", "p_deputy"]


def test_the_email_job_sends_each_notification_once_even_when_run_twice(deputy, cosigner):
    created = notify([deputy, cosigner], "您的建议已立案。", "/proposals/1/")
    ids = [n.pk for n in created]
    tasks.email_notifications(notification_ids=ids)
    tasks.email_notifications(notification_ids=ids)
    assert sorted(m.to[0] for m in mail.outbox) == ["p_cosigner@example.gov.cn", "p_deputy@example.gov.cn"]
    assert "您的建议已立案。" in mail.outbox[0].subject
    assert "/proposals/1/" in mail.outbox[0].body


def test_users_without_an_address_get_no_email(deputy):
    deputy.email = ""
    deputy.save()
    created = notify([deputy], "消息", "")
    tasks.email_notifications(notification_ids=[n.pk for n in created])
    assert mail.outbox == []


def test_the_header_shows_the_unread_count_and_reading_clears_it(client, deputy):
    notify([deputy], "第一条", "/")
    notify([deputy], "第二条", "/")
    client.force_login(deputy)
    assert '<span class="count"' in client.get(reverse("home")).content.decode()
    first = Notification.objects.filter(message="第一条").get()
    response = client.post(reverse("accounts:notification_open", args=[first.pk]))
    assert response["Location"] == "/"
    assert Notification.objects.unread().count() == 1
    client.post(reverse("accounts:notifications_read_all"))
    assert Notification.objects.unread().count() == 0
    assert '<span class="count"' not in client.get(reverse("home")).content.decode()


def test_a_notification_link_to_another_site_is_not_followed(client, deputy):
    notification = notify([deputy], "x", "https://evil.example.com/")[0]
    client.force_login(deputy)
    response = client.post(reverse("accounts:notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("accounts:notifications")


def test_a_user_chooses_which_kinds_come_by_email(client, deputy):
    from accounts.models import NotificationKind

    client.force_login(deputy)
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert "邮件设置" in page and "收到答复" in page
    wanted = [k for k in NotificationKind.values if k != NotificationKind.FEEDBACK_REMINDER]
    response = client.post(reverse("accounts:notification_settings"), {"email": wanted}, follow=True)
    assert "已保存邮件设置。" in response.content.decode()
    deputy.refresh_from_db()
    assert deputy.email_opt_out == [NotificationKind.FEEDBACK_REMINDER]
