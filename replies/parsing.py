"""Reading existing replies back into the structure the app writes (scaffold.ReplyContent):
historical replies imported as .txt or .docx, web copies with their page furniture, and the
app's own rendered text, which comes back field for field.

DOMAIN.md "Real replies vary" lists what web copies do. Whatever is not recognised stays
null and is named in `warnings`, never guessed, and no paragraph after the addressee is
dropped: each ends up in the opening, a section, the closing or one of the end fields.

Where a paragraph goes:
- everything between the addressee and the first 一、 heading is the opening (without
  headings, every paragraph before the closing, since there is nowhere else to put it);
- a heading numbers the next section only when it follows on (一、 then 二、 …), so a stray
  二、 inside a body stays body text;
- the closing starts at the first paragraph after the last heading that begins 下一步, 感谢,
  此致 …: the app writes 下一步 as the first closing paragraph (scaffold.NEXT_STEPS), and a
  plain-text reply cannot tell it apart from the last section's body any other way.
"""

import codecs
import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from django.utils.translation import gettext as _

from accounts.errors import DomainError
from proposals.extraction import parse_chinese_numeral

from .scaffold import Disclosure

MAX_BYTES = 50 * 1024 * 1024
# A DOCX is a zip: a small file may unpack to gigabytes (a "zip bomb").
MAX_UNPACKED_BYTES = 4 * MAX_BYTES
EXTENSIONS = (".txt", ".docx")
# Word saves a password-protected .docx as an OLE compound file, not as a zip.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"

KEYS = (
    "title",
    "session",
    "proposal_number",
    "proposal_kind",
    "proposal_title",
    "doc_number",
    "category",
    "salutation",
    "deputies",
    "opening",
    "sections",
    "closing",
    "signature",
    "date",
    "cc",
    "contact",
    "disclosure",
    "warnings",
)


class ParseError(DomainError):
    pass


# --- reading files -----------------------------------------------------------------------------


def parse_file(data: bytes, name: str) -> dict:
    """A reply read from an uploaded file; the extension of `name` says how to read it."""
    extension = _check_extension(name)
    if not data:
        raise ParseError(_("文件是空的。"))
    if len(data) > MAX_BYTES:
        raise _too_large()
    text = _read_docx(data) if extension == ".docx" else _decode(data)
    if not text.strip():
        raise ParseError(_("文件里没有文字。"))
    return parse_text(text)


def parse_path(path) -> dict:
    """parse_file for a file on disk, refused by its size before it is read."""
    path = Path(path)
    _check_extension(path.name)
    if path.stat().st_size > MAX_BYTES:
        raise _too_large()
    return parse_file(path.read_bytes(), path.name)


def _check_extension(name: str) -> str:
    extension = Path(name).suffix.lower()
    if extension not in EXTENSIONS:
        raise ParseError(
            _("不支持“%(ext)s”文件，请上传 .txt 或 .docx 文件（.doc、.pdf 请先在 Word 中另存为 .docx）。")
            % {"ext": extension or name}
        )
    return extension


def _too_large() -> ParseError:
    return ParseError(_("文件超过 %(mb)s MB，无法读取。") % {"mb": MAX_BYTES // (1024 * 1024)})


def _decode(data: bytes) -> str:
    undecodable = ParseError(_("无法读取文件：它不是文本文件，或编码不是 UTF-8、GBK/GB18030。"))
    # Notepad's "Unicode" is UTF-16 with a byte order mark, and full of NUL bytes.
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise undecodable from None
    if b"\x00" in data:
        raise undecodable
    # Older Windows PCs in China save GBK; GB18030 reads GBK and more.
    for codec in ("utf-8", "gb18030"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
        if controls * 100 > len(text):
            raise undecodable
        return text
    raise undecodable


def _read_docx(data: bytes) -> str:
    import docx  # only uploads need it; parse_text stays light
    from docx.table import Table

    if data.startswith(OLE_SIGNATURE):
        raise ParseError(_("文件已加密，无法读取。请先在 Word 中取消密码，保存后再上传。"))
    corrupt = ParseError(_("文件已损坏，或不是有效的 Word（.docx）文件。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise corrupt from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise corrupt

    def lines(container):
        for block in container.iter_inner_content():
            if isinstance(block, Table):
                seen = set()
                for row in block.rows:
                    for cell in row.cells:
                        # A merged cell is listed once for each grid cell it spans.
                        if cell._tc not in seen:
                            seen.add(cell._tc)
                            yield from lines(cell)
            else:
                yield block.text

    try:
        return "\n".join(lines(docx.Document(io.BytesIO(data))))
    except Exception:  # zipfile, lxml and python-docx each raise their own types on a damaged file
        raise corrupt from None


# --- recognising lines -------------------------------------------------------------------------

_CJK = "\u4e00-\u9fff"
DOC_NUMBER = re.compile(
    rf"^(?P<code>[{_CJK}]{{1,20}})\s*[〔\[【(（［]\s*(?P<year>(?:19|20)\d\d)\s*[〕\]】)）］]"
    r"\s*(?P<serial>第?\s*\d+)\s*号(?P<rest>.*)$"
)
CATEGORY = re.compile(r"^(?P<label>(?:办复|答复|办理)?类别\s*[：:]\s*)?(?P<letter>[A-DＡ-Ｄ])\s*类?$")
TITLE_END = re.compile(r"(答复|答复意见|答复函|复函|协办意见|办理意见)$")
TITLE_START = re.compile(r"^(关于|对|\d{4}年)")
HEADING = re.compile(r"^(?P<num>[一二三四五六七八九十]{1,3})[、.．]\s*(?P<text>.*)$")
SALUTATION = re.compile(
    rf"^(?P<who>(?:尊敬的)?(?P<names>[{_CJK}·•、，,]{{1,60}}?)"
    r"(?:等\s*(?:\d+|[一二三四五六七八九十]+)?\s*[位名]?)?(?:人大|政协)?(?:代表|委员)们?(?:同志)?)"
    r"\s*(?:[：:]\s*(?P<rest>.*))?$"
)
# Labels of the furniture tables (领衔代表:) look like addressees; 各位代表 names nobody.
LABELS = ("领衔", "联名", "附议", "提出", "承办", "主办")
NOBODY = "各位"
DEPUTY_LABEL = re.compile(r"^(?:领衔代表|领衔人|代表姓名|提出人)\s*[：:]\s*(?P<value>.*)$")
NAME = re.compile(rf"^[{_CJK}·•]{{2,6}}$")
SESSION = re.compile(rf"^(?:关于)?对?(?:\d{{4}}年)?(?P<session>[{_CJK}\d]{{2,40}}?会议)")
SESSION_IN_OPENING = re.compile(r"在(?P<session>[^，,。《》“”]{2,40}?会议)(?:期间|上)")
NUMBER = re.compile(r"第\s*(\d+)\s*号|[（(]\s*(\d+)\s*号\s*[）)]")
PROPOSAL_TITLE = re.compile(r"《([^《》]+)》|“(关于[^“”]+?(?:建议|提案|议案))”")

CC = re.compile(r"^抄\s*送\s*[：:]\s*(?P<value>.*)$")
CONTACT = re.compile(
    r"^(?P<label>联系单位及联系人|联系人及电话|联系人|联系电话|联系方式|电话)"
    r"\s*[：:]\s*(?P<value>.*)$"
)
SIGNOFF = re.compile(
    r"^(?P<label>领导签字|领导签发|签发人|单位负责人|负责人|经办人|承办人|承办单位|主办单位|答复单位|办理单位)"
    r"\s*[：:]\s*(?P<value>.*)$"
)
ORGANISATION_LABELS = ("承办单位", "主办单位", "答复单位", "办理单位")
PAGE_NUMBER = re.compile(r"^[-—–－]\s*\d+\s*[-—–－]$")
URL = re.compile(r"^(?:https?://|www\.)\S*$", re.IGNORECASE)
CLOSING_START = re.compile(
    r"^(下一步|感谢|衷心感谢|再次感谢|非常感谢|谢谢"
    r"|特此|此致|专此|敬礼|以上答复|以上意见|如有意见)"
)
NOT_IN_SIGNATURE = set("。，,；;！!？?：:“”《》")

ARABIC_DATE = re.compile(r"^(\d{4})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[-./](\d{1,2})[-./](\d{1,2}))$")
_NUMERAL = "([一二三四五六七八九十]{1,3})"
CHINESE_DATE = re.compile(rf"^([〇○零O0一二三四五六七八九]{{4}})\s*年\s*{_NUMERAL}\s*月\s*{_NUMERAL}\s*日$")
DATE_LIKE = re.compile(r"^[\d〇○零O一二三四五六七八九十年月日\s./-]{1,20}日$")
YEAR_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | dict.fromkeys("〇○O0", "0")


def _squeeze(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _date(line: str):
    """(date or None) for a line that is a date, even a garbled one; False for any other line."""
    text = unicodedata.normalize("NFKC", line)
    try:
        if m := ARABIC_DATE.match(text):
            year, month, day = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
            return datetime.date(year, month, day)
        if m := CHINESE_DATE.match(_squeeze(text)):
            year = int("".join(YEAR_DIGITS[c] for c in m[1]))
            return datetime.date(year, parse_chinese_numeral(m[2]) or 0, parse_chinese_numeral(m[3]) or 0)
    except ValueError:  # 2月30日
        return None
    return None if DATE_LIKE.match(text) else False


def _category(letter: str) -> str:
    return unicodedata.normalize("NFKC", letter)


# --- the parts of the document -----------------------------------------------------------------


@dataclass
class _Header:
    titles: list = field(default_factory=list)
    doc_number: str | None = None
    category: str | None = None
    deputies: list = field(default_factory=list)
    end: int = 0  # the line after the last one recognised


def _read_header(lines: list[str], stop: int) -> _Header:
    head = _Header()
    for i, line in enumerate(lines[:stop]):
        text = _squeeze(line)
        if m := DOC_NUMBER.match(line):
            head.doc_number = f"{m['code']}〔{m['year']}〕{_squeeze(m['serial'])}号"
            if c := CATEGORY.match(m["rest"].strip()):
                head.category = _category(c["letter"])
        elif m := CATEGORY.match(line):
            head.category = _category(m["letter"])
        elif m := DEPUTY_LABEL.match(line):
            value = m["value"].strip()
            if not value.endswith((":", "：")):
                head.deputies += [n for n in re.split(r"[、，,\s]+", value) if NAME.match(n)]
        elif TITLE_END.search(text) and len(text) <= 80:
            if not TITLE_START.match(text):
                # A title broken over two lines: 对…会议代表建议 / 第2063号的答复.
                previous = next((line for line in reversed(lines[:i]) if line), "")
                if _continues_into_title(previous):
                    text = _squeeze(previous) + text
            head.titles.append(text)
        else:
            continue
        head.end = i + 1
    return head


def _continues_into_title(line: str) -> bool:
    text = _squeeze(line)
    return (
        0 < len(text) <= 60
        and not text.endswith(tuple("。：:！!；;，,"))
        and not (URL.match(text) or DOC_NUMBER.match(line) or CATEGORY.match(line))
        and bool(re.search(r"关于|^对|会议|建议|提案", text))
    )


@dataclass
class _Salutation:
    index: int
    text: str
    names: list
    rest: str = ""


def _find_salutation(lines: list[str], stop: int) -> _Salutation | None:
    for i, line in enumerate(lines[:stop]):
        m = SALUTATION.match(line)
        if m and not m["names"].startswith(LABELS):
            names = [n for n in re.split(r"[、，,]", m["names"]) if n and n != NOBODY]
            return _Salutation(i, m["who"], names, (m["rest"] or "").strip())
    return None


def _weak_salutation(lines: list[str], start: int) -> _Salutation | None:
    """A short line ending with a colon right after the title: a department, 各位领导…"""
    i = next((j for j in range(start, len(lines)) if lines[j]), None)
    if i is None or not lines[i].endswith((":", "：")):
        return None
    text = lines[i].rstrip(":：").strip()
    return _Salutation(i, text, []) if 0 < len(text) <= 40 and not set(text) & NOT_IN_SIGNATURE else None


def _first_sentence(lines: list[str]) -> int:
    """Where the body has surely begun: the addressee and the title come before it."""
    for i, line in enumerate(lines):
        m = HEADING.match(line)
        if line.endswith(("。", "！", "？")) or (m and m["num"] == "一"):
            return i
    return len(lines)


def _end_field(line: str, out: dict, found: dict) -> bool:
    """Fill `out` from a line of the end matter (抄送, 附注, 类别, 签字 …); False for a paragraph."""
    if PAGE_NUMBER.match(line) or URL.match(line):
        return True
    if m := CC.match(line):
        out["cc"] += [p.strip().rstrip("。.").strip() for p in re.split(r"[，,、；;]", m["value"])]
        out["cc"] = [p for p in out["cc"] if p]
        return True
    if m := CATEGORY.match(line):
        if m["label"]:
            out["category"] = out["category"] or _category(m["letter"])
            return True
        return False
    if m := SIGNOFF.match(line):
        if m["label"] in ORGANISATION_LABELS and m["value"].strip():
            found["organisation"] = m["value"].strip()
        return True
    note = line[1:-1] if line[:1] in "（(" and line[-1:] in "）)" else line
    if not note.startswith(("此件", "联系")):
        return False
    parts = [p.strip() for p in re.split(r"[，,；;]", note) if p.strip()]
    disclosures = set(Disclosure.NOTE.values())
    if not all(p in disclosures or CONTACT.match(p) for p in parts):
        return False
    for part in parts:
        if part in disclosures:
            out["disclosure"] = part
            continue
        m = CONTACT.match(part)
        label, value = m["label"], m["value"].strip()
        if label in ("联系电话", "电话"):
            out["contact"]["phone"] = value or None
        elif label == "联系单位及联系人":
            # 省国土环境资源厅法规处 王保汉: the person comes after the office.
            out["contact"]["name"] = value.split()[-1] if value else None
        else:
            out["contact"]["name"] = value or None
    return True


def _is_signature(line: str) -> bool:
    return (
        len(line) <= 40
        and not set(line) & NOT_IN_SIGNATURE
        and not CLOSING_START.match(line)
        and not HEADING.match(line)
        and _date(line) is False
    )


# --- the whole document ------------------------------------------------------------------------


def parse_text(text: str) -> dict:
    """The fields of a reply's text (see KEYS); never raises, whatever the text."""
    lines = [line.strip() for line in text.replace("\ufeff", "").splitlines()]
    out = dict.fromkeys(KEYS) | {"deputies": [], "sections": [], "cc": [], "warnings": []}
    out["contact"] = {"name": None, "phone": None}
    warn = out["warnings"].append

    stop = _first_sentence(lines)
    salutation = _find_salutation(lines, stop)
    head = _read_header(lines, salutation.index if salutation else stop)
    if salutation is None and head.titles:
        salutation = _weak_salutation(lines, head.end)

    out["doc_number"], out["category"] = head.doc_number, head.category
    if head.titles:
        # Web copies put the page's own heading above the document's title; the title is the one
        # nearest the addressee.
        out["title"] = head.titles[-1 if salutation else 0]
    if salutation:
        out["salutation"] = salutation.text
    out["deputies"] = list(dict.fromkeys((salutation.names if salutation else []) + head.deputies))

    # The body: every line after the addressee, less blank lines and the end matter.
    found = {}  # what the end matter says besides `out`: the 承办单位 label's organisation
    start = salutation.index + 1 if salutation else head.end
    body = [salutation.rest] if salutation and salutation.rest else []
    body += [line for line in lines[start:] if line and not _end_field(line, out, found)]
    dates = [i for i, line in enumerate(body) if _date(line) is not False]
    after_date = []
    if dates:
        date_line = body[dates[-1]]
        body, after_date = body[: dates[-1]], body[dates[-1] + 1 :]
        date = _date(date_line)
        if date:
            out["date"] = date.isoformat()
        else:
            warn(_("日期“%(text)s”无法识别。") % {"text": date_line})
    else:
        warn(_("未识别到日期。"))
    if body and _is_signature(body[-1]):
        out["signature"] = body.pop()
    else:
        out["signature"] = found.get("organisation")

    _split_body(body, out)
    if after_date:
        out["closing"] = "\n".join([out["closing"], *after_date]).strip("\n")
        warn(_("日期之后有未识别的内容，已并入结尾。"))

    header_text = "\n".join(lines[: salutation.index if salutation else head.end])
    _read_proposal(out, head.titles, header_text)

    for key, message in (
        ("title", _("未识别到标题。")),
        ("session", _("未识别到会议名称。")),
        ("proposal_number", _("未识别到建议（提案）号。")),
        ("proposal_title", _("未识别到建议（提案）题目。")),
        ("doc_number", _("未识别到文号。")),
        ("salutation", _("未识别到称谓（如“王宇辉代表：”）。")),
        ("signature", _("未识别到落款单位。")),
    ):
        if out[key] is None:
            warn(message)
    if not out["sections"] and out["opening"]:
        warn(_("未识别到“一、”“二、”等分条答复，正文已并入开头。"))
    return out


def _split_body(paragraphs: list[str], out: dict) -> None:
    heads, expected = [], 1
    for i, paragraph in enumerate(paragraphs):
        m = HEADING.match(paragraph)
        if m and parse_chinese_numeral(m["num"]) == expected:
            heads.append(i)
            expected += 1
    closing = next(
        (i for i in range(heads[-1] + 1 if heads else 1, len(paragraphs)) if CLOSING_START.match(paragraphs[i])),
        len(paragraphs),
    )
    out["opening"] = "\n".join(paragraphs[: heads[0] if heads else closing]) or None
    for n, (first, end) in enumerate(pairwise([*heads, closing]), 1):
        out["sections"].append(
            {
                "number": n,
                "heading": HEADING.match(paragraphs[first])["text"].strip(),
                "body": "\n".join(paragraphs[first + 1 : end]),
            }
        )
    out["closing"] = "\n".join(paragraphs[closing:])


def _read_proposal(out: dict, other_titles: list[str], header_text: str) -> None:
    """Session, number, title and kind of the proposal the reply answers."""
    title, opening = out["title"] or "", out["opening"] or ""
    for source in (title, *other_titles):
        if m := SESSION.match(source):
            out["session"] = m["session"]
            break
    else:
        if m := SESSION_IN_OPENING.search(opening):
            out["session"] = m["session"]

    # The document number's serial (〔2006〕187号) is not the proposal's number.
    header_lines = [line for line in header_text.splitlines() if not DOC_NUMBER.match(line)]
    for source in (title, *other_titles, *header_lines, opening):
        if m := NUMBER.search(source):
            out["proposal_number"] = int(m[1] or m[2])
            break

    for source in (opening, title, *other_titles):
        titles = [a or b for a, b in PROPOSAL_TITLE.findall(source)]
        chosen = next((t for t in titles if re.search("关于|建议|提案|议案", t)), None)
        if chosen:
            out["proposal_title"] = chosen
            break

    about = "\n".join([header_text, out["salutation"] or "", opening])
    if "政协" in about and "提案" in about:
        out["proposal_kind"] = "政协提案"
    elif "代表" in about or "建议" in about:
        out["proposal_kind"] = "代表建议"
