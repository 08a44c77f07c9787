import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from replies import followup, services
from replies.models import Commitment

from .conftest import fill, reload

FUTURE = timezone.localdate() + datetime.timedelta(days=90)


@pytest.fixture
def b_draft(handling, draft, clerk_a, coordinator):
    """A B reply ready to sign but for its commitments."""
    handling.proposal.session.contact_required = False
    handling.proposal.session.save()
    services.waive_opinion(handling.cohandler, coordinator, reason="不再等待。")
    return fill(draft, clerk_a, category="B")


def sign(reply, clerk, leader):
    services.submit_for_review(reload(reply), clerk, version=reload(reply).version)
    services.sign(reload(reply), leader)
    return reload(reply)


def test_only_the_categories_between_solved_and_reference_promise_work():
    categories = [["A", "a"], ["B", "b"], ["C", "c"], ["D", "d"]]
    assert [services.needs_commitments(c, categories) for c in "ABCD"] == [False, True, True, False]
    assert services.needs_commitments("乙", [["甲", ""], ["乙", ""], ["丙", ""]])


def test_a_b_reply_cannot_be_signed_without_commitments(b_draft, clerk_a):
    assert services.quality_gate(b_draft) == ["办理结果为“B”类的答复，须列出承诺事项（做什么、何时完成）。"]
    followup.add(b_draft, clerk_a, text="年内建成省科技成果转化服务平台", due=FUTURE)
    assert services.quality_gate(reload(b_draft)) == []


def test_a_commitment_needs_a_text_and_a_date_not_in_the_past(b_draft, clerk_a, clerk_b):
    with pytest.raises(services.ReplyError, match="做什么"):
        followup.add(b_draft, clerk_a, text="  ", due=FUTURE)
    with pytest.raises(services.ReplyError, match="不能早于今天"):
        followup.add(b_draft, clerk_a, text="x", due=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(services.ReplyError):
        followup.add(b_draft, clerk_b, text="x", due=FUTURE)


def test_signed_commitments_are_tracked_reported_and_done_and_the_deputies_told(
    b_draft, clerk_a, leader_a, deputy, cosigner
):
    item = followup.add(b_draft, clerk_a, text="年内建成平台", due=FUTURE)
    with pytest.raises(services.ReplyError, match="签发后才开始跟踪"):
        followup.report(item, clerk_a, text="进行中")
    sign(b_draft, clerk_a, leader_a)
    item = Commitment.objects.get()
    with pytest.raises(services.ReplyError, match="不能再增删"):
        followup.remove(item, clerk_a)
    services.start_correction(reload(b_draft), clerk_a, reason="笔误。")
    with pytest.raises(services.ReplyError, match="不能再增删"):  # a correction does not change promises
        followup.add(reload(b_draft), clerk_a, text="另一项", due=FUTURE)
    followup.report(item, clerk_a, text="平台已完成招标。")
    with pytest.raises(services.ReplyError, match="完成情况"):
        followup.complete(item, clerk_a, note="")
    followup.complete(item, clerk_a, note="平台已上线运行。")
    item.refresh_from_db()
    assert item.is_done and item.notes.get().text == "平台已完成招标。"
    for user in (deputy, cosigner):
        assert Notification.objects.filter(user=user, message__contains="已完成").exists()
    with pytest.raises(services.ReplyError, match="已完成"):
        followup.complete(item, clerk_a, note="again")


def test_the_department_is_reminded_a_week_ahead_on_the_day_and_weekly_after(b_draft, clerk_a, leader_a):
    followup.add(b_draft, clerk_a, text="年内建成平台", due=FUTURE)
    sign(b_draft, clerk_a, leader_a)
    day = datetime.timedelta(days=1)
    assert followup.daily(today=FUTURE - 8 * day) == 0
    assert followup.daily(today=FUTURE - 7 * day) == 2  # the clerk and the leader
    assert followup.daily(today=FUTURE - 7 * day) == 0  # never twice a day
    assert followup.daily(today=FUTURE - 3 * day) == 0
    assert followup.daily(today=FUTURE) == 2
    assert followup.daily(today=FUTURE + 3 * day) == 0
    assert followup.daily(today=FUTURE + 7 * day) == 2
    assert Notification.objects.filter(user=clerk_a, message__contains="已超过完成时限").exists()


def test_open_items_of_past_years_roll_into_the_years_list(b_draft, clerk_a, leader_a, coordinator, client):
    followup.add(b_draft, clerk_a, text="年内建成平台", due=FUTURE)
    sign(b_draft, clerk_a, leader_a)
    item = Commitment.objects.get()
    next_year = FUTURE.year + 1
    assert list(followup.of_year(followup.tracked(), next_year)) == [item]  # 结转
    client.force_login(coordinator)
    page = client.get(reverse("replies:followups"), {"year": next_year}).content.decode()
    assert "年内建成平台" in page and "结转" in page
    followup.complete(item, clerk_a, note="完成。")
    assert list(followup.of_year(followup.tracked(), next_year)) == []


def test_the_department_adds_commitments_on_the_reply_page(client, b_draft, clerk_a):
    client.force_login(clerk_a)
    url = reverse("replies:commitment_add", args=[b_draft.pk])
    response = client.post(url, {"text": "", "due": ""}, follow=True)
    assert "请填写承诺事项和完成时限。" in response.content.decode()
    response = client.post(url, {"text": "年内建成平台", "due": FUTURE.isoformat()}, follow=True)
    assert "已添加承诺事项。" in response.content.decode() and "年内建成平台" in response.content.decode()


def test_the_follow_up_list_takes_a_fixed_number_of_queries(
    client, b_draft, clerk_a, leader_a, coordinator, django_assert_max_num_queries
):
    for i in range(5):
        followup.add(b_draft, clerk_a, text=f"第{i}项承诺", due=FUTURE)
    sign(b_draft, clerk_a, leader_a)
    client.force_login(coordinator)
    # session, user, notifications count, the count and the page of commitments, and the
    # filter form's choice lists (sessions, departments, categories)
    with django_assert_max_num_queries(9):
        page = client.get(reverse("replies:followups"), {"year": FUTURE.year, "state": "all"}).content.decode()
    assert page.count("项承诺") == 5
