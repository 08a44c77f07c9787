"""The PDF and DOCX read back: GB/T 9704 geometry, fonts, page numbers, no missing glyphs."""

import io

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn
from fontTools.ttLib import TTFont
from pdfminer.pdftypes import resolve1

from replies import rendering, scaffold

from .documents import seed_content

MM = 72 / 25.4
RARE = "嗄垭"  # rare characters of real names


def rare_content():
    # a name with rare characters, as real deputies' names have
    return seed_content(addressee=f"王{RARE}代表：")


@pytest.fixture(scope="module")
def signed_pdf():
    return pdfplumber.open(io.BytesIO(rendering.pdf(rare_content(), draft=False)))


@pytest.fixture(scope="module")
def draft_pdf():
    return pdfplumber.open(io.BytesIO(rendering.pdf(seed_content(number="", date=None), draft=True)))


def body_chars(page):
    """The 3号 glyphs: the body, not the page number, colophon or watermark."""
    return [c for c in page.chars if c["text"].strip() and 15.5 < c["size"] < 16.5]


def lines_of(chars):
    lines = {}
    for c in chars:
        lines.setdefault(round(c["top"], 1), []).append(c)
    return [sorted(line, key=lambda c: c["x0"]) for _top, line in sorted(lines.items())]


def test_the_pdf_is_a4(signed_pdf):
    for page in signed_pdf.pages:
        assert page.width == pytest.approx(210 * MM, abs=0.5)
        assert page.height == pytest.approx(297 * MM, abs=0.5)


def test_the_text_starts_37_mm_from_the_top_and_28_mm_from_the_left(signed_pdf):
    for page in signed_pdf.pages:
        chars = body_chars(page)
        assert min(c["top"] for c in chars) / MM == pytest.approx(37, abs=1)
        assert min(c["x0"] for c in chars) / MM == pytest.approx(28, abs=1)


def test_all_text_but_the_page_number_stays_inside_the_type_area(signed_pdf):
    for page in signed_pdf.pages:
        for c in page.chars:
            if not c["text"].strip() or (c["text"] in "—0123456789" and c["top"] / MM > 262):
                continue
            assert c["x0"] / MM >= 28 - 1 and c["x1"] / MM <= 28 + 156 + 1, c["text"]
            assert c["top"] / MM >= 37 - 1 and c["bottom"] / MM <= 37 + 225 + 1, c["text"]


def test_a_full_line_holds_28_characters_and_a_full_page_22_lines(signed_pdf):
    page = signed_pdf.pages[1]  # the second page is all body text
    lines = lines_of(body_chars(page))
    assert len(lines) == pytest.approx(22, abs=1)
    # lines of ideographs and full-width stops only (digits and quotes are narrower)
    full = [
        line
        for line in lines
        if line[0]["x0"] / MM < 28 + 1  # not a first line, indented two characters
        and line[-1]["x1"] / MM > 28 + 156 - 3
        and all("\u4e00" <= c["text"] <= "\u9fff" or c["text"] in "，。、；：" for c in line)
    ]
    assert full, "no full line of Chinese characters on the page"
    assert {len(line) for line in full} == {28}


def test_page_numbers_sit_below_the_type_area_odd_right_even_left(signed_pdf):
    for number, page in enumerate(signed_pdf.pages, 1):
        footer = [c for c in page.chars if c["top"] / MM > 262 and c["text"].strip()]
        assert "".join(c["text"] for c in footer) == f"—{number}—"
        assert all(13.5 < c["size"] < 14.5 for c in footer)  # 4号
        assert min(c["top"] for c in footer) / MM == pytest.approx(262 + 7, abs=1)
        if number % 2:
            assert max(c["x1"] for c in footer) / MM == pytest.approx(28 + 156 - 14 / MM, abs=1)
        else:
            assert min(c["x0"] for c in footer) / MM == pytest.approx(28 + 14 / MM, abs=1)


def test_the_first_page_carries_the_number_centred_and_the_category_at_the_right(signed_pdf):
    first = sorted(
        (c for c in signed_pdf.pages[0].chars if c["text"].strip() and c["top"] / MM < 45), key=lambda c: c["x0"]
    )
    text = "".join(c["text"] for c in first)
    assert text == "吉科发规划〔2024〕56号B"
    number = [c for c in first if c["text"] != "B"]
    middle = (number[0]["x0"] + number[-1]["x1"]) / 2 / MM
    assert middle == pytest.approx(28 + 78, abs=2)
    assert first[-1]["x1"] / MM == pytest.approx(28 + 156, abs=1)


def test_the_title_is_2hao_and_centred_in_balanced_lines(signed_pdf):
    title = [c for c in signed_pdf.pages[0].chars if 21.5 < c["size"] < 22.5]
    lines = lines_of(title)
    assert ["".join(c["text"] for c in line) for line in lines] == ["对省十四届人大三次会议", "第53号代表建议的答复"]
    for line in lines:
        middle = (line[0]["x0"] + line[-1]["x1"]) / 2 / MM
        assert middle == pytest.approx(28 + 78, abs=2)


def test_the_colophon_is_at_the_foot_of_the_last_page_in_4hao(signed_pdf):
    last = signed_pdf.pages[-1]
    cc = [c for c in last.chars if 13.5 < c["size"] < 14.5 and c["top"] / MM < 262]
    assert "".join(c["text"] for c in cc).startswith("抄送：省人大常委会代表工作委员会")
    assert max(c["bottom"] for c in cc) / MM > 262 - 15  # at the bottom, not after the text
    # the rules above and below: the border drawn around the colophon, across the type area
    top, bottom = min(c["top"] for c in cc), max(c["bottom"] for c in cc)
    ruled = [r for r in last.rects if (r["x1"] - r["x0"]) / MM > 150 and r["top"] < top and r["bottom"] > bottom]
    assert ruled


def embedded_cmaps(pdf):
    """Every character each embedded font can draw, read from the font programs themselves."""
    covered = set()
    document = pdf.doc
    for xref in document.xrefs:
        for objid in xref.get_objids():
            try:
                obj = document.getobj(objid)
            except Exception:  # free or broken objects in the table  # noqa: S112
                continue
            if not isinstance(obj, dict):
                continue
            for key in ("FontFile", "FontFile2", "FontFile3"):
                if key in obj:
                    font = TTFont(io.BytesIO(resolve1(obj[key]).get_data()))
                    covered |= {chr(code) for code in (font.getBestCmap() or {})}
    return covered


def test_no_character_is_a_missing_glyph_box(signed_pdf):
    source = set(scaffold.render_text(rare_content()))
    source -= {" ", "\n"}
    text = set("".join(c["text"] for page in signed_pdf.pages for c in page.chars))
    assert source <= text, source - text  # every character reached the text layer
    missing = {ch for ch in source if not ch.isspace()} - embedded_cmaps(signed_pdf)
    assert not missing, missing  # and an embedded font has a glyph for it


def test_the_pdf_metadata_names_the_fonts_used(signed_pdf):
    keywords = signed_pdf.metadata["Keywords"]
    assert keywords.startswith("Fonts: ") and "Noto" in keywords
    assert signed_pdf.metadata["Title"] == "对省十四届人大三次会议第53号代表建议的答复"


def test_a_draft_carries_the_watermark_and_a_signed_reply_does_not(signed_pdf, draft_pdf):
    def marks(pdf):
        return sum(c["text"] in "草稿" and c["size"] > 60 for page in pdf.pages for c in page.chars)

    assert marks(draft_pdf) >= 2 * len(draft_pdf.pages)
    assert marks(signed_pdf) == 0


# --- DOCX ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed_docx():
    return Document(io.BytesIO(rendering.docx(seed_content(), draft=False)))


def east_asian(run):
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_the_docx_page_follows_the_standard(signed_docx):
    section = signed_docx.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    assert round(section.right_margin.mm) == 26 and round(section.bottom_margin.mm) == 35
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert int(grid.get(qn("w:linePitch"))) / 20 * 22 / MM == pytest.approx(225, abs=1)


def test_the_docx_names_the_official_fonts_per_element(signed_docx):
    paragraphs = signed_docx.paragraphs
    title = next(p for p in paragraphs if "代表建议的答复" in p.text)
    assert {east_asian(r) for r in title.runs} == {"方正小标宋简体"}
    assert all(r.font.size.pt == 22 for r in title.runs)
    heading = next(p for p in paragraphs if p.text.startswith("一、"))
    assert east_asian(heading.runs[0]) == "黑体"
    body = next(p for p in paragraphs if p.text.startswith("为充分发挥"))
    assert east_asian(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size.pt == 16
    assert body.paragraph_format.first_line_indent.pt == pytest.approx(2 * rendering.CHAR_PITCH, abs=0.5)
    cc = next(p for p in paragraphs if p.text.startswith("抄送："))
    assert cc.runs[0].font.size.pt == 14
    assert cc._p.pPr.find(qn("w:framePr")).get(qn("w:yAlign")) == "bottom"


def test_level_two_headings_are_kaiti_in_the_docx():
    content = seed_content()
    content.sections[0].body = "（一）平台建设\n一是建成平台。\n1.具体措施"
    document = Document(io.BytesIO(rendering.docx(content, draft=False)))
    fonts = {p.text: east_asian(p.runs[0]) for p in document.paragraphs if p.runs}
    assert fonts["（一）平台建设"] == "楷体_GB2312"
    assert fonts["1.具体措施"] == "仿宋_GB2312"


def test_the_docx_numbers_pages_odd_right_even_left(signed_docx):
    section = signed_docx.sections[0]
    assert signed_docx.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for paragraph in (odd, even):
        assert paragraph._p.find(qn("w:fldSimple")).get(qn("w:instr")) == "PAGE"
    assert odd.alignment == 2 and even.alignment == 0  # right, left


def test_only_a_draft_docx_is_watermarked(signed_docx):
    draft = Document(io.BytesIO(rendering.docx(seed_content(), draft=True)))
    header = draft.sections[0].header._element.xml
    assert 'string="草稿"' in header and 'id="_x0000_t136"' in header  # the WordArt type is declared
    assert "草稿" not in signed_docx.sections[0].header._element.xml
