"""The full-text search page (/search/): proposals and signed replies, each searched inside
what the user may open."""

import pytest
from django.urls import reverse

from proposals import search as text_search
from proposals import services
from proposals.tests.conftest import draft_data
from replies import services as reply_services
from replies.tests.conftest import draft, fill, handling, issued, reload  # noqa: F401 — fixtures

URL = reverse("search")


def test_a_signed_reply_is_found_by_its_text_with_the_hit_marked(client, issued, deputy):  # noqa: F811
    client.force_login(deputy)
    response = client.get(URL, {"q": "继续推进", "kind": "replies"})
    assert response.status_code == 200
    assert response.context["results"].counts["replies"] == 1
    assert "<mark>继续推进</mark>" in response.content.decode()
    assert reverse("replies:detail", args=[issued.pk]) in response.content.decode()


def test_a_draft_reply_is_not_searchable_even_by_its_department(client, draft, clerk_a):  # noqa: F811
    fill(draft, clerk_a)
    client.force_login(clerk_a)
    response = client.get(URL, {"q": "继续推进", "kind": "replies"})
    assert response.context["results"].counts["replies"] == 0


def test_the_proposal_is_found_by_its_body_and_counted_beside_the_replies(client, issued, coordinator):  # noqa: F811
    client.force_login(coordinator)
    response = client.get(URL, {"q": "转化率"})  # in the body only
    results = response.context["results"]
    assert results.kind == "proposals"
    assert results.counts == {"proposals": 1, "replies": 0}
    assert "<mark>转化率</mark>" in response.content.decode()


def test_nobody_finds_what_they_cannot_open(client, issued, outsider_deputy, clerk_b, deputy):  # noqa: F811
    # clerk_b's department co-handles the proposal: it sees the proposal, not department A's reply
    expected = {outsider_deputy: (0, 0), clerk_b: (1, 0), deputy: (1, 1)}
    for user, (proposals, replies) in expected.items():
        client.force_login(user)
        counts = client.get(URL, {"q": "科技成果"}).context["results"].counts
        assert counts == {"proposals": proposals, "replies": replies}, user


def test_the_results_are_ranked_title_hits_first(client, deputy, coordinator, session, category):
    def make(title, body):
        proposal = services.save_draft(
            actor=deputy, session=session, data=draft_data(category, title=title, body=body), suggestions=["无。"]
        )
        return services.submit_proposal(proposal, deputy)

    body_hit = make("关于乡村道路的建议", "兼顾湿地保护。")
    title_hit = make("关于湿地保护的建议", "正文。")
    client.force_login(coordinator)
    rows = list(client.get(URL, {"q": "湿地"}).context["results"].page)
    assert [r.pk for r in rows] == [title_hit.pk, body_hit.pk]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("！？……", "没有可搜索的文字"),
        ("😀", "没有可搜索的文字"),
        ("%", "没有可搜索的文字"),
        ("教" * 101, "搜索词太长"),
    ],
)
def test_a_bad_query_gets_a_chinese_message_and_no_results(client, coordinator, raw, message):
    client.force_login(coordinator)
    response = client.get(URL, {"q": raw})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["results"] is None


def test_odd_parameters_never_break_the_page(client, issued, coordinator):  # noqa: F811
    client.force_login(coordinator)
    for params in ({"q": "科技", "kind": "x'--"}, {"q": "科技", "page": "-1"}, {"q": "科技", "page": "九"}, {}):
        assert client.get(URL, params).status_code == 200


def test_the_page_runs_the_same_queries_for_one_hit_or_many(
    client, coordinator, deputy, session, category, django_assert_num_queries
):
    def make(n):
        for i in range(n):
            proposal = services.save_draft(
                actor=deputy,
                session=session,
                data=draft_data(category, title=f"关于第{i}个湿地保护的建议", body="湿地。"),
                suggestions=["无。"],
            )
            services.submit_proposal(proposal, deputy)

    client.force_login(coordinator)
    make(1)
    client.get(URL, {"q": "湿地"})  # warm the session and the nav
    with django_assert_num_queries(QUERIES):
        client.get(URL, {"q": "湿地"})
    make(24)
    with django_assert_num_queries(QUERIES):
        response = client.get(URL, {"q": "湿地"})
    assert len(response.context["results"].page) == 20


def test_a_query_matching_more_than_can_be_ranked_shows_the_newest_first(
    client, coordinator, deputy, session, category, monkeypatch
):
    monkeypatch.setattr(text_search, "RANK_LIMIT", 2)
    made = []
    for title in ("关于湿地的建议", "关于湿地湿地的建议", "关于另一处湿地的建议"):
        proposal = services.save_draft(
            actor=deputy, session=session, data=draft_data(category, title=title, body="正文。"), suggestions=["无。"]
        )
        made.append(services.submit_proposal(proposal, deputy))
    client.force_login(coordinator)
    response = client.get(URL, {"q": "湿地"})
    results = response.context["results"]
    assert results.broad and results.shown_counts["proposals"] == "2+"
    assert [r.pk for r in results.page] == [p.pk for p in reversed(made)]
    assert "按时间从新到旧排列" in response.content.decode()


# session and user (2), unread notifications (1; the coordinator's calendar warning is cached
# after the first page), two counts and one page of hits (3)
QUERIES = 6


def test_a_corrected_reply_is_found_by_its_new_text(issued, clerk_a, leader_a, deputy, client):  # noqa: F811
    reply_services.start_correction(issued, clerk_a, reason="措辞更正。")
    fill(reload(issued), clerk_a, closing=["下一步，我们将加快湿地修复。"])
    reply = reload(issued)
    reply_services.submit_for_review(reply, clerk_a, version=reply.version)
    reply_services.sign(reload(reply), leader_a)
    client.force_login(deputy)
    assert client.get(URL, {"q": "湿地修复", "kind": "replies"}).context["results"].counts["replies"] == 1
    assert client.get(URL, {"q": "继续推进", "kind": "replies"}).context["results"].counts["replies"] == 0
