from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proposals.extraction import _find_list, chinese_numeral, extract_suggestions, parse_chinese_numeral

SEED_BODY = (
    "吉林省高校和科研院所集中，科教资源丰富，但科技成果在省内落地转化不足，"
    "科教资源优势尚未充分转化为经济发展优势和产业竞争优势。为此建议：\n"
    "一、瞄准项目，确定科教资源优势的经济优势转化重点。\n"
    "二、注重创新引领，构建科教优势向现实生产力优势转化的体制基础。\n"
    "三、聚焦人才，厚植科教优势向生产力优势转化的中坚力量。\n"
    "四、突出创新引领，构建彰显吉林省特色优势的现代化产业体系。\n"
    "五、突出企业创新主体作用，构建创新联合体。"
)


def non_whitespace(text):
    return "".join(text.split())


# --- examples -------------------------------------------------------------------------------


def test_it_extracts_five_suggestions_from_the_seed_proposal():
    assert extract_suggestions(SEED_BODY) == [
        "瞄准项目，确定科教资源优势的经济优势转化重点。",
        "注重创新引领，构建科教优势向现实生产力优势转化的体制基础。",
        "聚焦人才，厚植科教优势向生产力优势转化的中坚力量。",
        "突出创新引领，构建彰显吉林省特色优势的现代化产业体系。",
        "突出企业创新主体作用，构建创新联合体。",
    ]


def test_it_takes_the_sub_items_of_the_suggestions_section_not_the_longer_list_of_problems():
    text = """一、存在的问题
（一）高层次人才流失严重，近三年流失率超过百分之十。
（二）科研经费投入不足。
（三）成果转化平台分散。
（四）中试基地建设滞后。
二、对策建议
（一）完善人才引进和留用政策，落实安家补贴。
（二）加大财政科技投入，设立成果转化引导基金。
（三）整合转化平台，建设区域性技术转移中心。"""
    assert extract_suggestions(text) == [
        "完善人才引进和留用政策，落实安家补贴。",
        "加大财政科技投入，设立成果转化引导基金。",
        "整合转化平台，建设区域性技术转移中心。",
    ]


def test_it_extracts_an_arabic_list_with_dots_after_a_suggestion_phrase():
    text = (
        "近年来我省冰雪旅游发展迅速，但配套服务仍有短板。为此，建议：\n"
        "1. 加快冰雪旅游交通基础设施建设。\n"
        "2. 提升景区服务质量和标准化水平。\n"
        "3. 加强冰雪旅游专业人才培养。\n"
    )
    assert extract_suggestions(text) == [
        "加快冰雪旅游交通基础设施建设。",
        "提升景区服务质量和标准化水平。",
        "加强冰雪旅游专业人才培养。",
    ]


def test_it_extracts_an_arabic_list_with_enumeration_commas():
    text = "建议如下：\n1、建立农村养老服务网络。\n2、完善高龄津贴制度。"
    assert extract_suggestions(text) == ["建立农村养老服务网络。", "完善高龄津贴制度。"]


def test_it_extracts_a_list_numbered_with_parenthesised_arabic_numbers():
    text = "几点建议：\n（1）推行河长制考核。\n(2) 加大污水处理投入。\n（3）建立生态补偿机制。"
    assert extract_suggestions(text) == ["推行河长制考核。", "加大污水处理投入。", "建立生态补偿机制。"]


def test_it_splits_an_inline_yi_shi_er_shi_paragraph_into_its_parts_keeping_their_separators():
    text = (
        "当前中小企业融资难问题依然突出。为此建议：一是设立中小企业转贷基金；二是扩大信用贷款规模；三是优化担保体系。"
    )
    assert extract_suggestions(text) == ["设立中小企业转贷基金；", "扩大信用贷款规模；", "优化担保体系。"]


def test_it_splits_di_yi_di_er_di_san_phrases():
    text = "关于完善基层医疗的建议。第一，提高乡村医生待遇。第二，改善卫生院设备条件。第三，推进远程医疗。"
    assert extract_suggestions(text) == ["提高乡村医生待遇。", "改善卫生院设备条件。", "推进远程医疗。"]


def test_years_amounts_and_decimals_do_not_start_items():
    text = (
        "2023年全省投入科研经费3.5亿元，比上年增长2.1%。\n"
        "2023.\n"
        "为此建议：\n"
        "1.设立专项资金，到2025年规模达到5.2亿元。\n"
        "2.建立第3.5代评价体系试点。\n"
        "3.每年评估一次。"
    )
    assert extract_suggestions(text) == [
        "设立专项资金，到2025年规模达到5.2亿元。",
        "建立第3.5代评价体系试点。",
        "每年评估一次。",
    ]


def test_a_skipped_number_does_not_start_an_item_and_its_text_stays_in_the_previous_item():
    # Decision: only consecutive numbers make a list, so a numbering slip merges two suggestions
    # rather than losing one or starting a list at an unrelated "4".
    text = "建议：\n1.加强宣传。\n2.完善制度。\n4.强化监督。"
    assert extract_suggestions(text) == ["加强宣传。", "完善制度。\n4.强化监督。"]


def test_full_width_digits_and_dots_are_markers_too():
    text = "建议：\n１．加强校园安全管理。\n２．配齐心理健康教师。"
    assert extract_suggestions(text) == ["加强校园安全管理。", "配齐心理健康教师。"]


def test_a_body_without_numbering_is_one_suggestion():
    text = "\n  建议省教育厅加大对农村学校的投入，改善办学条件。\n"
    assert extract_suggestions(text) == ["建议省教育厅加大对农村学校的投入，改善办学条件。"]


@pytest.mark.parametrize("text", ["", "   ", "\n\u3000\t\r\n"])
def test_empty_or_blank_text_has_no_suggestions(text):
    assert extract_suggestions(text) == []


def test_a_single_numbered_item_is_not_a_list():
    text = "为此建议：\n一、加快建设长春现代化都市圈。"
    assert extract_suggestions(text) == [text]


def test_markers_without_text_after_them_number_nothing():
    assert extract_suggestions("一、\n二、\n三、") == ["一、\n二、\n三、"]
    assert extract_suggestions("1. 2. 3.") == ["1. 2. 3."]


def test_numerals_inside_words_are_not_markers():
    text = "要统一、规范审批流程，唯一是要落实；全国第一，二是不可能的。"
    assert extract_suggestions(text) == [text]


def test_sub_points_and_later_lines_stay_with_their_item():
    text = (
        "为此建议：\n1.加强人才培养：\n（1）扩大招生；\n（2）增加实训基地。\n2.完善激励政策。\n\n以上建议，请予研究。"
    )
    assert extract_suggestions(text) == [
        "加强人才培养：\n（1）扩大招生；\n（2）增加实训基地。",
        "完善激励政策。\n\n以上建议，请予研究。",
    ]


def test_the_outer_list_after_the_heading_wins_over_inline_lists_inside_its_items():
    text = "建议：\n（一）加强统筹。一是建立联席会议；二是明确分工；三是定期通报。\n（二）强化保障。"
    assert extract_suggestions(text) == ["加强统筹。一是建立联席会议；二是明确分工；三是定期通报。", "强化保障。"]


def test_without_a_heading_the_list_with_most_line_start_markers_wins():
    text = "一、基本情况\n（一）甲。\n（二）乙。\n二、存在问题\n（一）丙。\n（二）丁。\n（三）戊。"
    assert extract_suggestions(text) == ["丙。", "丁。", "戊。"]


def test_a_list_at_line_starts_beats_a_longer_inline_list():
    text = "1.发展特色产业，一是种植业；二是养殖业；三是加工业；四是旅游业。\n2.完善基础设施。"
    assert extract_suggestions(text) == [
        "发展特色产业，一是种植业；二是养殖业；三是加工业；四是旅游业。",
        "完善基础设施。",
    ]


def test_windows_line_endings_and_full_width_indentation_are_handled():
    text = "为此建议：\r\n\u3000\u3000一、加强监管。\r\n\u3000\u3000二、完善标准。\r\n"
    assert extract_suggestions(text) == ["加强监管。", "完善标准。"]


def test_lists_longer_than_ten_use_compound_chinese_numerals():
    items = [f"第{n}项措施。" for n in range(1, 13)]
    text = "建议如下：\n" + "\n".join(f"{chinese_numeral(n)}、{item}" for n, item in enumerate(items, 1))
    assert extract_suggestions(text) == items


# --- Chinese numerals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "numeral"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九")]
)
def test_chinese_numeral_writes_numbers_as_documents_do(n, numeral):
    assert chinese_numeral(n) == numeral
    assert parse_chinese_numeral(numeral) == n


def test_chinese_numeral_round_trips_for_every_number_from_one_to_ninety_nine():
    assert [parse_chinese_numeral(chinese_numeral(n)) for n in range(1, 100)] == list(range(1, 100))


@pytest.mark.parametrize("n", [0, -1, 100])
def test_chinese_numeral_refuses_numbers_outside_one_to_ninety_nine(n):
    with pytest.raises(ValueError):
        chinese_numeral(n)


@pytest.mark.parametrize("s", ["", "零", "一十", "十十", "一一", "二十零", "百", "1", " 三", "三、"])
def test_parse_chinese_numeral_returns_none_for_anything_else(s):
    assert parse_chinese_numeral(s) is None


# --- properties -----------------------------------------------------------------------------

# No numerals and no digits, so generated items can never contain a marker of their own.
ITEM_CHARS = (
    "加强完善推进建立健全机制体系人才科技创新企业政策资金项目服务平台建议如下为此是第abcXYZ ，。；：、（）()\u3000\n"
)
items_strategy = st.lists(
    st.text(alphabet=ITEM_CHARS, min_size=1, max_size=30).map(str.strip).filter(bool), min_size=2, max_size=12
)

LINE_MARKERS = [
    lambda n: f"{chinese_numeral(n)}、",
    lambda n: f"{chinese_numeral(n)}．",
    lambda n: f"{chinese_numeral(n)}.",
    lambda n: f"（{chinese_numeral(n)}）",
    lambda n: f"({chinese_numeral(n)})",
    lambda n: f"{n}.",
    lambda n: f"{n}．",
    lambda n: f"{n}、",
    lambda n: f"{n})",
    lambda n: f"{n}）",
    lambda n: f"（{n}）",
    lambda n: f"({n})",
    lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "．",
]
INLINE_MARKERS = [lambda n: f"{chinese_numeral(n)}是", lambda n: f"第{chinese_numeral(n)}，"]


@st.composite
def numbered_lists(draw):
    items = draw(items_strategy)
    preamble = draw(st.text(alphabet=ITEM_CHARS, max_size=40)) + draw(st.sampled_from(["", "为此建议：", "建议如下："]))
    after_marker = draw(st.sampled_from(["", " ", "\u3000"]))
    if draw(st.booleans()):
        marker = draw(st.sampled_from(LINE_MARKERS))
        indent = draw(st.sampled_from(["", "  ", "\u3000\u3000", "\t"]))
        newline = draw(st.sampled_from(["\n", "\r\n", "\n\n"]))
        body = newline.join(f"{indent}{marker(n)}{after_marker}{item}" for n, item in enumerate(items, 1))
        return preamble + newline + body, items
    # Inline markers follow punctuation in real text, so each generated item ends with some.
    marker = draw(st.sampled_from(INLINE_MARKERS))
    items = [item + draw(st.sampled_from("；。，")) for item in items]
    body = "".join(f"{marker(n)}{after_marker}{item}" for n, item in enumerate(items, 1))
    return preamble + draw(st.sampled_from("：。；")) + body, items


FRAGMENTS = [
    "一、",
    "二、",
    "三、",
    "十一、",
    "（一）",
    "（二）",
    "(三)",
    "1.",
    "2.",
    "3.",
    "１．",
    "２．",
    "1、",
    "2、",
    "（1）",
    "(2)",
    "1)",
    "2）",
    "一是",
    "二是",
    "三是",
    "第一，",
    "第二，",
    "建议：",
    "为此建议",
    "二、对策建议",
    "\n",
    "\r\n",
    " ",
    "\u3000",
    "2023.",
    "3.5亿",
    "。",
    "；",
    "加强",
    "完善",
]
# Random text rarely contains a marker, so mix in markers, headings and look-alikes.
marker_rich_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=30).map("".join)


@given(st.text())
def test_it_never_raises_on_arbitrary_text(text):
    extract_suggestions(text)


@given(numbered_lists())
def test_it_returns_exactly_the_items_of_a_generated_numbered_list(case):
    text, items = case
    assert extract_suggestions(text) == items


@given(st.one_of(st.text(), marker_rich_text))
def test_it_loses_no_text_and_invents_none(text):
    result = extract_suggestions(text)
    assert Counter(non_whitespace("".join(result))) <= Counter(non_whitespace(text))
    assert all(item and item == item.strip() for item in result)
    if len(result) < 2:
        assert result == ([text.strip()] if text.strip() else [])


@given(marker_rich_text)
def test_only_the_markers_are_dropped_from_the_region_the_items_come_from(text):
    markers = _find_list(text)
    if markers is None or not text.strip():
        return
    chars = list(text)
    for marker in markers:
        chars[marker.start : marker.end] = [""] * (marker.end - marker.start)
    region_without_markers = "".join(chars[markers[0].start :])
    assert non_whitespace("".join(extract_suggestions(text))) == non_whitespace(region_without_markers)
    assert all(a.end <= b.start for a, b in pairwise(markers))
    assert all(len(text[m.start : m.end]) <= 5 for m in markers)
