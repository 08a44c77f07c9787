"""Writing .xlsx spreadsheets that are safe to open (every export goes through here).

A text cell beginning with = + - @ (or a tab or carriage return, which some spreadsheet
programs strip before looking) would be read as a formula by Excel or WPS when the file is
opened: a deputy's title 「=HYPERLINK(...)」 must stay text. Such text is prefixed with a
single quote (the OWASP advice on formula injection) and every text cell is written with the
string data type, so openpyxl never stores a formula.
"""

import datetime
import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_value(value):
    """A cell value that no spreadsheet program evaluates: numbers and dates stay as they
    are; text that could start a formula is prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones; show Beijing time
    if isinstance(value, (int, float, Decimal, datetime.date)):
        return value
    text = str(value).replace("\x00", "")
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class Sheet:
    """Rows appended one at a time (write-only mode: memory stays flat for 100,000 rows)."""

    def __init__(self, workbook, title: str, headers: list[str], widths: list[int] | None = None):
        self.sheet = workbook.create_sheet(title=title[:31])
        for i, width in enumerate(widths or [16] * len(headers), 1):
            self.sheet.column_dimensions[get_column_letter(i)].width = width
        self.sheet.freeze_panes = "A2"
        self._header(headers)

    def _header(self, headers):
        cells = []
        for text in headers:
            cell = WriteOnlyCell(self.sheet, value=safe_value(text))
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cells.append(cell)
        self.sheet.append(cells)

    def append(self, row: Iterable):
        cells = []
        for value in row:
            cell = WriteOnlyCell(self.sheet, value=safe_value(value))
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # never a formula, whatever the text
            if isinstance(value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        self.sheet.append(cells)


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_bytes(title: str, headers: list[str], rows: Iterable[Iterable], widths: list[int] | None = None) -> bytes:
    """A one-sheet workbook: the header row in bold, then `rows`."""
    workbook = new_workbook()
    sheet = Sheet(workbook, title, headers, widths)
    for row in rows:
        sheet.append(row)
    return to_bytes(workbook)
