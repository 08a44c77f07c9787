"""Parsing the rendered DOCX (and text) of a signed reply gives back the same structure."""

import pytest

from replies import parsing, rendering, scaffold

from .documents import seed_content


def app_shaped_seed():
    """The seed as the app writes it: the 下一步 paragraph among the closing paragraphs."""
    content = seed_content()
    *body, next_steps = content.sections[-1].body.split("\n")
    content.sections[-1].body = "\n".join(body)
    content.closing = [next_steps, *content.closing]
    content.sections[0].body += "\n（一）平台建设\n1.具体措施"
    return content


def expected(content):
    return {
        "title": content.title,
        "doc_number": content.number,
        "category": content.category,
        "salutation": content.addressee.rstrip("："),
        "deputies": ["王宇辉"],
        "session": "省十四届人大三次会议",
        "proposal_number": 53,
        "opening": content.opening,
        "sections": [{"number": i, "heading": s.heading, "body": s.body} for i, s in enumerate(content.sections, 1)],
        "closing": "\n".join(content.closing),
        "signature": content.signature,
        "date": content.date.isoformat(),
        "cc": ["省人大常委会代表工作委员会", "省政府办公厅"],
        "contact": {"name": "赵磊", "phone": "0431-88888888"},
        "disclosure": "此件公开发布",
    }


@pytest.mark.parametrize("fmt", ["docx", "txt"])
def test_a_rendered_reply_parses_back_to_the_same_structure(fmt):
    content = app_shaped_seed()
    if fmt == "docx":
        parsed = parsing.parse_file(rendering.docx(content, draft=False), "reply.docx")
    else:
        parsed = parsing.parse_file(scaffold.render_text(content).encode(), "reply.txt")
    for key, value in expected(content).items():
        assert parsed[key] == value, key
    assert parsed["warnings"] == []
