"""Publication on the public portal (replies.publication): when a signed reply appears, the
coordinator's release, the summary a 摘要公开 reply needs, and what never appears."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import WorkCalendarDay
from replies import publication, services
from replies.scaffold import Disclosure

from .conftest import fill, reload
from .test_views import editor_post

SHANGHAI_NOON = datetime.time(12)


def sign_reply(handled, clerk, leader, *, disclosure=Disclosure.PUBLIC, now=None, **content):
    """Draft, fill, submit and sign the lead's reply to `handled` with `disclosure`."""
    session = handled.proposal.session
    if session.contact_required:
        session.contact_required = False
        session.save()
    reply = services.start_reply(handled.lead, clerk)
    reply = fill(reply, clerk, disclosure=disclosure, **content)
    services.submit_for_review(reply, clerk, version=reply.version)
    services.sign(reload(reply), leader, now=now)
    return reload(reply)


def at(day):
    return timezone.make_aware(datetime.datetime.combine(day, SHANGHAI_NOON))


@pytest.fixture
def quiet_session(handling, coordinator):
    """`handling` with its co-handler's opinion waived and no contact required."""
    services.waive_opinion(handling.cohandler, coordinator, reason="不再等待。")
    return handling


# --- when a reply appears -----------------------------------------------------------------------


def test_a_public_reply_is_published_the_day_it_is_signed_when_the_session_has_no_delay(issued):
    today = timezone.localdate()
    assert issued.disclosure == Disclosure.PUBLIC
    assert issued.published_on == today
    assert publication.published(today).filter(pk=issued.pk).exists()


def test_with_a_delay_the_reply_appears_only_after_that_many_working_days(quiet_session, clerk_a, leader_a):
    session = quiet_session.proposal.session
    session.auto_publish_workdays = 2
    session.save()
    # signed on Friday 6 March 2026; Monday 9 March made a holiday: Tuesday and Wednesday count
    WorkCalendarDay.objects.update_or_create(
        date=datetime.date(2026, 3, 9), defaults={"is_workday": False, "name": "测试假日"}
    )
    reply = sign_reply(quiet_session, clerk_a, leader_a, now=at(datetime.date(2026, 3, 6)))
    assert reply.published_on == datetime.date(2026, 3, 11)
    assert not publication.published(datetime.date(2026, 3, 10)).filter(pk=reply.pk).exists()
    assert publication.published(datetime.date(2026, 3, 11)).filter(pk=reply.pk).exists()


def test_a_coordinator_releases_a_waiting_reply_now(client, quiet_session, clerk_a, leader_a, coordinator):
    session = quiet_session.proposal.session
    session.auto_publish_workdays = 10
    session.save()
    reply = sign_reply(quiet_session, clerk_a, leader_a)
    today = timezone.localdate()
    assert reply.published_on > today
    assert not publication.published(today).filter(pk=reply.pk).exists()
    client.force_login(coordinator)
    page = client.get(reverse("replies:detail", args=[reply.pk])).content.decode()
    assert "自动公开" in page and 'data-testid="publish"' in page
    assert reply in list(publication.awaiting(today))
    queue = client.get(reverse("replies:publication_queue")).content.decode()
    assert quiet_session.proposal.title in queue
    response = client.post(reverse("replies:publish", args=[reply.pk]))
    assert response.status_code == 302
    assert reload(reply).published_on == today
    assert publication.published(today).filter(pk=reply.pk).exists()
    page = client.get(reverse("replies:detail", args=[reply.pk])).content.decode()
    assert "已在公开平台发布" in page and 'data-testid="publish"' not in page
    assert reverse("portal:reply", args=[reply.pk]) in page


def test_releasing_twice_says_it_is_already_published(client, issued, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("replies:publish", args=[issued.pk]), follow=True)
    assert "已于" in response.content.decode() and "公开发布" in response.content.decode()


def test_only_a_coordinator_may_release(issued, leader_a):
    with pytest.raises(publication.PublicationError, match="只有交办机构"):
        publication.release(issued, leader_a)


def test_the_department_sees_the_publication_state_without_the_release_button(client, issued, clerk_a):
    client.force_login(clerk_a)
    page = client.get(reverse("replies:detail", args=[issued.pk])).content.decode()
    assert 'data-testid="publication"' in page and "已在公开平台发布" in page
    assert 'data-testid="publish"' not in page


@pytest.mark.parametrize("disclosure", [Disclosure.ON_REQUEST, Disclosure.NOT_PUBLIC])
def test_replies_on_request_or_not_public_never_appear(
    client, quiet_session, clerk_a, leader_a, coordinator, disclosure
):
    reply = sign_reply(quiet_session, clerk_a, leader_a, disclosure=disclosure)
    assert reply.published_on is None
    assert not publication.published(datetime.date(2100, 1, 1)).filter(pk=reply.pk).exists()
    with pytest.raises(publication.PublicationError, match="不能在公开平台发布"):
        publication.release(reply, coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("replies:detail", args=[reply.pk])).content.decode()
    assert "不公开" in page and 'data-testid="publish"' not in page


def test_a_correction_keeps_the_publication_date(issued, clerk_a, leader_a):
    first = issued.published_on
    services.start_correction(issued, clerk_a, reason="改正错字。")
    reply = fill(reload(issued), clerk_a, opening="更正后的开头语。")
    services.submit_for_review(reply, clerk_a, version=reply.version)
    services.sign(reload(reply), leader_a, now=timezone.now() + datetime.timedelta(days=9))
    assert reload(reply).published_on == first


def test_co_handler_opinions_never_appear(handling, clerk_b, coordinator):
    opinion = services.start_reply(handling.cohandler, clerk_b)
    opinion = fill(opinion, clerk_b, disclosure=Disclosure.PUBLIC, category="")
    leader_b = _leader_of(clerk_b)
    services.submit_for_review(opinion, clerk_b, version=opinion.version)
    services.sign(reload(opinion), leader_b)
    opinion = reload(opinion)
    assert opinion.signed_version_id and opinion.published_on is None
    assert not publication.published(datetime.date(2100, 1, 1)).filter(pk=opinion.pk).exists()
    with pytest.raises(publication.PublicationError):
        publication.release(opinion, coordinator)


def _leader_of(clerk):
    from accounts.models import Role
    from conftest import make_user

    return make_user("p_leader_b", Role.LEADER, department=clerk.department, full_name="周平")


# --- the summary of a 摘要公开 reply ------------------------------------------------------------


def test_signing_a_summary_reply_needs_its_summary(quiet_session, clerk_a):
    reply = fill(services.start_reply(quiet_session.lead, clerk_a), clerk_a, disclosure=Disclosure.SUMMARY)
    assert "摘要公开的答复须填写公开摘要。" in services.quality_gate(reply)
    with pytest.raises(services.GateError):
        services.submit_for_review(reply, clerk_a, version=reply.version)
    reply = fill(reply, clerk_a, disclosure=Disclosure.SUMMARY, summary="已建成成果转化平台。")
    assert "摘要公开的答复须填写公开摘要。" not in services.quality_gate(reply)


def test_the_editor_offers_every_disclosure_and_saves_the_summary(client, draft, clerk_a):
    client.force_login(clerk_a)
    page = client.get(reverse("replies:detail", args=[draft.pk])).content.decode()
    for code, _label in Disclosure.CHOICES:
        assert f'value="{code}"' in page
    assert 'name="summary"' in page
    data = editor_post(draft, disclosure=Disclosure.SUMMARY, summary="  平台已建成。\r\n\r\n 下一步推广。 ")
    assert client.post(reverse("replies:save", args=[draft.pk]), data).status_code == 302
    content = services.content_of(reload(draft))
    assert content.disclosure == Disclosure.SUMMARY
    assert content.summary == "平台已建成。\n下一步推广。"


def test_the_summary_is_not_part_of_the_official_document(draft, clerk_a):
    reply = fill(draft, clerk_a, disclosure=Disclosure.SUMMARY, summary="只在公开平台显示的摘要。")
    from replies.scaffold import render_text

    assert "只在公开平台显示的摘要" not in render_text(services.content_of(reply))


def test_the_queue_of_replies_awaiting_publication_takes_a_fixed_number_of_queries(
    client, deputy, coordinator, clerk_a, leader_a, session, category
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import make_handling

    session.auto_publish_workdays = 5
    session.save()

    def one_more(n):
        handled = make_handling(
            deputy=deputy,
            cosigner=None,
            coordinator=coordinator,
            clerk_a=clerk_a,
            clerk_b=None,
            session=session,
            category=category,
            title=f"关于第{n}件待公开事项的建议",
        )
        sign_reply(handled, clerk_a, leader_a)

    client.force_login(coordinator)
    client.get(reverse("replies:publication_queue"))  # the calendar banner's facts are cached after that
    counts = []
    for n in range(4):
        one_more(n)
        if n in (0, 3):
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse("replies:publication_queue")).content.decode()
            assert page.count('data-testid="awaiting-row"') == n + 1
            counts.append(len(queries))
    assert counts[0] == counts[1]
