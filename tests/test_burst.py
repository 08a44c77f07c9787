"""Bursts at national scale (issue 10, item 4), as a correctness test under real concurrency:
two gunicorn servers on different ports share the test database, and the requests go to
them over HTTP, released together. 200 deputies submit in the same minute and the office
registers all 200 from five desks at once; 20 leaders sign 20 replies at the same moment;
two people save the same draft from the same version; a submit is clicked twice. Nothing
may fail, no number may be skipped or given twice, and no edit may be silently lost.

No timing is asserted: the burst only has to come out right. docs/performance.md, "Burst
test", describes the set-up."""

import re
from collections import Counter

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from accounts.models import CongressLevel, Delegation, Deputy, Role, User
from proposals import services
from proposals.models import Proposal, ProposalEvent
from proposals.tests.conftest import draft_data
from replies import services as reply_services
from replies.models import DocumentSeries, Reply, ReplyVersion
from replies.tests.conftest import fill, make_handling, reload
from tests import burst
from tests.burst import Browser, at_once, form_fields, with_values

SUBMITTED_MESSAGE = "建议已提交，等待交办机构审查。"
Event = ProposalEvent.Kind


# --- two app servers, one database ---------------------------------------------------------------


class App:
    """The running servers, as one test sees them: their ports, the SECRET_KEY they sign
    sessions with, and what went wrong on them during the test."""

    def __init__(self, servers, secret):
        self.servers = servers
        self.secret = secret
        self.ports = [s.port for s in servers]
        self._seen = {s.name: len(s.failures()) for s in servers}

    def port(self, i: int) -> int:
        """The i-th person's server: people are spread over the servers in turn."""
        return self.ports[i % len(self.ports)]

    def other_port(self, port: int) -> int:
        return next(p for p in self.ports if p != port)

    def failures(self) -> list[str]:
        return [line for s in self.servers for line in s.failures()[self._seen[s.name] :]]


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """Two gunicorn servers with the production settings on the test database, started once
    for this module and always stopped, whatever happens."""
    logs = tmp_path_factory.mktemp("burst-servers")
    secret = burst.new_secret()
    env = burst.server_env(url=burst.database_url(connection.settings_dict), secret=secret, media_root=logs / "media")
    started = burst.start_servers(2, env, logs)
    try:
        yield started, secret
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def app(servers, transactional_db):
    """The servers, for a test whose data is committed (the servers read it from their own
    connections)."""
    return App(*servers)


# --- people ----------------------------------------------------------------------------------------


def make_people(role, count, prefix, *, department=None):
    """`count` accounts in one insert (deputies with their Deputy rows). They never type a
    password: burst.sign_in gives them their sessions."""
    users = User.objects.bulk_create(
        User(
            username=f"{prefix}{i:03d}",
            full_name=f"{prefix}{i:03d}",
            role=role,
            department=department,
            email=f"{prefix}{i:03d}@example.gov.cn",
            password=make_password(None),
        )
        for i in range(1, count + 1)
    )
    if role == Role.DEPUTY:
        delegation = Delegation.objects.get_or_create(name="长春代表团")[0]
        Deputy.objects.bulk_create(
            Deputy(user=u, name=u.full_name, term=14, level=CongressLevel.PROVINCIAL, delegation=delegation)
            for u in users
        )
    return users


def suggestions_for(i):
    return [f"建议一：第{i}项工程列入年度计划。", f"建议二：第{i}项工程安排专项资金。"]


def proposal_pk(response) -> int:
    """The proposal a redirect goes to; fails on any other answer (an error page, the login page)."""
    match = re.fullmatch(r"/proposals/(\d+)/", response.location) if response.status == 302 else None
    assert match, f"expected a redirect to a proposal, got {response.status} {response.location}"
    return int(match[1])


def answers(responses) -> Counter:
    """What came back, by status: an exception (a reset connection, a timeout) by its name."""
    return Counter(r.status if isinstance(r, burst.Response) else type(r).__name__ for r in responses)


# --- burst 1: the session's last minute, then registration -----------------------------------------


def test_two_hundred_deputies_submitting_in_the_same_minute_are_registered_with_numbers_one_to_two_hundred(
    app, session, category
):
    deputies = make_people(Role.DEPUTY, 200, "burst_deputy")
    coordinators = make_people(Role.COORDINATOR, 5, "burst_office")
    # Half of them saved a draft earlier and press 提交 on its page; the other half write the
    # proposal now and press 提交 on the new-proposal form.
    with_draft, writing = deputies[:100], deputies[100:]
    drafts = {
        user.pk: services.save_draft(
            actor=user,
            session=session,
            data=draft_data(category, title=f"关于推进第{i}项民生工程的建议"),
            suggestions=suggestions_for(i),
        )
        for i, user in enumerate(with_draft, 1)
    }
    keys = burst.sign_in([*deputies, *coordinators], app.secret)
    browsers = {user.pk: Browser(app.port(i), keys[user.pk]) for i, user in enumerate(deputies)}

    # Each opens the page they will submit from (signed in: a deputy's own pages answer 200).
    opened = at_once(
        [lambda u=u: browsers[u.pk].get(f"/proposals/{drafts[u.pk].pk}/") for u in with_draft]
        + [lambda u=u: browsers[u.pk].get("/proposals/new/") for u in writing]
    )
    assert answers(opened) == {200: 200}
    for user, page in zip(with_draft, opened[:100], strict=True):
        assert f'action="/proposals/{drafts[user.pk].pk}/submit/"' in page.text
    forms = {
        user.pk: form_fields(page.text, **{"class": "card form"})
        for user, page in zip(writing, opened[100:], strict=True)
    }

    def write_and_submit(i, user):
        fields = with_values(
            forms[user.pk],
            title=f"关于加快第{i}项基础设施建设的建议",
            body=f"第{i}项基础设施建设进度滞后。为此建议：",
            category=str(category.pk),
            suggestion=suggestions_for(i),
        )
        return browsers[user.pk].post("/proposals/new/submit/", fields)

    submits = at_once(
        [lambda u=u: browsers[u.pk].post(f"/proposals/{drafts[u.pk].pk}/submit/") for u in with_draft]
        + [lambda i=i, u=u: write_and_submit(i, u) for i, u in enumerate(writing, 101)]
    )

    assert answers(submits) == {302: 200}
    pks = [proposal_pk(r) for r in submits]
    assert pks[:100] == [drafts[u.pk].pk for u in with_draft]
    proposals = Proposal.objects.filter(session=session)
    assert sorted(proposals.values_list("pk", flat=True)) == sorted(pks)  # one proposal each, none twice
    assert sorted(proposals.values_list("lead_deputy__user_id", flat=True)) == sorted(u.pk for u in deputies)
    assert set(proposals.values_list("status", flat=True)) == {Proposal.Status.SUBMITTED}
    submitted = ProposalEvent.objects.filter(kind=Event.SUBMITTED)
    assert Counter(submitted.values_list("proposal_id", flat=True)) == dict.fromkeys(pks, 1)
    assert all(
        event.actor_id == event.proposal.lead_deputy.user_id
        for event in submitted.select_related("proposal__lead_deputy")
    )

    # The office registers them from five desks on both servers at once; twenty proposals are
    # also registered a second time by another desk on the other server in the same instant.
    desks = [Browser(app.port(i), keys[c.pk]) for i, c in enumerate(coordinators)]
    opened = at_once([lambda d=d: d.get(f"/proposals/{pks[0]}/") for d in desks])
    assert answers(opened) == {200: 5}
    assert all(f'action="/proposals/{pks[0]}/accept/"' in page.text for page in opened)  # the office's form

    def accept(desk, pk, port):
        return desk.post(f"/proposals/{pk}/accept/", port=port)

    jobs = [lambda i=i, pk=pk: accept(desks[i % 5], pk, app.port(i)) for i, pk in enumerate(pks)]
    jobs += [lambda i=i, pk=pk: accept(desks[(i + 1) % 5], pk, app.port(i + 1)) for i, pk in enumerate(pks[:20])]
    acceptances = at_once(jobs)

    assert answers(acceptances) == {302: 220}
    assert [proposal_pk(r) for r in acceptances] == [*pks, *pks[:20]]
    assert sorted(proposals.values_list("number", flat=True)) == list(range(1, 201))
    session.refresh_from_db()
    assert session.last_number == 200
    accepted = ProposalEvent.objects.filter(kind=Event.ACCEPTED)
    assert Counter(accepted.values_list("proposal_id", flat=True)) == dict.fromkeys(pks, 1)
    numbers = dict(proposals.values_list("pk", "number"))
    assert all(event.details["number"] == numbers[event.proposal_id] for event in accepted)

    # Both servers took their share of each burst, and neither logged a failure.
    for server in app.servers:
        assert server.served("POST", "/submit/") >= 90
        assert server.served("POST", "/accept/") >= 100
    assert app.failures() == []


# --- burst 2: the reply rush ---------------------------------------------------------------------


def test_twenty_replies_signed_at_the_same_moment_get_numbers_one_to_ten_in_each_departments_series(
    app, session, category, deputy, coordinator, department_a, department_b
):
    session.contact_required = False  # the contact rule is not what this test is about
    session.save()
    departments = [department_a, department_b]
    clerks = {d.pk: make_people(Role.CLERK, 1, f"burst_clerk_{d.pk}_", department=d)[0] for d in departments}
    leaders = {d.pk: make_people(Role.LEADER, 12, f"burst_leader_{d.pk}_", department=d) for d in departments}
    # Twenty replies, ten in each department, drafted and sent for signing (the set-up, not
    # the burst). Neither department has signed anything this year: the first signatures
    # also create the year's series.
    replies = []
    for i in range(20):
        department = departments[i % 2]
        clerk = clerks[department.pk]
        handling = make_handling(
            deputy=deputy,
            cosigner=None,
            coordinator=coordinator,
            clerk_a=clerk,
            clerk_b=None,
            session=session,
            category=category,
            title=f"关于改善第{i + 1}项公共服务的建议",
        )
        reply = fill(reply_services.start_reply(handling.lead, clerk), clerk)
        reply_services.submit_for_review(reply, clerk, version=reply.version)
        replies.append(reload(reply))
    assert not DocumentSeries.objects.exists()
    assert {r.status for r in replies} == {Reply.Status.IN_REVIEW}

    keys = burst.sign_in([u for people in leaders.values() for u in people], app.secret)
    # Each reply's leader signs it on its server; the first two replies of each department
    # are also signed by another leader of the department on the other server, in the same
    # instant (the last two leaders, who have nothing else to sign).
    twice = replies[:4]
    signings = []  # (reply, the signing leader's browser)
    for i, reply in enumerate(replies):
        # the n-th reply of its department: each department's replies alternate between servers
        n = i // 2
        signings.append((reply, Browser(app.port(n), keys[leaders[reply.department_id][n].pk])))
    for i, reply in enumerate(twice):
        other = leaders[reply.department_id][10 + i // 2]
        signings.append((reply, Browser(app.port(i // 2 + 1), keys[other.pk])))
    opened = at_once([lambda r=r, b=b: b.get(f"/replies/{r.pk}/") for r, b in signings])
    assert answers(opened) == {200: 24}
    for (reply, _browser), page in zip(signings, opened, strict=True):
        assert f'action="/replies/{reply.pk}/sign/"' in page.text  # a leader's page

    signed = at_once([lambda r=r, b=b: b.post(f"/replies/{r.pk}/sign/") for r, b in signings])

    assert answers(signed) == {302: 24}
    assert [r.location for r in signed] == [f"/replies/{r.pk}/" for r in [*replies, *twice]]
    year = timezone.localdate().year
    for department in departments:
        rows = Reply.objects.filter(department=department)
        assert set(rows.values_list("status", flat=True)) == {Reply.Status.SIGNED}
        assert sorted(rows.values_list("serial", flat=True)) == list(range(1, 11))
        assert all(
            number == f"{department.doc_code}〔{year}〕{serial}号"
            for number, serial in rows.values_list("document_number", "serial")
        )
        series = DocumentSeries.objects.get(department=department)
        assert (series.kind, series.year, series.last_number) == (DocumentSeries.Kind.REPLY, year, 10)
        assert set(rows.values_list("signed_by__role", "signed_by__department")) == {(Role.LEADER, department.pk)}
    signed_versions = ReplyVersion.objects.filter(kind=ReplyVersion.Kind.SIGNED)
    assert Counter(signed_versions.values_list("reply_id", flat=True)) == dict.fromkeys([r.pk for r in replies], 1)
    assert ProposalEvent.objects.filter(kind=Event.REPLY_SIGNED).count() == 20
    for server in app.servers:
        assert server.served("POST", "/sign/") >= 10
    assert app.failures() == []


# --- lost edits ------------------------------------------------------------------------------------


def test_two_clerks_saving_one_reply_draft_from_the_same_version_keep_one_edit_and_are_told_about_the_other(
    app, session, category, deputy, coordinator, clerk_a
):
    handling = make_handling(
        deputy=deputy,
        cosigner=None,
        coordinator=coordinator,
        clerk_a=clerk_a,
        clerk_b=None,
        session=session,
        category=category,
    )
    reply = reply_services.start_reply(handling.lead, clerk_a)
    colleague = make_people(Role.CLERK, 1, "burst_colleague", department=clerk_a.department)[0]
    keys = burst.sign_in([clerk_a, colleague], app.secret)
    zhao, colleague_browser = Browser(app.ports[0], keys[clerk_a.pk]), Browser(app.ports[1], keys[colleague.pk])
    editors = [b.get(f"/replies/{reply.pk}/") for b in (zhao, colleague_browser)]
    assert [e.status for e in editors] == [200, 200]
    texts = ["赵磊：已完成平台建设方案。", "同事：平台建设方案正在论证。"]
    posts = []
    for page, text in zip(editors, texts, strict=True):
        fields = form_fields(page.text, id="editor")
        assert ("version", "1") in fields  # both started from the same version
        posts.append(with_values(fields, **{"section-0-body": text}))

    saved = at_once(
        [
            lambda: zhao.post(f"/replies/{reply.pk}/save/", posts[0]),
            lambda: colleague_browser.post(f"/replies/{reply.pk}/save/", posts[1]),
        ]
    )

    assert sorted(r.status for r in saved) == [302, 409]
    won = 0 if saved[0].status == 302 else 1
    winner, loser = texts[won], texts[1 - won]
    refused = saved[1 - won]
    assert "您的修改没有保存" in refused.text
    assert loser in refused.text  # what the loser typed is still in their editor
    reply.refresh_from_db()
    assert reply.version == 2
    assert reply_services.content_of(reply).sections[0].body == winner
    assert list(reply.versions.order_by("number").values_list("kind", flat=True)) == [
        ReplyVersion.Kind.CREATED,
        ReplyVersion.Kind.SAVED,
    ]
    assert not reply.versions.filter(text__contains=loser).exists()
    assert app.failures() == []


def test_a_deputy_saving_one_draft_from_two_devices_at_once_keeps_one_edit_and_is_told_about_the_other(
    app, session, category, deputy
):
    draft = services.save_draft(
        actor=deputy, session=session, data=draft_data(category), suggestions=suggestions_for(1)
    )
    devices = [Browser(port, burst.sign_in([deputy], app.secret)[deputy.pk]) for port in app.ports]
    pages = [d.get(f"/proposals/{draft.pk}/edit/") for d in devices]
    assert [p.status for p in pages] == [200, 200]
    titles = ["关于加快建设城市绿道的建议", "关于加快建设乡村公路的建议"]
    posts = []
    for page, title in zip(pages, titles, strict=True):
        fields = form_fields(page.text, **{"class": "card form"})
        assert ("version", "1") in fields
        posts.append(with_values(fields, title=title))

    saved = at_once(
        [lambda d=d, p=p: d.post(f"/proposals/{draft.pk}/edit/", p) for d, p in zip(devices, posts, strict=True)]
    )

    assert sorted(r.status for r in saved) == [200, 302]
    won = 0 if saved[0].status == 302 else 1
    assert saved[won].location == f"/proposals/{draft.pk}/edit/"
    refused = saved[1 - won]
    assert "此建议在您编辑期间已被修改或已提交，您的修改没有保存" in refused.text
    assert titles[1 - won] in refused.text  # the form comes back with what was typed
    draft.refresh_from_db()
    assert (draft.title, draft.version) == (titles[won], 2)
    assert ProposalEvent.objects.filter(proposal=draft, kind=Event.EDITED).count() == 1
    assert app.failures() == []


# --- double submits --------------------------------------------------------------------------------
# A double click behind a load balancer: the two requests reach both servers at once, each
# taken by an idle worker. Five people do it one after the other, so that a race which only
# sometimes goes wrong shows.
CLICKERS = 5


def test_submits_clicked_twice_and_sent_to_both_servers_at_once_submit_each_draft_once(app, session, category):
    deputies = make_people(Role.DEPUTY, CLICKERS, "burst_clicker")
    drafts = [
        services.save_draft(
            actor=user,
            session=session,
            data=draft_data(category, title=f"关于推进第{i}项民生工程的建议"),
            suggestions=suggestions_for(i),
        )
        for i, user in enumerate(deputies, 1)
    ]
    keys = burst.sign_in(deputies, app.secret)
    browsers = [Browser(app.port(i), keys[user.pk]) for i, user in enumerate(deputies)]
    assert [b.get(f"/proposals/{d.pk}/").status for b, d in zip(browsers, drafts, strict=True)] == [200] * CLICKERS

    clicks = [
        response
        for b, d in zip(browsers, drafts, strict=True)
        for response in at_once([lambda b=b, d=d, p=p: b.post(f"/proposals/{d.pk}/submit/", port=p) for p in app.ports])
    ]

    assert [proposal_pk(r) for r in clicks] == [d.pk for d in drafts for _port in app.ports]
    for n, browser in enumerate(browsers):
        pages = [browser.follow(r).text for r in clicks[2 * n : 2 * n + 2]]
        assert sorted(SUBMITTED_MESSAGE in page for page in pages) == [False, True]  # one click submitted it...
        refusal = next(page for page in pages if SUBMITTED_MESSAGE not in page)
        assert "无需重复提交" in refusal or "不能进行此项操作" in refusal  # ...the other was told why not
    assert set(Proposal.objects.values_list("status", flat=True)) == {Proposal.Status.SUBMITTED}
    submitted = ProposalEvent.objects.filter(kind=Event.SUBMITTED)
    assert Counter(submitted.values_list("proposal_id", flat=True)) == {d.pk: 1 for d in drafts}
    assert app.failures() == []


def test_new_proposals_submitted_twice_at_once_from_one_form_are_created_and_submitted_once(app, session, category):
    deputies = make_people(Role.DEPUTY, CLICKERS, "burst_writer")
    keys = burst.sign_in(deputies, app.secret)
    browsers = [Browser(app.port(i), keys[user.pk]) for i, user in enumerate(deputies)]
    forms = []
    for i, browser in enumerate(browsers, 1):
        page = browser.get("/proposals/new/")
        assert page.status == 200
        fields = with_values(
            form_fields(page.text, **{"class": "card form"}),
            title=f"关于加快第{i}项基础设施建设的建议",
            body=f"第{i}项基础设施建设进度滞后。为此建议：",
            category=str(category.pk),
            suggestion=suggestions_for(i),
        )
        assert any(name == "client_token" and value for name, value in fields)  # the form's own token
        forms.append(fields)

    clicks = [
        response
        for b, f in zip(browsers, forms, strict=True)
        for response in at_once([lambda b=b, f=f, p=p: b.post("/proposals/new/submit/", f, port=p) for p in app.ports])
    ]

    pks = [proposal_pk(r) for r in clicks]
    for i, user in enumerate(deputies):
        proposal = Proposal.objects.get(lead_deputy__user=user)  # one proposal, not two
        assert pks[2 * i : 2 * i + 2] == [proposal.pk, proposal.pk]  # both clicks lead to it
        assert proposal.status == Proposal.Status.SUBMITTED
        assert list(proposal.suggestions.values_list("text", flat=True)) == suggestions_for(i + 1)
        events = Counter(ProposalEvent.objects.filter(proposal=proposal).values_list("kind", flat=True))
        assert (events[Event.CREATED], events[Event.SUBMITTED]) == (1, 1)
    assert app.failures() == []
