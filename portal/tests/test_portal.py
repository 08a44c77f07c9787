"""The public portal: who sees what, search and filters, the pages' fixed query counts."""

import datetime
import io
import time

import pdfplumber
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, Role
from conftest import make_session, make_user
from portal import views
from proposals.models import Category
from replies import publication, services
from replies.scaffold import Disclosure

ANONYMOUS_AND_SIGNED_IN = ["anonymous", "deputy", "coordinator", "clerk_a"]
SECRET = "机密措施内容"


def index(client, **params):
    return client.get(reverse("portal:index"), params)


def page_of(reply):
    return reverse("portal:reply", args=[reply.pk])


def proposal_page(reply):
    proposal = reply.assignment.proposal
    return reverse("portal:proposal", args=[proposal.session_id, proposal.number])


# --- what appears -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ANONYMOUS_AND_SIGNED_IN)
def test_everyone_sees_the_same_published_replies_without_staff_navigation(client, request, publish, who):
    reply = publish("关于公开答复的建议")
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for url in (reverse("portal:index"), page_of(reply), proposal_page(reply)):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "关于公开答复的建议" in page
        assert "main-nav" not in page and "退出" not in page  # no staff navigation, no account box
        assert 'name="viewport"' in page


def test_the_list_shows_published_replies_newest_first(client, publish):
    older = publish("关于较早公开的建议")
    newer = publish("关于较晚公开的建议")
    type(older).objects.filter(pk=older.pk).update(published_on=timezone.localdate() - datetime.timedelta(days=3))
    page = index(client).content.decode()
    assert page.index("关于较晚公开的建议") < page.index("关于较早公开的建议")
    assert "共 2 件答复" in page
    assert page_of(newer) in page


@pytest.mark.parametrize("disclosure", [Disclosure.ON_REQUEST, Disclosure.NOT_PUBLIC])
def test_replies_not_for_publication_appear_nowhere(client, publish, disclosure):
    reply = publish("关于不公开事项的建议", disclosure=disclosure)
    assert "关于不公开事项的建议" not in index(client).content.decode()
    assert client.get(page_of(reply)).status_code == 404
    assert client.get(proposal_page(reply)).status_code == 404
    assert client.get(reverse("portal:reply_pdf", args=[reply.pk])).status_code == 404


def test_a_reply_waiting_for_its_day_appears_only_once_released(client, publish, session, coordinator):
    session.auto_publish_workdays = 15
    session.save()
    reply = publish("关于延后公开的建议")
    assert "关于延后公开的建议" not in index(client).content.decode()
    assert client.get(page_of(reply)).status_code == 404
    publication.release(reply, coordinator)
    assert "关于延后公开的建议" in index(client).content.decode()
    assert client.get(page_of(reply)).status_code == 200


def test_drafts_and_opinions_are_not_found(client, draft, handling, clerk_b):
    assert client.get(page_of(draft)).status_code == 404
    opinion = services.start_reply(handling.cohandler, clerk_b)
    assert client.get(page_of(opinion)).status_code == 404
    proposal = handling.proposal
    assert client.get(reverse("portal:proposal", args=[proposal.session_id, proposal.number])).status_code == 404
    assert client.get(reverse("portal:proposal", args=[proposal.session_id, 9999])).status_code == 404


# --- what each disclosure shows ---------------------------------------------------------------------


def test_a_public_reply_shows_its_signed_text_and_a_pdf(client, publish):
    reply = publish(opening=f"关于{SECRET}的答复开头。")
    page = client.get(page_of(reply)).content.decode()
    assert SECRET in page and "第1条建议的办理情况。" in page
    assert reply.document_number in page
    assert "公开日期" in page
    assert reverse("portal:reply_pdf", args=[reply.pk]) in page
    response = client.get(reverse("portal:reply_pdf", args=[reply.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert SECRET in pdf_text(response.content)


def test_a_public_reply_shows_the_signed_text_not_a_correction_in_progress(client, publish, clerk_a):
    from replies.tests.conftest import fill, reload

    reply = publish()
    services.start_correction(reply, clerk_a, reason="改正。")
    fill(reload(reply), clerk_a, opening="尚未签发的更正稿。")
    page = client.get(page_of(reply)).content.decode()
    assert "尚未签发的更正稿" not in page and "第1条建议的办理情况。" in page


def test_a_summary_reply_shows_only_its_summary(client, publish):
    reply = publish(
        "关于摘要公开的建议", disclosure=Disclosure.SUMMARY, summary="平台已经建成。", opening=f"{SECRET}。"
    )
    for url in (page_of(reply), proposal_page(reply), reverse("portal:index")):
        page = client.get(url).content.decode()
        assert "平台已经建成。" in page, url
        assert SECRET not in page and "第1条建议的办理情况" not in page, url
    assert client.get(reverse("portal:reply_pdf", args=[reply.pk])).status_code == 404


def test_a_title_only_reply_shows_no_text(client, publish):
    reply = publish(
        "关于仅公开标题的建议", disclosure=Disclosure.TITLE_ONLY, summary="不该显示的摘要。", opening=f"{SECRET}。"
    )
    for url in (page_of(reply), proposal_page(reply), reverse("portal:index")):
        page = client.get(url).content.decode()
        assert "关于仅公开标题的建议" in page, url
        for hidden in (SECRET, "不该显示的摘要", "第1条建议的办理情况", reply.document_number):
            assert hidden not in page, (url, hidden)
    assert client.get(reverse("portal:reply_pdf", args=[reply.pk])).status_code == 404


# --- search ---------------------------------------------------------------------------------------------


def titles(response):
    return [reply.assignment.proposal.title for reply, _excerpt in response.context["rows"]]


def test_search_finds_a_public_reply_by_its_text_and_marks_the_hit(client, publish):
    publish("关于甲事项的建议", opening=f"我们已落实{SECRET}。")
    publish("关于乙事项的建议")
    response = index(client, q=SECRET)
    assert titles(response) == ["关于甲事项的建议"]
    assert f"<mark>{SECRET}</mark>" in response.content.decode()
    assert titles(index(client, q="乙事项")) == ["关于乙事项的建议"]


def test_a_title_only_or_summary_reply_is_not_found_by_its_unpublished_text(client, publish):
    publish("关于标题公开的建议", disclosure=Disclosure.TITLE_ONLY, summary="隐藏摘要", opening=f"{SECRET}。")
    publish("关于摘要公开的建议", disclosure=Disclosure.SUMMARY, summary="已建成转化平台", opening=f"{SECRET}。")
    assert titles(index(client, q=SECRET)) == []
    assert titles(index(client, q="隐藏摘要")) == []  # a title-only reply's summary is not public either
    assert titles(index(client, q="标题公开")) == ["关于标题公开的建议"]
    assert titles(index(client, q="转化平台")) == ["关于摘要公开的建议"]
    # the reply's own title (对…第N号代表建议的答复) is public too
    assert len(titles(index(client, q="代表建议的答复"))) == 2


@pytest.mark.parametrize("raw", ["%", "_", "'\"", "😀", "，。！？", "x" * 200, "%' OR 1=1 --", "\x00"])
def test_bad_queries_get_a_chinese_message_never_an_error(client, publish, raw):
    publish()
    response = index(client, q=raw)
    assert response.status_code == 200
    page = response.content.decode()
    if not response.context["filter"].is_valid():
        assert 'data-testid="query-error"' in page
        assert any(word in page for word in ("搜索词", "请换个词"))


@pytest.mark.parametrize("raw", ["😀", "，。！？", "x" * 200])
def test_queries_with_nothing_to_search_are_refused_with_a_message(client, db, raw):
    page = index(client, q=raw).content.decode()
    assert 'data-testid="query-error"' in page


# --- filters and pagination ------------------------------------------------------------------------


@pytest.fixture
def other_department(db):
    return Department.objects.create(name="吉林省教育厅", short_name="省教育厅", doc_code="吉教函")


def test_filters_by_session_department_result_and_category(client, publish, session, category, other_department):
    later = make_session(4, 2027, submission_deadline=session.submission_deadline)
    health = Category.objects.create(name="医疗卫生", parent=Category.objects.create(name="社会事业"))
    clerk = make_user("p_clerk_edu", Role.CLERK, department=other_department, full_name="钱多")
    leader = make_user("p_leader_edu", Role.LEADER, department=other_department, full_name="孙少")
    publish("关于甲的建议")
    publish("关于乙的建议", in_session=later, category="D")
    publish("关于丙的建议", in_category=health, clerk=clerk, leader=leader)
    assert titles(index(client, session=later.pk)) == ["关于乙的建议"]
    assert titles(index(client, department=other_department.pk)) == ["关于丙的建议"]
    assert titles(index(client, result="D")) == ["关于乙的建议"]
    assert set(titles(index(client, category=health.parent_id))) == {"关于丙的建议"}  # an aspect holds its classes
    assert set(titles(index(client, category=category.pk))) == {"关于甲的建议", "关于乙的建议"}
    response = index(client, session=later.pk)
    page = response.content.decode()
    assert "共 1 件答复" in page and 'data-testid="reset"' in page
    assert 'data-testid="reset"' not in index(client).content.decode()
    # an unknown choice is a message, not an error
    response = index(client, department=999999, session="abc")
    assert response.status_code == 200 and not response.context["filter"].is_valid()


def test_pagination_keeps_the_filters(client, publish, session, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        publish(f"关于第{n}件分页事项的建议")
    page = index(client, session=session.pk, q="分页").content.decode()
    assert "共 3 件答复" in page
    assert f"session={session.pk}" in page.split('rel="next"')[0].rsplit("href=", 1)[1]
    second = index(client, session=session.pk, q="分页", page=2)
    assert len(second.context["rows"]) == 1
    assert index(client, page="abc").status_code == 200


# --- the proposal page --------------------------------------------------------------------------------


def test_the_proposal_page_shows_title_session_number_lead_deputy_and_category(client, publish, category):
    reply = publish("关于页面信息的建议")
    proposal = reply.assignment.proposal
    page = client.get(proposal_page(reply)).content.decode()
    assert proposal.title in page and proposal.session.name in page
    assert f"第{proposal.number}号" in page
    assert "王宇辉" in page and "长春代表团" in page
    assert category.name in page
    assert page_of(reply) in page
    assert proposal.body not in page  # only the title of the proposal, not its text


# --- no personal data ---------------------------------------------------------------------------------

PERSONAL = {
    "phone": "13912345678",
    "address": "长春市朝阳区某某路88号",
    "email": "wangyuhui.private@example.com",
    "id_number": "220104198001011234",
}


@pytest.fixture
def exposed_deputy(deputy, cosigner):
    """The lead deputy and a co-signer with every kind of personal data the models hold; the
    login name is an ID-card-like number."""
    for who, suffix in ((deputy, ""), (cosigner, "9")):
        who.deputy.phone = PERSONAL["phone"] + suffix
        who.deputy.address = PERSONAL["address"] + suffix
        who.deputy.save()
        who.email = suffix + PERSONAL["email"]
        who.phone = PERSONAL["phone"][:-1] + "0" + suffix
        who.username = PERSONAL["id_number"][:-1] + (suffix or "4")
        who.save()
    return deputy


def personal_values(deputy, cosigner):
    values = []
    for who in (deputy, cosigner):
        who.refresh_from_db()
        values += [who.deputy.phone, who.deputy.address, who.email, who.phone, who.username]
    return values


def pdf_text(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "").replace("\n", "")


@pytest.mark.parametrize("disclosure", Disclosure.PUBLISHED)
def test_no_personal_data_of_deputies_reaches_any_public_page(
    client, exposed_deputy, cosigner, coordinator, clerk_a, leader_a, session, category, disclosure
):
    from replies.tests.conftest import make_handling
    from replies.tests.test_publication import sign_reply

    handled = make_handling(
        deputy=exposed_deputy,
        cosigner=cosigner,
        coordinator=coordinator,
        clerk_a=clerk_a,
        clerk_b=None,
        session=session,
        category=category,
    )
    reply = sign_reply(
        handled, clerk_a, leader_a, disclosure=disclosure, summary="摘要。", contact_phone="0431-88888888"
    )
    values = personal_values(exposed_deputy, cosigner)
    pages = [
        reverse("portal:index"),
        reverse("portal:index") + f"?q={handled.proposal.title[:4]}",
        page_of(reply),
        proposal_page(reply),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        for value in values:
            assert value not in page, (url, value)
    if disclosure == Disclosure.PUBLIC:
        page = client.get(page_of(reply)).content.decode()
        assert "0431-88888888" in page  # the department's contact phone stays
        text = pdf_text(client.get(reverse("portal:reply_pdf", args=[reply.pk])).content)
        assert "0431-88888888" in text
        for value in values:
            assert value.replace(" ", "") not in text, value


# --- a fixed number of queries ---------------------------------------------------------------------------


def test_the_list_takes_a_fixed_number_of_queries(client, publish, session, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    publish("关于查询一的建议", disclosure=Disclosure.SUMMARY, summary="摘要。")
    with django_assert_num_queries(5):  # sessions, count, rows, departments and categories of the filter form
        index(client)
    department = publish().department_id
    with django_assert_num_queries(
        5
    ):  # the categories now cached (accounts.filters.cached_choices); the chosen department
        index(client, q="查询", department=department)
    for n in range(5):
        publish(f"关于查询{n}的建议", disclosure=Disclosure.TITLE_ONLY if n % 2 else Disclosure.PUBLIC)
    with django_assert_num_queries(4):
        index(client)
    with django_assert_num_queries(5):
        index(client, q="查询", department=department, page=2)


def test_the_proposal_and_reply_pages_take_one_query(client, publish, django_assert_num_queries):
    for disclosure in Disclosure.PUBLISHED:
        reply = publish(disclosure=disclosure, summary="摘要。")
        urls = (page_of(reply), proposal_page(reply))
        for url in urls:
            with django_assert_num_queries(1):
                assert client.get(url).status_code == 200


# --- the same page for everybody, kept a minute --------------------------------------------------------


@pytest.fixture
def kept(settings):
    settings.PORTAL_CACHE_SECONDS = 60


def test_a_page_asked_for_again_is_served_without_a_query(client, publish, kept, django_assert_num_queries):
    reply = publish("关于再次访问的建议")
    for url in (reverse("portal:index") + "?q=再次访问", page_of(reply), proposal_page(reply)):
        first = client.get(url)
        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.status_code == 200 and again.content == first.content
        assert again["Content-Type"] == "text/html; charset=utf-8"


def test_a_reply_published_since_shows_once_the_page_kept_has_expired(client, publish, settings):
    settings.PORTAL_CACHE_SECONDS = 1
    publish("关于先公开的建议")
    assert "共 1 件答复" in index(client).content.decode()
    publish("关于后公开的建议")
    assert "共 1 件答复" in index(client).content.decode()  # the page kept
    time.sleep(1.1)
    page = index(client).content.decode()
    assert "关于后公开的建议" in page and "共 2 件答复" in page


def test_each_language_and_each_day_has_its_own_page(client, publish, kept, monkeypatch):
    publish("关于按语言缓存的建议")
    assert "代表建议办理结果公开" in index(client).content.decode()
    client.cookies["django_language"] = "en"
    assert "代表建议办理结果公开" not in index(client).content.decode()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    with CaptureQueriesContext(connection) as queries:  # a new day: the page is made again
        index(client)
    assert queries.captured_queries


def test_a_page_not_found_is_not_kept(client, publish, session, coordinator, kept):
    session.auto_publish_workdays = 15
    session.save()
    reply = publish("关于稍后公开的建议")
    assert client.get(page_of(reply)).status_code == 404
    publication.release(reply, coordinator)
    assert client.get(page_of(reply)).status_code == 200
