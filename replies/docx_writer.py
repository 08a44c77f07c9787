"""The reply as a DOCX (python-docx), drawn from replies.rendering.layout's blocks.

Government PCs have the official fonts, so the document names them for East Asian text
(w:eastAsia) and Word finds them; the page, the 22 × 28 character grid, the odd/even page
numbers and the colophon at the foot of the last page follow GB/T 9704-2012."""

import math

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from .rendering import BODY_PT, CHAR_PITCH, COLOPHON_PT, DOCX_FONTS, LINE_PITCH, TITLE_PT

FONT_FOR = {"h1": "hei", "h2": "kai", "category": "hei", "title": "title"}
TYPE_WIDTH = Mm(156)


def _font(run, role="body", size=BODY_PT):
    name = DOCX_FONTS[role]
    run.font.name = name
    run.font.size = Pt(size)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _chars(paragraph, first_line=0, right=0):
    """Indents in characters of the grid (w:firstLineChars / w:rightChars, in hundredths),
    with the absolute equivalent for readers that ignore the grid."""
    fmt = paragraph.paragraph_format
    if first_line:
        fmt.first_line_indent = Pt(first_line * CHAR_PITCH)
    if right:
        fmt.right_indent = Pt(right * CHAR_PITCH)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    if first_line:
        ind.set(qn("w:firstLineChars"), str(round(first_line * 100)))
    if right:
        ind.set(qn("w:rightChars"), str(round(right * 100)))


def _setup_page(document):
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # the page number's line starts 7 mm below the type area
    section.footer_distance = Mm(35 - 7 - 6)
    section.header_distance = Mm(15)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # A line grid gives the 22 lines; the 28 characters come from setting 3号 a little
    # tighter (character spacing), which Word and LibreOffice read alike, where a character
    # grid (linesAndChars) is laid out differently by each.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(LINE_PITCH * 20)))  # twentieths of a point
    normal = document.styles["Normal"]
    normal.font.name = DOCX_FONTS["body"]
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), DOCX_FONTS["body"])
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(math.floor((CHAR_PITCH - BODY_PT) * 20)))  # twentieths of a point
    rpr.append(spacing)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PITCH)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return section


def _page_number(footer, align):
    """— N — in 4号, one character in from the edge: odd pages right, even pages left."""
    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(COLOPHON_PT)
    else:
        fmt.left_indent = Pt(COLOPHON_PT)
    _font(paragraph.add_run("— "), size=COLOPHON_PT)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    _font(paragraph.add_run(" —"), size=COLOPHON_PT)


VML = 'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
# Word's own watermark: a WordArt text path (shape type 136), declared in full so that
# LibreOffice and WPS draw it too.
SHAPETYPE = (
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas>'
    + "".join(
        f'<v:f eqn="{eqn}"/>'
        for eqn in (
            "sum #0 0 10800",
            "prod #0 2 1",
            "sum 21600 0 @1",
            "sum 0 0 @2",
            "sum 21600 0 @3",
            "if @0 @3 0",
            "if @0 21600 @1",
            "if @0 0 @2",
            "if @0 @4 21600",
            "mid @5 @6",
            "mid @8 @5",
            "mid @7 @8",
            "mid @6 @7",
            "sum @6 0 @5",
        )
    )
    + '</v:formulas><v:path textpathok="t" o:connecttype="custom" '
    'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
)
WATERMARK = (
    "<w:r {} {}><w:pict>" + SHAPETYPE + '<v:shape id="draft-mark" o:spid="_x0000_s1025" type="#_x0000_t136" '
    'style="position:absolute;margin-left:0;margin-top:0;width:420pt;height:140pt;rotation:315;'
    "z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
    'mso-position-vertical:center;mso-position-vertical-relative:margin" fillcolor="#e8b4b5" stroked="f">'
    '<v:fill opacity=".35"/><v:textpath on="t" style="font-family:&quot;{}&quot;;font-size:1pt" string="草稿"/>'
    "</v:shape></w:pict></w:r>"
)


def _watermark(header):
    paragraph = header.paragraphs[0]
    paragraph._p.append(parse_xml(WATERMARK.format(nsdecls("w"), VML, DOCX_FONTS["hei"])))


def _colophon(document, text):
    """抄送 at the foot of the last page, between rules: a frame anchored to the bottom of the
    type area stays there whatever the length of the reply."""
    paragraph = document.add_paragraph()
    _font(paragraph.add_run(text), size=COLOPHON_PT)
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(COLOPHON_PT * 1.6)
    fmt.left_indent = fmt.right_indent = Pt(COLOPHON_PT)
    ppr = paragraph._p.get_or_add_pPr()
    frame = OxmlElement("w:framePr")
    for key, value in {
        "w:w": str(int(TYPE_WIDTH.pt * 20)),
        "w:hSpace": "0",
        "w:wrap": "around",
        "w:vAnchor": "margin",
        "w:hAnchor": "margin",
        "w:xAlign": "center",
        "w:yAlign": "bottom",
    }.items():
        frame.set(qn(key), value)
    ppr.insert(0, frame)
    borders = OxmlElement("w:pBdr")
    for edge in ("top", "bottom"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "8")  # eighths of a point: 1 pt ≈ 0.35 mm
        line.set(qn("w:space"), "1")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    ppr.append(borders)


def _width(text):
    return sum(0.5 if ch.isascii() else 1 for ch in text)


def write(blocks, target, *, title, draft):
    document = Document()
    section = _setup_page(document)
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    if draft:
        _watermark(section.header)
        _watermark(section.even_page_header)
    document.core_properties.title = title
    document.core_properties.author = "Jianyi"
    document.core_properties.comments = "草稿" if draft else ""

    by_role = {}
    for block in blocks:
        by_role.setdefault(block.role, block)
    date_text = by_role["date"].text if "date" in by_role else ""

    # First line: the document number centred, the result category at the right edge.
    first = document.add_paragraph()
    first.paragraph_format.tab_stops.add_tab_stop(Mm(78), WD_TAB_ALIGNMENT.CENTER)
    first.paragraph_format.tab_stops.add_tab_stop(TYPE_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    _font(first.add_run("\t" + (by_role["number"].text if "number" in by_role else "")))
    if "category" in by_role:
        _font(first.add_run("\t"))
        _font(first.add_run(by_role["category"].text), "hei")

    for block in blocks:
        if block.role in ("number", "category"):
            continue
        if block.role == "cc":
            _colophon(document, block.text)
            continue
        paragraph = document.add_paragraph()
        fmt = paragraph.paragraph_format
        if block.role == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt.space_before = Pt(2 * LINE_PITCH)
            fmt.space_after = Pt(LINE_PITCH)
            for i, line in enumerate(block.lines):
                run = paragraph.add_run(line)
                _font(run, "title", TITLE_PT)
                if i < len(block.lines) - 1:
                    run.add_break()
            continue
        _font(paragraph.add_run(block.text), FONT_FOR.get(block.role, "body"))
        if block.role in ("p", "h1", "h2", "h3", "h4", "note"):
            _chars(paragraph, first_line=2)
        elif block.role in ("signature", "date"):
            # with a seal: the date four characters from the right, the name centred over it
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if block.role == "signature":
                fmt.space_before = Pt(LINE_PITCH)
                _chars(paragraph, right=4 + max(0, (_width(date_text) - _width(block.text)) / 2))
            else:
                _chars(paragraph, right=4)
    document.save(target)
