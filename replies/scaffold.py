"""The reply draft generated from a proposal (DOMAIN.md "The reply document"; the seed reply
in shared/samples is the model): title, addressee, opening, one level-1 section per
suggestion numbered 一、二、…, closing paragraphs, signature and date. Every output (the
editor's preview, DOCX, PDF) renders this one structure."""

import datetime
from dataclasses import dataclass, field

from proposals.extraction import chinese_numeral
from proposals.models import CoSigner

DEFAULT_TITLE = "对{session}第{number}号代表建议的答复"
OPENING = "您在{session}上提出的《{title}》收悉，经认真研究办理，现答复如下："
HEADING = "关于“{text}”的建议"
NEXT_STEPS = "下一步，……"
THANKS = "感谢您对……的关注与支持。"
# Marks the writer must replace before signing; the quality gate looks for them.
PLACEHOLDER = "……"


@dataclass
class Section:
    heading: str
    body: str = ""
    suggestion_positions: list[int] = field(default_factory=list)


@dataclass
class ReplyContent:
    title: str
    addressee: str
    opening: str
    sections: list[Section]
    closing: list[str]
    signature: str
    date: datetime.date | None = None
    number: str = ""

    def numbered_headings(self):
        return [f"{chinese_numeral(i)}、{s.heading}" for i, s in enumerate(self.sections, 1)]


def chinese_date(d: datetime.date) -> str:
    """2024年5月14日: Arabic numerals, no leading zeros (GB/T 9704-2012)."""
    return f"{d.year}年{d.month}月{d.day}日"


def addressee(proposal) -> str:
    """王宇辉代表： or 王远健等7位代表： counting the lead and every confirmed co-signer."""
    confirmed = sum(1 for c in proposal.cosigners.all() if c.status == CoSigner.Status.CONFIRMED)
    name = proposal.lead_deputy.name
    return f"{name}代表：" if not confirmed else f"{name}等{confirmed + 1}位代表："


def build(proposal, department, *, title_template=DEFAULT_TITLE) -> ReplyContent:
    session = proposal.session.name
    return ReplyContent(
        title=title_template.format(session=session, number=proposal.number or PLACEHOLDER),
        addressee=addressee(proposal),
        opening=OPENING.format(session=session, title=proposal.title),
        sections=[
            Section(heading=HEADING.format(text=s.text), suggestion_positions=[s.position])
            for s in proposal.suggestions.all()
        ],
        closing=[NEXT_STEPS, THANKS],
        signature=department.name,
    )


def render_text(content: ReplyContent) -> str:
    """Plain text in document order; paragraphs on their own lines."""
    lines = [content.title]
    if content.number:
        lines.append(content.number)
    lines += [content.addressee, content.opening]
    for heading, section in zip(content.numbered_headings(), content.sections, strict=True):
        lines.append(heading)
        lines += [p for p in section.body.splitlines() if p.strip()]
    lines += [p for p in content.closing if p.strip()]
    lines.append(content.signature)
    if content.date:
        lines.append(chinese_date(content.date))
    return "\n".join(lines)
