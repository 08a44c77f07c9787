import datetime
import io
import re
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from proposals.files import (
    MAX_ATTACHMENT_BYTES,
    AttachmentKind,
    random_storage_name,
    safe_download_name,
    sniff,
    validate_attachment,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")

# --- Real, small files built in memory -------------------------------------------------------

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(48)
    + b"This program cannot be run in DOS mode."
)

CONTENT_TYPES = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
RELS = b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'


def png_bytes():
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, then one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes(**extra):
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": RELS,
            "word/document.xml": "<w:document><w:body><w:p><w:t>建议</w:t></w:p></w:body></w:document>".encode(),
            **extra,
        }
    )


def xlsx_bytes():
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": RELS,
            "xl/workbook.xml": b"<workbook><sheets><sheet name='Sheet1' sheetId='1'/></sheets></workbook>",
            "xl/worksheets/sheet1.xml": b"<worksheet><sheetData/></worksheet>",
        }
    )


def odt_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", b"<manifest:manifest/>")
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def rejection(uploaded):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_attachment(uploaded)
    error = caught.value.error_list[0]
    return error.code, caught.value.messages[0]


# --- AttachmentKind ---------------------------------------------------------------------------


def test_each_kind_has_its_key_extension_and_mime_type():
    assert [(k.key, k.extension, k.mime_type) for k in AttachmentKind] == [
        ("pdf", "pdf", "application/pdf"),
        ("docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("jpg", "jpg", "image/jpeg"),
        ("png", "png", "image/png"),
    ]


def test_a_kind_can_be_looked_up_by_its_stored_key():
    assert AttachmentKind("docx") is AttachmentKind.DOCX
    assert AttachmentKind.PNG.value == "png"


# --- sniff --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, AttachmentKind.PDF),
        (png_bytes(), AttachmentKind.PNG),
        (JPEG, AttachmentKind.JPG),
        (docx_bytes(), AttachmentKind.DOCX),
        (xlsx_bytes(), AttachmentKind.XLSX),
    ],
    ids=["pdf", "png", "jpg", "docx", "xlsx"],
)
def test_sniff_recognises_each_allowed_kind_by_content(content, kind):
    assert sniff(io.BytesIO(content)) is kind
    assert sniff(upload("whatever.bin", content)) is kind


@pytest.mark.parametrize(
    "content",
    [
        zip_bytes({"notes.txt": b"just a zip"}),
        odt_bytes(),
        zip_bytes({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n", "Main.class": b"\xca\xfe\xba\xbe"}),
        zip_bytes({"word/document.xml": b"<w:document/>"}),
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "docProps/app.xml": b"<Properties/>"}),
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"", "xl/workbook.xml": b""}),
        docx_bytes(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        OLE2,
        HTML,
        EXE,
        b"#!/bin/sh\nrm -rf /\n",
        b"",
    ],
    ids=[
        "plain-zip",
        "odt",
        "jar",
        "docx-without-content-types",
        "ooxml-neither-word-nor-excel",
        "both-word-and-excel",
        "macro-enabled-docm",
        "ole2-doc-or-xls",
        "html",
        "exe",
        "shell-script",
        "empty",
    ],
)
def test_sniff_refuses_everything_else(content):
    assert sniff(io.BytesIO(content)) is None


@pytest.mark.parametrize(
    "content",
    [docx_bytes()[: len(docx_bytes()) // 2], b"PK\x03\x04" + b"\xff" * 200, b"PK\x03\x04"],
    ids=["truncated-docx", "zip-header-then-garbage", "zip-header-only"],
)
def test_sniff_treats_a_corrupt_zip_as_not_allowed(content):
    assert sniff(io.BytesIO(content)) is None


def test_sniff_ignores_the_name_and_the_browsers_content_type():
    assert sniff(upload("photo.png", PDF, content_type="image/png")) is AttachmentKind.PDF
    assert sniff(upload("report.pdf", HTML, content_type="application/pdf")) is None


def test_sniff_leaves_the_file_at_its_start_even_when_it_was_read_before():
    for content in (PDF, docx_bytes(), HTML):
        uploaded = upload("x", content)
        uploaded.read(3)
        sniff(uploaded)
        assert uploaded.tell() == 0
        assert uploaded.read() == content


def test_sniff_reads_only_the_zip_directory_so_a_zip_bomb_is_harmless(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document/>")
        with archive.open("word/media/bomb.bin", "w") as member:
            for _ in range(64):
                member.write(bytes(1024 * 1024))  # 64 MB of zeros, a few dozen KB compressed
    assert len(buffer.getvalue()) < MAX_ATTACHMENT_BYTES

    def no_extraction(*args, **kwargs):
        raise AssertionError("sniff must not decompress members")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_extraction)
    assert sniff(buffer) is AttachmentKind.DOCX


# --- validate_attachment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("建议材料.pdf", PDF, AttachmentKind.PDF),
        ("现场照片.png", png_bytes(), AttachmentKind.PNG),
        ("现场照片.jpg", JPEG, AttachmentKind.JPG),
        ("调研报告.docx", docx_bytes(), AttachmentKind.DOCX),
        ("统计表.xlsx", xlsx_bytes(), AttachmentKind.XLSX),
    ],
)
def test_validate_attachment_accepts_each_allowed_kind(name, content, kind):
    assert validate_attachment(upload(name, content)) is kind


def test_a_file_whose_name_disagrees_with_its_content_is_accepted_as_what_it_really_is():
    uploaded = upload("扫描件.pdf", png_bytes(), content_type="application/pdf")
    kind = validate_attachment(uploaded)
    assert kind is AttachmentKind.PNG
    assert safe_download_name(uploaded.name, kind) == "扫描件.png"
    assert random_storage_name(kind).endswith(".png")


def test_an_empty_file_is_refused_in_chinese_naming_the_file():
    code, message = rejection(upload("空白.pdf", b""))
    assert code == "empty"
    assert message == "文件“空白.pdf”是空文件。"


def test_a_file_of_exactly_twenty_megabytes_is_allowed():
    content = b"%PDF-" + bytes(MAX_ATTACHMENT_BYTES - 5)
    assert validate_attachment(upload("big.pdf", content)) is AttachmentKind.PDF


def test_a_file_one_byte_over_twenty_megabytes_is_refused_with_the_limit_and_its_size():
    content = b"%PDF-" + bytes(MAX_ATTACHMENT_BYTES - 4)
    code, message = rejection(upload("年度汇编.pdf", content))
    assert code == "too_large"
    assert "年度汇编.pdf" in message
    assert "20 MB" in message
    assert "20.1 MB" in message  # rounded up, so it never reads as the limit itself
    assert CHINESE.search(message)


def test_the_size_in_the_message_has_one_decimal():
    content = b"%PDF-" + bytes(MAX_ATTACHMENT_BYTES + 5 * 1024 * 1024 // 2 - 5)  # 22.5 MB exactly
    _, message = rejection(upload("a.pdf", content))
    assert "22.5 MB" in message


def test_an_html_page_named_like_a_pdf_is_refused_listing_the_allowed_types():
    code, message = rejection(upload("report.pdf", HTML, content_type="application/pdf"))
    assert code == "unsupported_type"
    assert message == "只能上传 PDF、DOCX、XLSX、JPG、PNG 格式的文件，“report.pdf”的内容不是这些格式。"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE),
        ("旧文档.doc", OLE2),
        ("旧表格.xls", OLE2),
        ("资料.zip", zip_bytes({"a.txt": b"a"})),
        ("文稿.odt", odt_bytes()),
        ("宏.docx", docx_bytes(**{"word/vbaProject.bin": b"x"})),
    ],
)
def test_other_kinds_are_refused_naming_the_file(name, content):
    code, message = rejection(upload(name, content))
    assert code == "unsupported_type"
    assert f"“{name}”" in message


def test_validate_attachment_leaves_the_file_at_its_start_for_saving():
    uploaded = upload("a.docx", docx_bytes())
    validate_attachment(uploaded)
    assert uploaded.tell() == 0


# --- safe_download_name ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "kind", "expected"),
    [
        ("../../etc/passwd", AttachmentKind.PDF, "passwd.pdf"),
        ("a\\b.pdf", AttachmentKind.PDF, "b.pdf"),
        ("C:\\Users\\王宇辉\\Desktop\\关于加强农村教育的建议.docx", AttachmentKind.DOCX, "关于加强农村教育的建议.docx"),
        ("会议纪要", AttachmentKind.PNG, "会议纪要.png"),
        ("照片.JPEG", AttachmentKind.JPG, "照片.jpg"),
        ("扫描件.pdf", AttachmentKind.PNG, "扫描件.png"),
        ("报告 v1.0", AttachmentKind.PDF, "报告 v1.0.pdf"),
        ("", AttachmentKind.PDF, "附件.pdf"),
        (".pdf", AttachmentKind.PDF, "附件.pdf"),
        ("../", AttachmentKind.XLSX, "附件.xlsx"),
        ("  . . ", AttachmentKind.PDF, "附件.pdf"),
        ("年度\x00报告.pdf", AttachmentKind.PDF, "年度报告.pdf"),
        ("年度\r\n报告\n.pdf", AttachmentKind.PDF, "年度报告.pdf"),
        ("invoice\u202egpj.exe", AttachmentKind.PNG, "invoicegpj.png"),
        ('问题<1>:"是"|否?*.pdf', AttachmentKind.PDF, "问题_1___是__否__.pdf"),
    ],
)
def test_safe_download_name_keeps_the_users_name_with_the_right_extension(original, kind, expected):
    assert safe_download_name(original, kind) == expected


def test_a_very_long_chinese_name_is_cut_to_a_hundred_characters_keeping_the_extension():
    original = "关于" + "进一步加强农村义务教育" * 30 + "的建议.pdf"
    assert len(original) > 300
    name = safe_download_name(original, AttachmentKind.DOCX)
    assert len(name) == 100
    assert name.endswith(".docx")
    assert name.startswith("关于进一步加强农村义务教育")


def test_a_safe_download_name_never_contains_separators_or_control_characters():
    for original in ["../../etc/passwd", "a\\b.pdf", "x\x00y\n/z\t.pdf", "\x1b[31m红色\x7f.png", "/"]:
        name = safe_download_name(original, AttachmentKind.PDF)
        assert name
        assert "/" not in name
        assert "\\" not in name
        assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
        assert not name.startswith(".")


# --- random_storage_name ---------------------------------------------------------------------


def test_random_storage_names_follow_the_pattern_and_never_repeat():
    names = [random_storage_name(AttachmentKind.XLSX) for _ in range(1000)]
    today = timezone.localdate()
    pattern = re.compile(rf"^attachments/{today:%Y}/{today:%m}/[0-9a-f]{{32}}\.xlsx$")
    assert all(pattern.match(name) for name in names)
    assert len(set(names)) == 1000


def test_random_storage_names_use_the_date_in_shanghai_whatever_the_active_time_zone(monkeypatch):
    # 16:30 UTC on 30 November is already 00:30 on 1 December in Shanghai.
    instant = datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    with timezone.override("America/New_York"):
        name = random_storage_name(AttachmentKind.PDF)
    assert name.startswith("attachments/2026/12/")
    assert name.endswith(".pdf")
