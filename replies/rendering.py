"""One renderer, three outputs (GB/T 9704-2012, 党政机关公文格式).

`layout()` turns a ReplyContent into the document's blocks in order — the document number
and result category, the title in balanced lines, the addressee, paragraphs and headings of
every level, the signature and date, the 附注, the 抄送 colophon. The on-screen preview, the
printable HTML, the PDF (WeasyPrint) and the DOCX (python-docx) all draw these blocks, so
the three outputs cannot drift apart.

Geometry: A4, top margin 37 mm, left 28 mm, type area 156 × 225 mm, 22 lines of 28
characters of 3号 (16 pt): a line pitch of 225 mm / 22 and a character pitch of 156 mm / 28.
"""

import functools
import io
import logging
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from proposals.extraction import chinese_numeral

from .scaffold import ReplyContent, chinese_date, paragraphs

logger = logging.getLogger(__name__)
MM = 72 / 25.4  # points per millimetre
LINE_PITCH = 225 * MM / 22  # 28.99 pt
CHAR_PITCH = 156 * MM / 28  # 15.79 pt: 3号 (16 pt) set a little tighter, as Word's grid does
BODY_PT, TITLE_PT, COLOPHON_PT = 16, 22, 14  # 3号, 2号, 4号
TITLE_CHARS = math.floor(156 * MM / TITLE_PT)  # 2号 characters on a line: 20
# The glyphs of a 3号 line sit this far below the top of its line box (half the leading
# plus the font's internal top space); the page margin is reduced by it so the text
# itself starts 37 mm from the top edge.
GLYPH_OFFSET_MM = 3.5

# The official fonts, named first so a machine that has them uses them; then the free
# substitutes from Debian's packages (fonts-noto-cjk, fonts-arphic-ukai).
FONTS = {
    "title": ["方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC"],
    "body": ["仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"],
    "hei": ["黑体", "SimHei", "Noto Sans CJK SC"],
    "kai": ["楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "AR PL UKai CN", "Noto Serif CJK SC"],
}
# The first name of each list is the one a DOCX asks for (w:eastAsia).
DOCX_FONTS = {role: names[0] for role, names in FONTS.items()}


@dataclass(frozen=True)
class Block:
    """One paragraph of the document. `role` decides its font and placement:
    number, category, title, addressee, p, h1, h2, h3, h4, signature, date, note, cc."""

    role: str
    text: str
    lines: tuple = ()  # the title's balanced lines


def title_lines(title: str, per_line: int = TITLE_CHARS) -> tuple:
    """The title in as few lines as fit, of nearly equal length (GB/T 9704: 回行时要做到词意
    完整，排列对称，长短适宜). Digits count as half a character."""
    widths = [0.5 if ch.isascii() else 1.0 for ch in title]
    total = sum(widths)
    count = max(1, math.ceil(total / per_line))
    target = total / count
    lines, current, width = [], "", 0.0
    for ch, w in zip(title, widths, strict=True):
        if current and width + w > target + 0.5 and len(lines) < count - 1:
            lines.append(current)
            current, width = "", 0.0
        current += ch
        width += w
    lines.append(current)
    return tuple(lines)


def layout(content: ReplyContent, categories=()) -> list[Block]:
    """The document's blocks in order. `categories`: [[code, label], …] to derive the
    result category mark when the reply has none chosen."""
    blocks = [Block("number", content.number)]
    category = content.effective_category(list(categories))
    if category:
        blocks.append(Block("category", category))
    blocks.append(Block("title", content.title, title_lines(content.title)))
    blocks.append(Block("addressee", content.addressee))
    if content.opening:
        blocks.append(Block("p", content.opening))
    for i, section in enumerate(content.sections, 1):
        blocks.append(Block("h1", f"{chinese_numeral(i)}、{section.heading}"))
        blocks += [Block(f"h{level}" if level else "p", text) for level, text in paragraphs(section.body)]
    blocks += [Block("p", text) for text in content.closing if text.strip()]
    blocks.append(Block("signature", content.signature))
    blocks.append(Block("date", chinese_date(content.date) if content.date else ""))
    blocks += [Block("note", note) for note in content.notes()]
    if content.cc_line():
        blocks.append(Block("cc", content.cc_line()))
    return blocks


# --- what is rendered, and under which name ---------------------------------------------------

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}


def document_of(reply, *, working: bool):
    """(content, draft) to render: the signed text, or with `working` the department's
    current draft, marked 草稿 until it is signed."""
    if working and reply.status != reply.Status.SIGNED:
        return ReplyContent.from_json(reply.content), True
    if reply.signed_version_id:
        return reply.signed_content, False
    return None, False


def render(reply, fmt: str, *, working: bool):
    """The reply in `fmt` (pdf, docx, html) as bytes, or None when there is nothing to show."""
    content, draft = document_of(reply, working=working)
    if content is None:
        return None
    categories = reply.assignment.proposal.session.result_categories
    if fmt == "html":
        return html(content, categories=categories, draft=draft).encode()
    return (pdf if fmt == "pdf" else docx)(content, categories=categories, draft=draft)


def file_name(reply, fmt: str, *, draft: bool = False) -> str:
    """{会议}-第{N}号-{单位简称}.pdf, the archive's naming; an opinion and a later round say so."""
    proposal = reply.assignment.proposal
    parts = [proposal.session.name, f"第{proposal.number}号" if proposal.number else f"建议{proposal.pk}"]
    parts.append(reply.department.short_name)
    if reply.kind == reply.Kind.OPINION:
        parts.append("协办意见")
    if reply.round > 1:
        parts.append(f"第{reply.round}轮")
    if draft:
        parts.append("草稿")
    return "-".join(parts) + f".{fmt}"


# --- HTML and PDF -------------------------------------------------------------------------------


def fonts_dir() -> Path:
    return Path(settings.REPLY_FONTS_DIR)


def font_faces() -> list[dict]:
    """@font-face rules for the licensed fonts a deployer dropped into REPLY_FONTS_DIR,
    under the family names their files declare (方正小标宋简体, 仿宋_GB2312, …)."""
    folder = fonts_dir()
    if not folder.is_dir():
        return []
    return _faces_in(folder, folder.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _faces_in(folder: Path, _changed) -> list[dict]:
    """Read once per state of the folder (its modification time is part of the key)."""
    from fontTools.ttLib import TTCollection, TTFont

    faces = []
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix not in (".ttf", ".otf", ".ttc"):
            continue
        try:
            fonts = TTCollection(path).fonts if suffix == ".ttc" else [TTFont(path, lazy=True)]
        except Exception as error:  # a damaged or foreign file must not stop every PDF
            logger.warning("Skipping the font file %s: %s", path, error)
            continue
        for font in fonts:
            names = {n.toUnicode() for n in font["name"].names if n.nameID == 1}
            faces += [{"family": name, "url": path.as_uri()} for name in sorted(names)]
    return faces


@functools.lru_cache(maxsize=1)
def system_families() -> frozenset:
    """The font families fontconfig knows on this machine (read once per process)."""
    try:
        listing = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in listing.splitlines() for name in line.split(","))


def title_weight(faces) -> int:
    """方正小标宋 is heavy by design and has one weight; its free substitute needs bold."""
    official = set(FONTS["title"][:2])
    present = system_families() | {face["family"] for face in faces}
    return 400 if official & present else 700


def html(content: ReplyContent, *, categories=(), draft: bool, embed_fonts: bool = False) -> str:
    """The printable page (the PDF is made from it): the document's blocks with the print
    stylesheet. Only the PDF loads the server's font files; a browser uses its own fonts."""
    faces = font_faces()
    return render_to_string(
        "replies/print.html",
        {
            "blocks": layout(content, categories),
            "draft": draft,
            "title": content.title,
            "fonts": {role: ", ".join(f'"{name}"' for name in names) for role, names in FONTS.items()},
            "font_faces": faces if embed_fonts else [],
            "title_weight": title_weight(faces),
            "geometry": {
                "line": f"{LINE_PITCH - 0.05:.2f}pt",  # a hair under 225/22 mm so 22 lines always fit
                "spacing": f"{CHAR_PITCH - BODY_PT - 0.01:.3f}pt",
                "char": f"{CHAR_PITCH:.2f}pt",
                "top": f"{37 - GLYPH_OFFSET_MM}mm",
            },
        },
    )


def pdf(content: ReplyContent, *, categories=(), draft: bool) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    page = html(content, categories=categories, draft=draft, embed_fonts=True)
    document = HTML(string=page, base_url=str(fonts_dir())).render(font_config=font_config)
    # The fonts actually used are known once the pages are drawn; the metadata records them,
    # so a reader can tell an official-font PDF from one set in free substitutes.
    document.write_pdf()
    used = sorted({font.family for font in document.fonts.values()})
    document.metadata.keywords = ["Fonts: " + "; ".join(used)]
    return document.write_pdf()


# --- DOCX ---------------------------------------------------------------------------------------


def docx(content: ReplyContent, *, categories=(), draft: bool) -> bytes:
    from . import docx_writer

    buffer = io.BytesIO()
    docx_writer.write(layout(content, categories), buffer, title=content.title, draft=draft)
    return buffer.getvalue()
