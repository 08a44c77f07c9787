"""Chinese full-text search (proposals.search): the bigram index, exact substring matching,
ranking, highlighting and the bad queries."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict

from proposals import search, services
from proposals.filters import ProposalFilter
from proposals.models import Proposal

from .conftest import draft_data


def find(text, queryset=None):
    query = search.parse(text)
    queryset = Proposal.objects.all() if queryset is None else queryset
    return set(
        search.matching(queryset, query, vector="search_vector", document="search_document").values_list(
            "title", flat=True
        )
    )


@pytest.fixture
def library(deputy, session, category):
    """Three proposals whose texts differ in the ways searches go wrong."""

    def make(title, body, suggestions):
        return services.save_draft(
            actor=deputy, session=session, data=draft_data(category, title=title, body=body), suggestions=suggestions
        )

    return {
        "vocational": make("关于深化职业教育改革的建议", "职业教育是国民教育体系的重要组成部分。", ["扩大中职招生。"]),
        "5g": make("关于加快5G基站建设的建议", "农村地区ＡＩ与５Ｇ覆盖不足。", ["新建基站两千个。"]),
        "water": make("关于治理松花江水污染的建议", "江水。", ["建设污水处理厂（一期）。", "加强监测"]),
    }


def test_the_index_holds_every_two_character_piece_of_each_run_and_each_runs_last_character(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT jianyi_bigrams(%s)::text", ["教育改革，AB 嗄"])
        vector = cursor.fetchone()[0]
    assert set(vector.split()) == {"'ab'", "'b'", "'嗄'", "'教育'", "'育改'", "'改革'", "'革'"}


def test_python_and_sql_normalise_text_the_same_way(db):
    samples = ["ＡＢＣ１２３", "Ⅻ号文件", "ﬁle", "教育", "Ｚ"]
    with connection.cursor() as cursor:
        for text in samples:
            cursor.execute("SELECT jianyi_norm(%s)", [text])
            assert cursor.fetchone()[0] == search.normalize(text), text


def test_a_two_character_word_is_found_inside_any_text(library):
    assert find("教育") == {"关于深化职业教育改革的建议"}
    assert find("改革") == {"关于深化职业教育改革的建议"}
    assert find("基站") == {"关于加快5G基站建设的建议"}


def test_a_single_character_is_found_anywhere_even_at_the_end_of_a_run(library):
    assert find("职") == {"关于深化职业教育改革的建议"}
    # 测 ends the suggestion 加强监测 and 期 sits before a bracket: both are a run's last character
    assert find("测") == {"关于治理松花江水污染的建议"}
    assert find("期") == {"关于治理松花江水污染的建议"}


def test_three_or_more_characters_must_appear_together(library):
    assert find("职业教育改革") == {"关于深化职业教育改革的建议"}
    # every two-character piece of 教育职业 occurs in the vocational text, but never together
    assert find("教育职业") == set()
    assert find("污水处理厂") == {"关于治理松花江水污染的建议"}


def test_mixed_chinese_and_latin_text_and_full_width_forms_are_found(library):
    assert find("5G基站") == {"关于加快5G基站建设的建议"}
    assert find("ai") == {"关于加快5G基站建设的建议"}  # the body wrote full-width ＡＩ
    assert find("5g") == {"关于加快5G基站建设的建议"}


def test_several_words_must_all_be_present(library):
    assert find("教育 中职") == {"关于深化职业教育改革的建议"}
    assert find("教育 基站") == set()


def test_the_search_reads_titles_bodies_and_suggestions(library):
    assert find("深化") == {"关于深化职业教育改革的建议"}  # title only
    assert find("国民") == {"关于深化职业教育改革的建议"}  # body only
    assert find("两千") == {"关于加快5G基站建设的建议"}  # a suggestion only


def test_editing_a_proposal_updates_its_index(library, deputy):
    proposal = library["water"]
    services.save_draft(
        actor=deputy,
        session=proposal.session,
        proposal=proposal,
        data=draft_data(proposal.category, title="关于治理辽河水污染的建议", body="辽河。"),
        suggestions=["建设湿地。"],
        version=proposal.version,
    )
    assert find("辽河") == {"关于治理辽河水污染的建议"}
    assert find("松花江") == set()


@pytest.mark.parametrize("raw", ["%", "_", "'", '"', "\\", "%_%"])
def test_sql_wildcards_and_quotes_alone_are_refused_not_matched_against_everything(raw):
    with pytest.raises(search.QueryError):
        search.parse(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("教育%", {"关于深化职业教育改革的建议"}),
        ("基_站", {"关于加快5G基站建设的建议"}),
        ("'基站' OR 1=1", set()),
        ("5g%基站", {"关于加快5G基站建设的建议"}),
    ],
)
def test_sql_wildcards_and_quotes_inside_a_query_only_separate_words(library, raw, expected):
    assert find(raw) == expected


@pytest.mark.parametrize("raw", ["，。！？", "😀😀", "%%%", "  ——  "])
def test_a_query_with_nothing_searchable_gets_a_chinese_message(raw):
    with pytest.raises(search.QueryError, match="没有可搜索的文字"):
        search.parse(raw)


def test_an_over_long_query_gets_a_chinese_message():
    with pytest.raises(search.QueryError, match="搜索词太长"):
        search.parse("教" * (search.MAX_QUERY_LENGTH + 1))


def test_too_many_words_get_a_chinese_message():
    with pytest.raises(search.QueryError, match="最多"):
        search.parse(" ".join("甲乙丙丁戊己庚辛壬癸"))


def test_an_empty_query_searches_nothing():
    assert search.parse("   ") is None


def test_emoji_between_words_separates_them(library):
    assert find("教育😀改革") == {"关于深化职业教育改革的建议"}


def test_a_hit_in_the_title_ranks_first_then_the_number_of_occurrences(deputy, session, category):
    def make(title, body):
        return services.save_draft(
            actor=deputy, session=session, data=draft_data(category, title=title, body=body), suggestions=["无。"]
        )

    once = make("关于乡村道路的建议", "提到一次教育。")
    thrice = make("关于乡村学校的建议", "教育、教育，还是教育。")
    titled = make("关于教育公平的建议", "正文。")
    query = search.parse("教育")
    matches = search.matching(Proposal.objects.all(), query, vector="search_vector", document="search_document")
    found = search.ranked(matches, query, document="search_document", title="title")
    assert list(found.values_list("pk", flat=True)) == [titled.pk, thrice.pk, once.pk]


def test_the_highlight_marks_every_hit_and_escapes_the_rest():
    query = search.parse("教育")
    html = search.highlight("<b>职业教育</b>与高等教育", query)
    assert html == "&lt;b&gt;职业<mark>教育</mark>&lt;/b&gt;与高等<mark>教育</mark>"


def test_the_highlight_marks_hits_in_text_whose_normal_form_is_longer_or_full_width():
    html = search.highlight("现答复如下……职业教育与５Ｇ", search.parse("教育 5g"))
    assert html == "现答复如下……职业<mark>教育</mark>与<mark>５Ｇ</mark>"


def test_the_highlight_shows_the_text_around_a_late_hit():
    query = search.parse("目标")
    html = search.highlight("前" * 200 + "目标" + "后" * 200, query, width=60)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>目标</mark>" in html


def test_the_search_uses_the_index_not_a_sequential_scan(library):
    query = search.parse("教育改革")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table would be scanned anyway
        plan = search.matching(
            Proposal.objects.all(), query, vector="search_vector", document="search_document"
        ).explain()
        cursor.execute("SET enable_seqscan = on")
    assert "proposal_search_vector" in plan


def test_the_proposal_list_filter_finds_ranks_and_reports_bad_queries(library, coordinator):
    for p in library.values():
        services.submit_proposal(p, p.lead_deputy.user)
    scoped = Proposal.objects.visible_to(coordinator)
    found = ProposalFilter(QueryDict(urlencode({"q": "基站"})), queryset=scoped)
    assert [p.title for p in found.qs] == ["关于加快5G基站建设的建议"]
    bad = ProposalFilter(QueryDict(urlencode({"q": "！！"})), queryset=scoped)
    assert bad.qs.count() == 3  # the bad field is not applied
    assert "没有可搜索的文字" in str(bad.form.errors["q"])


def test_nobody_finds_what_they_cannot_open(library, deputy, outsider_deputy, coordinator, clerk_a):
    services.submit_proposal(library["vocational"], deputy)
    assert find("教育", Proposal.objects.visible_to(deputy)) == {"关于深化职业教育改革的建议"}
    assert find("教育", Proposal.objects.visible_to(outsider_deputy)) == set()
    assert find("教育", Proposal.objects.visible_to(clerk_a)) == set()  # not assigned to their department
    assert find("教育", Proposal.objects.visible_to(coordinator)) == {"关于深化职业教育改革的建议"}
