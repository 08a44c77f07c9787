"""The structured reply (DOMAIN.md "The reply document"; the seed reply in shared/samples is
the model): title, addressee, opening, one level-1 section per suggestion numbered 一、二、…,
closing paragraphs, signature and date, the 附注 and the 抄送 line. The draft is generated
from the proposal here; the editor, its preview, the signed versions and the print outputs
all read this one structure."""

import datetime
import re
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext_lazy as _

from proposals.extraction import chinese_numeral
from proposals.models import CoSigner

DEFAULT_TITLE = "对{会议全称}第{建议号}号代表建议的答复"
TITLE_PLACEHOLDERS = ("{会议全称}", "{建议号}")
OPINION_TITLE = "关于{会议全称}第{建议号}号代表建议的协办意见"
OPENING = "您在{session}上提出的《{title}》收悉，经认真研究办理，现答复如下："
OPINION_OPENING = "现将我单位对{deputy}代表在{session}上提出的《{title}》的协办意见函告如下："
HEADING = "关于“{text}”的建议"
NEXT_STEPS = "下一步，……"
THANKS = "感谢您对……的关注与支持。"
OPINION_CLOSING = "特此函告。"
# The mark the writer must replace before signing; the quality gate looks for it.
PLACEHOLDER = "……"
MAX_SECTIONS = 99  # numerals 一 … 九十九


class Disclosure:
    PUBLIC = "public"
    SUMMARY = "summary"  # 摘要公开: the portal shows the summary instead of the text
    TITLE_ONLY = "title_only"  # 仅公开标题: the portal lists the title and nothing more
    ON_REQUEST = "on_request"
    NOT_PUBLIC = "not_public"
    CHOICES = [
        (PUBLIC, _("此件公开发布")),
        (SUMMARY, _("此件摘要公开")),
        (TITLE_ONLY, _("此件仅公开标题")),
        (ON_REQUEST, _("此件依申请公开")),
        (NOT_PUBLIC, _("此件不予公开")),
    ]
    # What the public portal may show (replies.publication).
    PUBLISHED = (PUBLIC, SUMMARY, TITLE_ONLY)
    # The note line is part of the official document and always Chinese.
    NOTE = {
        PUBLIC: "此件公开发布",
        SUMMARY: "此件摘要公开",
        TITLE_ONLY: "此件仅公开标题",
        ON_REQUEST: "此件依申请公开",
        NOT_PUBLIC: "此件不予公开",
    }


@dataclass
class Section:
    heading: str
    body: str = ""
    suggestions: list[int] = field(default_factory=list)  # Suggestion ids the section answers
    category: str = ""


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
    disclosure: str = Disclosure.PUBLIC
    contact_name: str = ""
    contact_phone: str = ""
    cc: str = ""
    category: str = ""  # chosen for the whole reply; empty = derived from the sections
    summary: str = ""  # what the public portal shows of a reply published as a summary (摘要公开)

    def numbered_headings(self):
        return [f"{chinese_numeral(i)}、{s.heading}" for i, s in enumerate(self.sections, 1)]

    def text(self) -> str:
        """The reply as plain text, title to signature (what search indexes and matches)."""
        parts = [self.title, self.addressee, self.opening]
        for heading, section in zip(self.numbered_headings(), self.sections, strict=True):
            parts += [heading, section.body]
        return "\n".join(p for p in [*parts, *self.closing, self.signature] if p)

    def to_json(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> "ReplyContent":
        data = dict(data)
        data["sections"] = [Section(**s) for s in data.get("sections", [])]
        data["date"] = datetime.date.fromisoformat(data["date"]) if data.get("date") else None
        return cls(**data)

    def effective_category(self, categories) -> str:
        """The chosen category, or else the least resolved of the sections' categories (the
        order of `categories` runs from most to least resolved)."""
        if self.category:
            return self.category
        order = [code for code, _label in categories]
        chosen = [s.category for s in self.sections if s.category in order]
        return max(chosen, key=order.index) if chosen else ""

    def notes(self) -> list[str]:
        """The 附注 lines: disclosure, then contact person and phone."""
        lines = []
        if self.disclosure in Disclosure.NOTE:
            lines.append(f"（{Disclosure.NOTE[self.disclosure]}）")
        contact = "，".join(
            part
            for part in (
                f"联系人：{self.contact_name}" if self.contact_name else "",
                f"联系电话：{self.contact_phone}" if self.contact_phone else "",
            )
            if part
        )
        if contact:
            lines.append(f"（{contact}）")
        return lines

    def cc_line(self) -> str:
        cc = self.cc.strip().rstrip("。")
        return f"抄送：{cc}。" if cc else ""


# --- the body's lower heading levels ----------------------------------------------------------

# Level 2 （一）, level 3 1. or 1．, level 4 （1）; anything else is a paragraph (level 0).
LEVELS = [
    (2, re.compile(r"^[（(][一二三四五六七八九十百]+[)）]")),
    (4, re.compile(r"^[（(]\d+[)）]")),
    (3, re.compile(r"^\d+[.．]")),
]


def paragraphs(body: str) -> list[tuple[int, str]]:
    """The body's non-empty lines, each with its heading level (0 for a plain paragraph)."""
    blocks = []
    for line in body.splitlines():
        text = line.strip().strip("\u3000")
        if not text:
            continue
        level = next((lvl for lvl, pattern in LEVELS if pattern.match(text)), 0)
        blocks.append((level, text))
    return blocks


# --- generating the draft ---------------------------------------------------------------------


def chinese_date(d: datetime.date) -> str:
    """2024年5月14日: Arabic numerals, no leading zeros (GB/T 9704-2012)."""
    return f"{d.year}年{d.month}月{d.day}日"


def addressee(proposal) -> str:
    """王宇辉代表： or 王远健等7位代表： counting the lead and every confirmed co-signer."""
    confirmed = sum(1 for c in proposal.cosigners.all() if c.status == CoSigner.Status.CONFIRMED)
    name = proposal.lead_deputy.name
    return f"{name}代表：" if not confirmed else f"{name}等{confirmed + 1}位代表："


def fill_title(template: str, proposal) -> str:
    number = str(proposal.number) if proposal.number else PLACEHOLDER
    return template.replace("{会议全称}", proposal.session.name).replace("{建议号}", number)


def heading_for(suggestion_texts) -> str:
    texts = [t.strip() for t in suggestion_texts if t.strip()]
    if not texts:
        return HEADING.format(text=PLACEHOLDER)
    return "关于" + "".join(f"“{t}”" for t in texts) + "的建议"


def default_cc(session, department) -> str:
    offices = [session.cc_congress_office]
    if department.is_government:
        offices.append(session.cc_government_office)
    return "，".join(o for o in offices if o)


def build(proposal, department, *, title_template=DEFAULT_TITLE, contact_name="", contact_phone="") -> ReplyContent:
    session = proposal.session.name
    return ReplyContent(
        title=fill_title(title_template, proposal),
        addressee=addressee(proposal),
        opening=OPENING.format(session=session, title=proposal.title),
        sections=[Section(heading=HEADING.format(text=s.text), suggestions=[s.pk]) for s in proposal.suggestions.all()],
        closing=[NEXT_STEPS, THANKS],
        signature=department.name,
        disclosure=Disclosure.PUBLIC if proposal.agrees_to_publish else Disclosure.ON_REQUEST,
        contact_name=contact_name,
        contact_phone=contact_phone,
        cc=default_cc(proposal.session, department),
    )


def build_opinion(proposal, department, lead_department, *, contact_name="", contact_phone="") -> ReplyContent:
    """A co-handler's opinion to the lead department, section by section like the reply."""
    content = build(proposal, department, contact_name=contact_name, contact_phone=contact_phone)
    content.title = fill_title(OPINION_TITLE, proposal)
    content.addressee = f"{lead_department.name}：" if lead_department else ""
    content.opening = OPINION_OPENING.format(
        deputy=proposal.lead_deputy.name, session=proposal.session.name, title=proposal.title
    )
    content.closing = [OPINION_CLOSING]
    content.disclosure = Disclosure.NOT_PUBLIC
    content.cc = ""
    return content


def render_text(content: ReplyContent) -> str:
    """Plain text in document order, a paragraph a line: the versions' diff and search read it."""
    lines = [content.number] if content.number else []
    if content.category:
        lines.append(content.category)  # the mark at the top right of the first page
    lines += [content.title, content.addressee, content.opening]
    for heading, section in zip(content.numbered_headings(), content.sections, strict=True):
        lines.append(heading)
        lines += [text for _level, text in paragraphs(section.body)]
    lines += [p for p in content.closing if p.strip()]
    lines.append(content.signature)
    if content.date:
        lines.append(chinese_date(content.date))
    lines += content.notes()
    if content.cc_line():
        lines.append(content.cc_line())
    return "\n".join(line for line in lines if line)


# --- the section editor's operations (numbering follows from the order) ---------------------


def add_section(content: ReplyContent, at: int) -> None:
    content.sections.insert(at, Section(heading=HEADING.format(text=PLACEHOLDER)))


def remove_section(content: ReplyContent, index: int) -> None:
    del content.sections[index]


def move_section(content: ReplyContent, index: int, delta: int) -> None:
    target = index + delta
    if 0 <= target < len(content.sections):
        content.sections[index], content.sections[target] = content.sections[target], content.sections[index]


def merge_sections(content: ReplyContent, index: int, texts: dict) -> None:
    """One section answering both sections' suggestions; the bodies follow each other."""
    first, second = content.sections[index], content.sections.pop(index + 1)
    first.suggestions = first.suggestions + [pk for pk in second.suggestions if pk not in first.suggestions]
    first.heading = heading_for([texts.get(pk, "") for pk in first.suggestions])
    first.body = "\n".join(b for b in (first.body, second.body) if b)
    first.category = first.category or second.category


def split_section(content: ReplyContent, index: int, texts: dict) -> None:
    """A section answering several suggestions becomes one per suggestion; the body stays
    with the first, to be divided by the writer."""
    section = content.sections[index]
    parts = [
        Section(heading=heading_for([texts.get(pk, "")]), suggestions=[pk], category=section.category)
        for pk in section.suggestions
    ]
    parts[0].body = section.body
    content.sections[index : index + 1] = parts
