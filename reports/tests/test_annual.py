"""The draft annual handling report (办理情况报告): one POST, a DOCX with the standard tables
filled in and the narrative left in 【】 placeholders."""

import io

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from reports.tests import test_statistics_world as world

# the hand-checked session's fixtures, shared with the other statistics tests
build = world.build
department_c = world.department_c
stats_world = world.stats_world

ANNUAL = reverse("reports:annual_report")
STATISTICS = reverse("reports:statistics")


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def document_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"]
    return Document(io.BytesIO(response.content))


def table_rows(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def east_asian_font(run):
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_one_click_produces_the_draft_with_its_title_and_placeholders(signed_in, stats_world):
    document = document_of(signed_in.post(ANNUAL, {"session": stats_world.session.pk}))
    texts = [p.text for p in document.paragraphs]
    title = "关于省十四届人大三次会议代表建议办理情况的报告（草稿）"
    assert texts[0] == title
    assert document.core_properties.title == title
    placeholders = [t for t in texts if t.startswith("【请填写：")]
    assert "【请填写：总体情况概述，如建议的提出、审查立案和交办情况】" in placeholders
    assert "【请填写：存在的问题】" not in placeholders and "【请填写：办理工作中存在的主要问题】" in placeholders
    assert len(placeholders) >= 6
    assert any("已答复4件次，办复率66.7%" in t for t in texts)
    # the official fonts, named for East Asian text: 小标宋 title, 黑体 headings, 仿宋 body
    paragraphs = {p.text: p for p in document.paragraphs}
    assert east_asian_font(paragraphs[title].runs[0]) == "方正小标宋简体"
    assert east_asian_font(paragraphs["一、基本情况"].runs[0]) == "黑体"
    assert east_asian_font(paragraphs["【请填写：下一步工作打算】"].runs[0]) == "仿宋_GB2312"


def test_the_report_has_the_standard_tables(signed_in, stats_world):
    document = document_of(signed_in.post(ANNUAL, {"session": stats_world.session.pk}))
    assert len(document.tables) == 6
    totals, departments, categories, results, satisfaction, key = (table_rows(t) for t in document.tables)

    assert totals[0] == ["指标", "数值", "计算方法"]
    assert totals[1][:2] == ["交办数（件次）", "6"]
    assert ["按时答复率", "50.0%"] in [row[:2] for row in totals]

    assert departments[0][:4] == ["承办单位", "交办数", "已答复", "办复率"]
    a = next(row for row in departments if row[0] == "吉林省科学技术厅")
    assert a == ["吉林省科学技术厅", "2", "1", "50.0%", "100.0%", "100.0%", "50.0%", "50.0%", "0"]

    assert [row[0] for row in categories[1:]] == ["经济建设", "社会事业", "未分类"]
    assert results[1:] == [
        ["A类", "所提问题已经解决或者基本解决", "1", "33.3%"],
        ["B类", "所提问题正在解决或者列入规划逐步解决", "1", "33.3%"],
        ["C类", "所提问题因目前条件限制或者其他原因需待以后解决", "1", "33.3%"],
        ["D类", "所提问题留作参考", "0", "0.0%"],
        ["合计", "", "3", "100.0%"],
    ]
    assert satisfaction[1:] == [
        ["总体（按反馈表）", "2", "1", "1", "50.0%", "25.0%"],
        ["办理态度", "3", "1", "0", "75.0%", "25.0%"],
        ["办理结果", "2", "1", "1", "50.0%", "25.0%"],
    ]

    # the key-supervised items with their lead departments and states
    assert key[0] == ["建议号", "标题", "领衔代表", "督办领导", "主办单位", "办理状态"]
    p1, p4 = key[1:]
    assert p1[:5] == [f"第{stats_world.p1.number}号", stats_world.p1.title, "王宇辉", "张副主任", "吉林省科学技术厅"]
    assert "省科技厅：已答复（按期）" in p1[5] and "省教育厅：已答复（逾期）" in p1[5]
    assert p4[3] == "—" and p4[4] == "吉林省科学技术厅、吉林省人力资源和社会保障厅"
    assert "省科技厅：逾期" in p4[5] and "省人社厅：未签收" in p4[5]


def test_a_session_without_assignments_still_gives_a_draft(signed_in, session):
    document = document_of(signed_in.post(ANNUAL, {"session": session.pk}))
    assert len(document.tables) == 6
    assert table_rows(document.tables[1]) == [table_rows(document.tables[1])[0]]  # the header only


def test_the_report_is_made_by_post_only(signed_in, stats_world):
    assert signed_in.get(ANNUAL, {"session": stats_world.session.pk}).status_code == 405


@pytest.mark.parametrize("value", ["abc", "999999", ""])
def test_an_unknown_session_sends_back_to_the_statistics_with_a_message(signed_in, value):
    response = signed_in.post(ANNUAL, {"session": value}, follow=True)
    assert response.redirect_chain[-1][0] == STATISTICS
    html = response.content.decode()
    assert "没有找到所选的会次，请在统计页重新选择。" in html or "还没有会次，无法生成统计。" in html
