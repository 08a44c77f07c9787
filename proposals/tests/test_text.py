import pytest

from proposals.text import normalize_space, normalize_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("关于加强冰雪旅游宣传的建议", "关于加强冰雪旅游宣传的建议"),
        ("《关于加强冰雪旅游宣传的建议》", "关于加强冰雪旅游宣传的建议"),
        ("《《关于加强冰雪旅游宣传的建议》》", "关于加强冰雪旅游宣传的建议"),
        ("  加强冰雪旅游宣传  ", "关于加强冰雪旅游宣传的建议"),
        ("关于加强冰雪旅游宣传", "关于加强冰雪旅游宣传的建议"),
        ("加强冰雪旅游宣传的建议", "关于加强冰雪旅游宣传的建议"),
        ("“关于加强冰雪旅游宣传的建议”。", "关于加强冰雪旅游宣传的建议"),
        ("关于加强\n冰雪旅游　宣传的建议", "关于加强冰雪旅游 宣传的建议"),
        ("《》", ""),
        ("   ", ""),
    ],
)
def test_titles_are_normalised_to_the_guan_yu_de_jian_yi_form_without_doubled_brackets(raw, expected):
    assert normalize_title(raw) == expected


def test_normalize_space_trims_lines_and_collapses_blank_runs():
    assert normalize_space("  第一段　\r\n\r\n\r\n\r\n  第二段 ") == "第一段\n\n第二段"
