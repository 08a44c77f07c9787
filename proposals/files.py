"""Attachments on proposals: which files we accept, and the names we store and serve them under.

A file's kind is decided by its content alone. The name and the browser's content type are
whatever the user's machine says, so they are never trusted: a PNG named ``scan.pdf`` is
accepted as a PNG, stored with ``.png`` and served as ``image/png``, which is what the reader
needs to open it. HTML, scripts and executables never pass, whatever they are called.
"""

import enum
import math
import re
import secrets
import unicodedata
import zipfile

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_DOWNLOAD_NAME_CHARS = 100

_MB = 1024 * 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_SIGNATURE = b"%PDF-"
_ZIP_SIGNATURE = b"PK\x03\x04"
_HEADER_BYTES = max(len(_PNG_SIGNATURE), len(_JPEG_SIGNATURE), len(_PDF_SIGNATURE), len(_ZIP_SIGNATURE))


class AttachmentKind(enum.Enum):
    """An allowed attachment type. The value is the key, so it can be stored in a CharField."""

    PDF = "pdf", "pdf", "application/pdf"
    DOCX = "docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    XLSX = "xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    JPG = "jpg", "jpg", "image/jpeg"
    PNG = "png", "png", "image/png"

    def __new__(cls, key, extension, mime_type):
        member = object.__new__(cls)
        member._value_ = key
        member.key = key
        member.extension = extension
        member.mime_type = mime_type
        return member


def sniff(fileobj):
    """The kind of an uploaded file judged by its bytes, or None when it is not an allowed kind.

    Leaves the file positioned at the start, so it can be saved right after.
    """
    fileobj.seek(0)
    try:
        header = fileobj.read(_HEADER_BYTES)
        if header.startswith(_PDF_SIGNATURE):
            return AttachmentKind.PDF
        if header.startswith(_PNG_SIGNATURE):
            return AttachmentKind.PNG
        if header.startswith(_JPEG_SIGNATURE):
            return AttachmentKind.JPG
        if header.startswith(_ZIP_SIGNATURE):
            return _sniff_office_zip(fileobj)
        return None
    finally:
        fileobj.seek(0)


def _sniff_office_zip(fileobj):
    # Only the central directory is read, never a member's data, so a zip bomb costs nothing.
    # Its size is bounded by the file's, hence the size check before zipfile parses it.
    if _size_of(fileobj) > MAX_ATTACHMENT_BYTES:
        return None
    try:
        with zipfile.ZipFile(fileobj) as archive:
            # OPC (ECMA-376 part 2) compares part names case-insensitively.
            names = {name.lower() for name in archive.namelist()}
    except Exception:
        # A truncated or hand-crafted archive can fail in many ways (BadZipFile, EOFError,
        # struct.error, NotImplementedError…); any of them means it is not a document we serve.
        return None
    if "[content_types].xml" not in names:
        return None
    # Word and Excel refuse a macro-enabled file (.docm, .xlsm) saved as .docx or .xlsx,
    # and macros are the main way Office files carry malware.
    if any(name.endswith("vbaproject.bin") for name in names):
        return None
    is_docx = "word/document.xml" in names
    is_xlsx = "xl/workbook.xml" in names
    if is_docx and not is_xlsx:
        return AttachmentKind.DOCX
    if is_xlsx and not is_docx:
        return AttachmentKind.XLSX
    return None


def _size_of(fileobj):
    # Measured rather than read from UploadedFile.size, so a BytesIO works the same way.
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def validate_attachment(uploaded_file):
    """The kind of an upload, or ValidationError when it is empty, too large or not allowed.

    A name whose extension disagrees with the content is accepted: the content is what we
    trust. Store the file under ``random_storage_name(kind)`` and offer it for download as
    ``safe_download_name(name, kind)`` with ``kind.mime_type``, so it is always served under
    its real type and extension.
    """
    name = _display_name(getattr(uploaded_file, "name", None))
    size = _size_of(uploaded_file)
    if size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。"), code="empty", params={"name": name})
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("文件“%(name)s”大小为 %(size)s MB，超过了 %(limit)s MB 的上限。"),
            code="too_large",
            params={
                "name": name,
                # Rounded up, so a file just over the limit never reads as "20.0 MB".
                "size": f"{math.ceil(size * 10 / _MB) / 10:.1f}",
                "limit": MAX_ATTACHMENT_BYTES // _MB,
            },
        )
    kind = sniff(uploaded_file)
    if kind is None:
        raise ValidationError(
            _("只能上传 PDF、DOCX、XLSX、JPG、PNG 格式的文件，“%(name)s”的内容不是这些格式。"),
            code="unsupported_type",
            params={"name": name},
        )
    return kind


# Control (Cc), format (Cf: includes the right-to-left override that disguises "gpj.exe" as
# "exe.jpg"), surrogate (Cs) and line/paragraph separator (Zl, Zp) characters.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
# Windows cannot save these; replacing them ourselves keeps the name the same on every browser.
_WINDOWS_RESERVED = str.maketrans(dict.fromkeys('<>:"|?*', "_"))
_TRAILING_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,5})$")
_EDGE_DOTS_AND_SPACES = re.compile(r"^[\s.]+|[\s.]+$")


def _clean_name(name):
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    # Old browsers send the whole client path; only its last part is the user's file name.
    name = re.split(r"[/\\]", name)[-1]
    return name.translate(_WINDOWS_RESERVED).strip()


def _display_name(name):
    return _clean_name(name) or _("附件")


def safe_download_name(original_name, kind):
    """The user's file name with the kind's extension, safe to offer as a download name."""
    name = _clean_name(original_name)
    match = _TRAILING_EXTENSION.search(name)
    # Only a short suffix with a letter is an extension; "报告 v1.0" keeps its ".0".
    if match and any(ch.isalpha() for ch in match.group(1)):
        name = name[: match.start()]
    # Leading dots would hide the file on Unix; trailing dots and spaces are dropped by Windows.
    stem = _EDGE_DOTS_AND_SPACES.sub("", name) or _("附件")
    suffix = f".{kind.extension}"
    stem = _EDGE_DOTS_AND_SPACES.sub("", stem[: MAX_DOWNLOAD_NAME_CHARS - len(suffix)])
    return stem + suffix


def random_storage_name(kind):
    """A fresh storage path that reveals nothing about the file or its owner."""
    # The default time zone rather than the request's, so the folders follow one calendar.
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    return f"attachments/{today:%Y}/{today:%m}/{secrets.token_hex(16)}.{kind.extension}"
