"""The seed reply as a ReplyContent, built from the sample without the database, for the
rendering and round-trip tests."""

import datetime

from proposals.demo import SEED_SUGGESTIONS, SEED_TITLE
from replies import scaffold

from .test_scaffold import HEADING, sample_lines


def seed_content(**changes) -> scaffold.ReplyContent:
    lines = sample_lines()
    starts = [i for i, line in enumerate(lines) if HEADING.match(line)]
    thanks = next(i for i, line in enumerate(lines) if line.startswith("感谢"))
    bodies = ["\n".join(lines[s + 1 : e]) for s, e in zip(starts, [*starts[1:], thanks], strict=True)]
    content = scaffold.ReplyContent(
        title="对省十四届人大三次会议第53号代表建议的答复",
        addressee="王宇辉代表：",
        opening=scaffold.OPENING.format(session="省十四届人大三次会议", title=SEED_TITLE),
        sections=[
            scaffold.Section(heading=scaffold.HEADING.format(text=text), body=body, suggestions=[i])
            for i, (text, body) in enumerate(zip(SEED_SUGGESTIONS, bodies, strict=True), 1)
        ],
        closing=lines[thanks:-2],
        signature="吉林省科学技术厅",
        date=datetime.date(2024, 5, 14),
        number="吉科发规划〔2024〕56号",
        contact_name="赵磊",
        contact_phone="0431-88888888",
        cc="省人大常委会代表工作委员会，省政府办公厅",
        category="B",
    )
    for name, value in changes.items():
        setattr(content, name, value)
    return content
