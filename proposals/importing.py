"""Importing from a spreadsheet (.xlsx): validate every row first, then import all rows or none.

Two kinds of batch share the machinery here: proposals (this module) and assignment plans
(proposals.assignment_import). What is generic: reading a sheet by its column names
(`read_rows` with a SheetLayout), the cell helpers and the error format, the batch and its
progress, and `process_batch`, which claims a batch and runs the Pipeline of its kind.

A session's proposals are often exchanged as spreadsheets (DOMAIN.md step 1). The steps:

1. `read_rows(file)`: the first sheet, row 1 holding the column names (COLUMNS), every later
   non-blank row one proposal. A file that is not a readable .xlsx, or lacks a required column,
   raises ImportFileError with one Chinese message.
2. `validate_rows(rows)`: every cell checked against the database (sessions, deputies,
   categories, departments, external numbers already imported), with a few queries for the
   whole file, never one per row. Returns the rows to create, the number already imported
   unchanged, and every error as {"row": 5, "column": "标题", "message": "…"}.
3. `import_rows(valid, …)`: one transaction of bulk inserts: proposals (submitted, channel
   import), suggestions, hoped departments, confirmed co-signers and one IMPORTED event each.

`process_batch(batch_id)` runs the three for an ImportBatch and records the outcome; the
upload page (small files), the worker (large files) and the management commands all call it.

Re-importing a file changes nothing: an external number identifies a row within its session.
The same number with the same content is counted as unchanged; with different content it is
an error, because an import never edits a proposal the office may already be handling.

Progress: `processed_rows` runs from 0 to total_rows/2 while the rows are validated and from
total_rows/2 to total_rows while they are imported, written every 200 rows. The import is one
transaction, so progress is written on a second database connection that commits at once;
written on the import's own connection, a polling page would see nothing until the end.
"""

import datetime
import io
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import openpyxl
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.errors import DomainError
from accounts.models import Department, Deputy, Role, User

from .demo import SEED_BODY, SEED_SUGGESTIONS, SEED_TITLE, SESSION_NAME
from .extraction import extract_suggestions
from .forms import MAX_BODY_CHARS, MAX_SUGGESTION_CHARS, MAX_SUGGESTIONS
from .models import Category, CoSigner, ImportBatch, Proposal, ProposalEvent, Session, Suggestion
from .text import normalize_space, normalize_title

logger = logging.getLogger(__name__)

XLSX_MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "建议导入模板.xlsx"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 10000
# Files with at most this many data rows are imported inside the upload request.
INLINE_MAX_ROWS = 200
PROGRESS_EVERY = 200
MAX_TITLE_CHARS = 200
MAX_EXTERNAL_NUMBER_CHARS = 40


class ImportFileError(DomainError):
    """The file as a whole cannot be read: not an .xlsx, empty, or a required column missing."""


class ImportConflict(DomainError):
    """The database changed between validation and import (another batch, another user); the
    import's transaction is rolled back and the batch fails with this message."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the spreadsheet's column name: fixed Chinese, whatever the UI language
    required: bool  # the column must be present in the header row
    help: str
    example: Any
    requirement: str = ""  # shown instead of 必填/选填, for a column required only in some rows

    def need(self):
        """必填, 选填, or the column's own requirement, for the template and the import page."""
        return self.requirement or (_("必填") if self.required else _("选填"))


# The example row is the seed proposal (proposals.demo); tests create the data it names.
EXAMPLE_LEAD = "王宇辉（长春代表团）"
EXAMPLE_COSIGNERS = "刘晓梅（吉林市代表团）"
EXAMPLE_CATEGORY = ("经济建设", "科技创新")
EXAMPLE_DEPARTMENT = "吉林省科学技术厅"
EXAMPLE_EXTERNAL_NUMBER = "2024-001"

COLUMNS = (
    Column("session", "会次", True, gettext_lazy("必填。会议全称，与系统中“会次”的名称完全一致。"), SESSION_NAME),
    Column(
        "lead",
        "领衔代表",
        True,
        gettext_lazy("必填。在任代表的姓名；重名时在括号中注明代表团，如：王伟（长春代表团）。"),
        EXAMPLE_LEAD,
    ),
    Column(
        "cosigners",
        "联名代表",
        False,
        gettext_lazy(
            "选填。多位代表用顿号（、）、逗号或分号隔开，重名时注明代表团。导入后视为已确认联名（代表已签名）。"
        ),
        EXAMPLE_COSIGNERS,
    ),
    Column(
        "title",
        "标题",
        True,
        gettext_lazy("必填。一事一议，最多200字；不是“关于……的建议”形式的会自动补全，书名号可写可不写。"),
        SEED_TITLE,
    ),
    Column("body", "正文", True, gettext_lazy("必填。说明问题和理由，最多20000字。"), SEED_BODY),
    Column(
        "suggestions",
        "具体建议",
        True,
        gettext_lazy(
            "必填。每条建议一行，可带“1.”“（一）”“一、”等序号；也可在一格内按序号连续书写。最多50条，每条最多2000字。"
        ),
        "\n".join(f"{n}. {text}" for n, text in enumerate(SEED_SUGGESTIONS, 1)),
    ),
    Column(
        "category",
        "分类",
        True,
        gettext_lazy("必填。写成“方面/类”，如：经济建设/科技创新；类名在各方面中唯一时可只写类名。"),
        "/".join(EXAMPLE_CATEGORY),
    ),
    Column(
        "departments",
        "希望承办单位",
        False,
        gettext_lazy("选填。单位全称或简称，多个单位用顿号（、）隔开，供交办时参考。"),
        EXAMPLE_DEPARTMENT,
    ),
    Column(
        "external_number",
        "外部编号",
        True,
        gettext_lazy(
            "必填。此建议在来源表格中的编号，最多40字，同一会次内不能重复。再次导入同一文件时，据此识别已导入的建议，不会重复导入。"
        ),
        EXAMPLE_EXTERNAL_NUMBER,
    ),
    Column(
        "publish",
        "同意公开",
        False,
        gettext_lazy("选填。填“是”或“否”，不填视为“是”：答复后可在公开平台发布（不含代表联系方式）。"),
        "是",
    ),
)
HEADERS = {c.key: c.header for c in COLUMNS}


@dataclass(frozen=True)
class SheetLayout:
    """A kind of sheet: its columns, and the messages of read_rows that name what a row holds."""

    columns: tuple[Column, ...]
    unreadable: str  # the file is no readable .xlsx
    empty: str  # no header row
    header_only: str  # a header row and no data rows
    too_many: str  # over MAX_ROWS data rows; %(max)s

    @property
    def headers(self):
        return {c.key: c.header for c in self.columns}


LAYOUT = SheetLayout(
    columns=COLUMNS,
    unreadable=gettext_lazy(
        "无法读取此文件。请上传 Excel 工作簿（.xlsx 格式）；.xls、.csv、.et 等格式的表格，请先在 Excel 或 WPS 中"
        "“另存为” .xlsx 文件后再上传。没有导入任何建议。"
    ),
    empty=gettext_lazy("表格是空的：第一个工作表的第1行应为列名，从第2行起每行一件建议。请使用本页提供的导入模板。"),
    header_only=gettext_lazy("表格中只有列名，没有建议：请从第2行起每行填写一件建议。"),
    too_many=gettext_lazy("一次最多导入%(max)s件建议，此表格超过了%(max)s行。请分成几个文件导入。"),
)


class SheetRow(NamedTuple):
    number: int  # the row's number in the spreadsheet; the header is row 1
    cells: dict[str, Any]  # column key → the cell's value (None when empty or the column is absent)


@dataclass
class ValidRow:
    number: int
    session_id: int
    external_number: str
    title: str
    body: str
    suggestions: list[str]
    lead_id: int
    cosigner_ids: list[int]
    category_id: int
    department_ids: list[int]
    agrees_to_publish: bool | None  # None: the cell was empty, the default (yes) applies


@dataclass
class Validation:
    valid: list[ValidRow] = field(default_factory=list)  # rows to create
    unchanged: int = 0  # rows imported before with the same content
    errors: list[dict] = field(default_factory=list)


# --- the template -------------------------------------------------------------------------------


def build_template() -> bytes:
    """The .xlsx offered for download: the column names, the seed proposal as an example row,
    and a second sheet 填写说明 explaining each column."""
    widths = {"title": 40, "body": 60, "suggestions": 60, "session": 24, "category": 20, "departments": 24}
    notes = (
        _("第1行为列名，请勿修改；从第2行起每行填写一件建议。第2行是示例，导入前请删除。"),
        _("列的顺序可以调整，不需要的选填列可以删除；其他列会被忽略。只读取第一个工作表。"),
        _("导入前先校验全部行：只要有一行有错，就不导入任何建议，并列出每一处错误的行号和列名。"),
        _("导入的建议状态为“待审查”，由交办机构审查立案。最多%(n)s行。") % {"n": MAX_ROWS},
    )
    workbook = template_workbook("建议", COLUMNS, widths, notes)
    sheet = workbook.worksheets[0]
    # Every cell is text; Excel would otherwise turn an external number such as 001 into 1.
    external = openpyxl.utils.get_column_letter(_column_index("external_number"))
    for row in range(2, 1001):
        sheet[f"{external}{row}"].number_format = "@"
    publish = openpyxl.utils.get_column_letter(_column_index("publish"))
    choice = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    choice.add(f"{publish}2:{publish}{MAX_ROWS + 1}")
    sheet.add_data_validation(choice)
    return workbook_bytes(workbook)


def template_workbook(title, columns, widths, notes):
    """A template workbook: a sheet `title` with the column names in row 1 (required ones
    shaded) and the columns' examples in row 2; a second sheet 填写说明 explaining each column,
    followed by the lines of `notes`. `widths`: column key → width (default 16)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDECEA")
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([c.header for c in columns])
    sheet.append([c.example for c in columns])
    for index, column in enumerate(columns, 1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(column.key, 16)
        header = sheet.cell(row=1, column=index)
        header.font = bold
        if column.required:
            header.fill = fill
        sheet.cell(row=2, column=index).alignment = wrap
    sheet.freeze_panes = "A2"

    explained = workbook.create_sheet("填写说明")
    explained.append([_("列名"), _("是否必填"), _("填写说明")])
    for index in range(1, 4):
        explained.cell(row=1, column=index).font = bold
    for column in columns:
        explained.append([column.header, str(column.need()), str(column.help)])
    explained.append([])
    for line in notes:
        explained.append([str(line)])
    explained.column_dimensions["A"].width = 16
    explained.column_dimensions["B"].width = 14
    explained.column_dimensions["C"].width = 90
    for row in explained.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    return workbook


def workbook_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _column_index(key):
    return next(i for i, c in enumerate(COLUMNS, 1) if c.key == key)


# --- reading ------------------------------------------------------------------------------------


_HEADER_NOISE = re.compile(r"\s+|[*＊]|[（(][必选]填[)）]")


def _header_key(value, columns):
    if not isinstance(value, str):
        return None
    text = _HEADER_NOISE.sub("", value)
    return next((c.key for c in columns if c.header == text), None)


def _is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(fileobj, layout: SheetLayout = LAYOUT) -> list[SheetRow]:
    """The data rows of the first sheet, by the columns of `layout` (the proposal sheet unless
    told), or ImportFileError when the file cannot be used. Each row's `cells` holds the keys
    of the columns present in the header row."""
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:
        # A CSV or a picture renamed .xlsx, an old .xls, an encrypted or truncated workbook:
        # zipfile, XML and openpyxl raise a dozen different exceptions; all mean the same here.
        raise ImportFileError(str(layout.unreadable)) from None
    try:
        return _read_sheet(workbook, layout)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(str(layout.unreadable)) from None
    finally:
        workbook.close()


def _read_sheet(workbook, layout):
    if not workbook.worksheets:
        raise ImportFileError(_("表格中没有工作表。"))
    sheet = workbook.worksheets[0]
    # Some programs write a wrong dimension; read-only mode would stop at it and drop rows.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or all(_is_blank(v) for v in header):
        raise ImportFileError(str(layout.empty))
    positions = {}
    for index, value in enumerate(header):
        key = _header_key(value, layout.columns)
        if key is None:
            continue  # columns the import does not know are ignored
        if key in positions:
            raise ImportFileError(
                _("第1行的列名“%(name)s”出现了不止一次，请只保留一列。") % {"name": layout.headers[key]}
            )
        positions[key] = index
    missing = [c.header for c in layout.columns if c.required and c.key not in positions]
    if missing:
        raise ImportFileError(
            _("表格缺少必填的列：%(columns)s。第一个工作表的第1行应为列名，请使用本页提供的导入模板。")
            % {"columns": "、".join(missing)}
        )
    result = []
    for number, values in enumerate(rows, 2):
        cells = {key: values[index] if index < len(values) else None for key, index in positions.items()}
        if all(_is_blank(v) for v in cells.values()):
            continue  # Excel keeps formatted empty rows; they are not proposals
        if len(result) == MAX_ROWS:
            raise ImportFileError(str(layout.too_many) % {"max": MAX_ROWS})
        result.append(SheetRow(number, cells))
    if not result:
        raise ImportFileError(str(layout.header_only))
    return result


def runs_inline(fileobj) -> bool:
    """Whether the upload request itself may process the file: it has at most INLINE_MAX_ROWS
    data rows, or it is no workbook at all and fails at once. Anything else goes to the worker.
    Reads no more than a few hundred rows, so the answer is quick for any file."""
    fileobj.seek(0)
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:
        return True
    try:
        if not workbook.worksheets:
            return True
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # as read_rows does: the declared size may be wrong or missing
        data_rows = 0
        # The header row, then data rows; a long run of empty formatted rows also goes to the worker.
        for seen, values in enumerate(sheet.iter_rows(values_only=True)):
            if seen > 10 * INLINE_MAX_ROWS:
                return False
            if seen and not all(_is_blank(v) for v in values):
                data_rows += 1
                if data_rows > INLINE_MAX_ROWS:
                    return False
        return True
    except Exception:
        return True
    finally:
        workbook.close()
        fileobj.seek(0)


# --- converting cells ---------------------------------------------------------------------------


class RowErrors:
    """`add(key, message)` for one row: appends {"row", "column", "message"} to `errors`, the
    column named by its header in `headers` (the proposal sheet's unless told)."""

    def __init__(self, number, errors, headers=HEADERS):
        self.number, self.errors, self.headers, self.count = number, errors, headers, 0

    def __call__(self, key, message):
        self.errors.append({"row": self.number, "column": self.headers[key], "message": str(message)})
        self.count += 1


def sort_errors(errors, headers):
    """In row order, then column order; file-level errors (row None) first."""
    order = list(headers.values())
    errors.sort(key=lambda e: (e["row"] or 0, order.index(e["column"]) if e["column"] in order else len(order)))


def _describe(value):
    if isinstance(value, bool):
        return _("逻辑值 %(value)s") % {"value": "TRUE" if value else "FALSE"}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return _("日期或时间")
    if isinstance(value, int | float):
        return _("数字 %(value)s") % {"value": f"{value:g}" if isinstance(value, float) else value}
    return _("非文字内容")


def cell_text(row, key, add):
    """The cell as text ("" when empty), or None after reporting a cell that is not text.

    A number or a date where text is expected usually means shifted columns or Excel's own
    conversion, so it is reported rather than silently turned into text."""
    value = row.cells.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    add(
        key,
        _("此格是%(kind)s，应填写文字。请检查是否填错了列，或将此列的单元格格式设为“文本”后重新填写。")
        % {"kind": _describe(value)},
    )
    return None


def _external_number(row, add):
    value = row.cells.get("external_number")
    # Numbering is often typed as a number (53) and stored by Excel as 53 or 53.0.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return str(value)
    text = cell_text(row, "external_number", add)
    return None if text is None else normalize_space(text).replace("\n", " ")


_YES = {"是", "同意", "公开", "同意公开", "y", "yes", "true", "1"}
_NO = {"否", "不同意", "不公开", "n", "no", "false", "0"}


def _publish(row, add):
    value = row.cells.get("publish")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = cell_text(row, "publish", add)
    if text is None:
        return None
    text = text.lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    add("publish", _("请填写“是”或“否”（不填视为“是”），不能填写“%(value)s”。") % {"value": text})
    return None


_NAME_SEPARATORS = re.compile(r"[、，,;；\n]+")
# A leading list marker on a line of 具体建议: 1. 1、 1) (1) 一、 （一） 第一，
_MARKER = re.compile(
    r"^(?:[（(]\s*(?:[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})\s*[）)]"
    r"|(?:[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})\s*(?:[、.．](?![0-9０-９])|[)）])"
    r"|第[一二三四五六七八九十]{1,3}[，,、：:])\s*"
)


_CATEGORY_SEPARATOR = re.compile(r"[/／›>]")


def _split_category(text):
    """(aspect, class) for 方面/类; ("", class) for a class name alone."""
    aspect, _sep, name = _CATEGORY_SEPARATOR.sub("/", text).rpartition("/")
    return aspect, name


def split_names(text):
    """The names in a cell listing several: separated by 、，,;； or line breaks."""
    return [n.strip() for n in _NAME_SEPARATORS.split(text) if n.strip()]


def split_suggestions(text: str) -> list[str]:
    """The suggestions of a 具体建议 cell: a numbered list (as in a proposal's body), or one
    suggestion per line with or without its number."""
    text = normalize_space(text)
    if not text:
        return []
    items = extract_suggestions(text)
    if len(items) == 1:
        items = [_MARKER.sub("", line, count=1) for line in items[0].split("\n")]
    return [s for s in (normalize_space(item) for item in items) if s]


# --- what the names in the sheet refer to ---------------------------------------------------------


def load_sessions():
    """{session name: id}, for session_cell."""
    return dict(Session.objects.values_list("name", "id"))


def session_cell(row, sessions, add):
    """The id of the session named in the row's 会次 cell, or None after reporting it."""
    session = cell_text(row, "session", add)
    if session == "":
        add("session", _("请填写会次。"))
        return None
    if session is None:
        return None
    session_id = sessions.get(normalize_space(session))
    if session_id is None:
        add("session", _("没有名为“%(name)s”的会次，请填写系统中已有会次的全称。") % {"name": session})
    return session_id


class DepartmentNames:
    """Departments by full name or short name, loaded in one query.

    With `active_only` a department no longer in use is unknown; without, it is found (so that
    the caller can say it is no longer in use), though a short name shared with a department
    in use means the one in use."""

    def __init__(self, *, active_only=True):
        departments = Department.objects.all()
        if active_only:
            departments = departments.filter(is_active=True)
        self.by_pk = {}
        self.by_name = {}
        self.by_short_name = defaultdict(list)
        for department in departments:
            self.by_pk[department.pk] = department
            self.by_name[department.name] = department
            self.by_short_name[department.short_name].append(department)

    def find(self, text):
        """(department, None) or (None, message) for a name as typed."""
        if text in self.by_name:
            return self.by_name[text], None
        found = self.by_short_name.get(text, [])
        if len(found) > 1:
            found = [d for d in found if d.is_active] or found
        if len(found) == 1:
            return found[0], None
        if found:
            return None, _("简称“%(name)s”对应多个单位，请填写单位全称。") % {"name": text}
        return None, _("没有名为“%(name)s”的承办单位。") % {"name": text}


class _Directory:
    """Sessions, deputies, categories and departments, loaded once for the whole file."""

    def __init__(self):
        self.sessions = load_sessions()
        self.session_names = {pk: name for name, pk in self.sessions.items()}
        self.deputies = defaultdict(list)  # name → [(id, delegation name)] of deputies in office
        self.former_deputies = set()
        for pk, name, delegation, active in Deputy.objects.values_list("id", "name", "delegation__name", "is_active"):
            if active:
                self.deputies[name].append((pk, delegation or ""))
            else:
                self.former_deputies.add(name)
        self.other_users = set(User.objects.exclude(role=Role.DEPUTY).values_list("full_name", flat=True))
        self.classes = {}  # (aspect, class) → id
        self.classes_by_name = defaultdict(list)  # class → [aspect]
        self.aspects = defaultdict(list)  # aspect → [class]
        for pk, name, parent, active, parent_active in Category.objects.values_list(
            "id", "name", "parent__name", "is_active", "parent__is_active"
        ):
            if parent is None:
                self.aspects.setdefault(name, [])
            elif active and parent_active:
                self.classes[(parent, name)] = pk
                self.classes_by_name[name].append(parent)
                self.aspects[parent].append(name)
        self.departments = DepartmentNames()

    def deputy(self, text):
        """(id, None) or (None, message) for a name as typed: 王伟, or 王伟（长春代表团）."""
        text = normalize_space(text).replace("(", "（").replace(")", "）")
        name, _sep, rest = text.partition("（")
        name, delegation = name.strip(), rest.rstrip("）").strip()
        found = self.deputies.get(name, [])
        if delegation:
            found = [d for d in found if d[1] == delegation]
        if len(found) == 1:
            return found[0][0], None
        if found:
            return None, _("有多位名为“%(name)s”的代表，请注明代表团，如：%(name)s（%(delegation)s）。") % {
                "name": name,
                "delegation": found[0][1] or _("某代表团"),
            }
        if delegation and name in self.deputies:
            return None, _("%(delegation)s没有名为“%(name)s”的在任代表。") % {"name": name, "delegation": delegation}
        if name in self.former_deputies:
            return None, _("“%(name)s”已不是在任代表。") % {"name": name}
        if name in self.other_users:
            return None, _("“%(name)s”不是人大代表。") % {"name": name}
        return None, _("没有找到名为“%(name)s”的在任代表。") % {"name": text}

    def category(self, text):
        text = normalize_space(text).replace(" ", "")
        aspect, name = _split_category(text)
        if aspect:
            if (aspect, name) in self.classes:
                return self.classes[(aspect, name)], None
            if aspect not in self.aspects:
                return None, _("没有名为“%(aspect)s”的方面。") % {"aspect": aspect}
            return None, _("“%(aspect)s”方面下没有“%(name)s”类。") % {"aspect": aspect, "name": name}
        aspects = self.classes_by_name.get(name, [])
        if len(aspects) == 1:
            return self.classes[(aspects[0], name)], None
        if aspects:
            return None, _("有多个名为“%(name)s”的类（%(aspects)s），请写成“方面/类”，如：%(example)s。") % {
                "name": name,
                "aspects": "、".join(aspects),
                "example": f"{aspects[0]}/{name}",
            }
        if name in self.aspects:
            classes = self.aspects[name]
            return None, _("“%(name)s”是方面，请填写其下的类，如：%(example)s。") % {
                "name": name,
                "example": f"{name}/{classes[0] if classes else '…'}",
            }
        return None, _("没有名为“%(name)s”的分类。") % {"name": name}


# --- validation ---------------------------------------------------------------------------------


def validate_rows(rows: list[SheetRow], *, report=None) -> Validation:
    """Check every row; `report(n)` is called every PROGRESS_EVERY rows with the rows done."""
    directory = _Directory()
    result = Validation()
    candidates = []
    for done, row in enumerate(rows, 1):
        candidate = _validate_row(row, directory, result.errors)
        if candidate is not None:
            candidates.append(candidate)
        if report and done % PROGRESS_EVERY == 0:
            report(done)

    seen = {}  # (session, external number) → first row
    unique = []
    for row in candidates:
        key = (row.session_id, row.external_number)
        if key in seen:
            result.errors.append(
                {
                    "row": row.number,
                    "column": HEADERS["external_number"],
                    "message": _("外部编号“%(number)s”与第%(row)s行重复。")
                    % {"number": row.external_number, "row": seen[key]},
                }
            )
        else:
            seen[key] = row.number
            unique.append(row)

    existing = _existing(unique)
    for row in unique:
        before = existing.get((row.session_id, row.external_number))
        if before is None:
            result.valid.append(row)
            continue
        differences = _differences(row, before)
        if not differences:
            result.unchanged += 1
            continue
        result.errors.append(
            {
                "row": row.number,
                "column": HEADERS["external_number"],
                "message": _(
                    "外部编号“%(number)s”在%(session)s中已经导入过（《%(title)s》），但本行的%(columns)s与已导入的不同。"
                    "重复导入不会修改已有建议：如需修改，请在系统中修改该建议；如是另一件建议，请换用新的外部编号。"
                )
                % {
                    "number": row.external_number,
                    "session": directory.session_names[row.session_id],
                    "title": before["title"],
                    "columns": "、".join(differences),
                },
            }
        )
    sort_errors(result.errors, HEADERS)
    return result


def _validate_row(row, directory, errors):
    """A ValidRow, or None after adding the row's errors to `errors`."""
    add = RowErrors(row.number, errors)

    session_id = session_cell(row, directory.sessions, add)

    lead_id = None
    lead = cell_text(row, "lead", add)
    if lead == "":
        add("lead", _("请填写领衔代表。"))
    elif lead is not None:
        names = split_names(lead)
        if not names:
            add("lead", _("请填写领衔代表。"))
        elif len(names) > 1:
            add("lead", _("领衔代表只能有一位，其他代表请填在“联名代表”列。"))
        else:
            lead_id, message = directory.deputy(names[0])
            if message:
                add("lead", message)

    cosigner_ids = []
    cosigners = cell_text(row, "cosigners", add)
    for name in split_names(cosigners or ""):
        pk, message = directory.deputy(name)
        if message:
            add("cosigners", message)
        elif pk != lead_id and pk not in cosigner_ids:  # the lead signs anyway; a name twice counts once
            cosigner_ids.append(pk)

    title = cell_text(row, "title", add)
    if title is not None:
        title = normalize_title(title)
        if not title:
            add("title", _("请填写标题。"))
        elif len(title) > MAX_TITLE_CHARS:
            add("title", _("标题最多%(max)s字（现为%(n)s字）。") % {"max": MAX_TITLE_CHARS, "n": len(title)})

    body = cell_text(row, "body", add)
    if body is not None:
        body = normalize_space(body)
        if not body:
            add("body", _("请填写正文。"))
        elif len(body) > MAX_BODY_CHARS:
            add("body", _("正文最多%(max)s字（现为%(n)s字）。") % {"max": MAX_BODY_CHARS, "n": len(body)})

    suggestions = cell_text(row, "suggestions", add)
    if suggestions is not None:
        suggestions = split_suggestions(suggestions)
        if not suggestions:
            add("suggestions", _("请至少填写一条具体建议。"))
        elif len(suggestions) > MAX_SUGGESTIONS:
            counts = {"max": MAX_SUGGESTIONS, "n": len(suggestions)}
            add("suggestions", _("具体建议最多%(max)s条（现为%(n)s条）。") % counts)
        for i, text in enumerate(suggestions, 1):
            if len(text) > MAX_SUGGESTION_CHARS:
                counts = {"i": i, "max": MAX_SUGGESTION_CHARS, "n": len(text)}
                add("suggestions", _("第%(i)s条建议超过%(max)s字（现为%(n)s字）。") % counts)

    category_id = None
    category = cell_text(row, "category", add)
    if category == "":
        add("category", _("请填写分类。"))
    elif category is not None:
        category_id, message = directory.category(category)
        if message:
            add("category", message)

    department_ids = []
    for name in split_names(cell_text(row, "departments", add) or ""):
        department, message = directory.departments.find(name)
        if message:
            add("departments", message)
        elif department.pk not in department_ids:
            department_ids.append(department.pk)

    external_number = _external_number(row, add)
    if external_number == "":
        add("external_number", _("请填写外部编号：再次导入时据此识别已导入的建议。"))
    elif external_number is not None and len(external_number) > MAX_EXTERNAL_NUMBER_CHARS:
        add("external_number", _("外部编号最多%(max)s字。") % {"max": MAX_EXTERNAL_NUMBER_CHARS})

    agrees_to_publish = _publish(row, add)
    if add.count:
        return None
    return ValidRow(
        number=row.number,
        session_id=session_id,
        external_number=external_number,
        title=title,
        body=body,
        suggestions=suggestions,
        lead_id=lead_id,
        cosigner_ids=cosigner_ids,
        category_id=category_id,
        department_ids=department_ids,
        agrees_to_publish=agrees_to_publish,
    )


_COMPARED_FIELDS = (
    "id",
    "session_id",
    "external_number",
    "title",
    "body",
    "lead_deputy_id",
    "category_id",
    "agrees_to_publish",
)


def _existing(rows):
    """What was imported before under the rows' external numbers, in four queries:
    {(session id, external number): {"title": …, "suggestions": […], …}}."""
    if not rows:
        return {}
    wanted = {(r.session_id, r.external_number) for r in rows}
    proposals = {}
    candidates = Proposal.objects.filter(
        session_id__in={s for s, _n in wanted}, external_number__in={n for _s, n in wanted}
    ).values(*_COMPARED_FIELDS)
    for values in candidates:
        if (values["session_id"], values["external_number"]) in wanted:
            proposals[values["id"]] = {**values, "suggestions": [], "departments": set(), "cosigners": set()}
    if not proposals:
        return {}
    ids = list(proposals)
    suggestions = Suggestion.objects.filter(proposal_id__in=ids).order_by("position")
    for pk, text in suggestions.values_list("proposal_id", "text"):
        proposals[pk]["suggestions"].append(text)
    through = Proposal.hoped_departments.through
    for pk, department in through.objects.filter(proposal_id__in=ids).values_list("proposal_id", "department_id"):
        proposals[pk]["departments"].add(department)
    for pk, deputy in (
        CoSigner.objects.filter(proposal_id__in=ids)
        .exclude(status=CoSigner.Status.DECLINED)
        .values_list("proposal_id", "deputy_id")
    ):
        proposals[pk]["cosigners"].add(deputy)
    return {(p["session_id"], p["external_number"]): p for p in proposals.values()}


def _differences(row, before):
    """The names of the columns whose content differs from what was imported before."""
    checks = [
        ("lead", row.lead_id == before["lead_deputy_id"]),
        ("cosigners", set(row.cosigner_ids) == before["cosigners"]),
        ("title", row.title == before["title"]),
        ("body", row.body == before["body"]),
        ("suggestions", row.suggestions == before["suggestions"]),
        ("category", row.category_id == before["category_id"]),
        ("departments", set(row.department_ids) == before["departments"]),
        ("publish", row.agrees_to_publish is None or row.agrees_to_publish == before["agrees_to_publish"]),
    ]
    return [HEADERS[key] for key, same in checks if not same]


# --- the import ---------------------------------------------------------------------------------


def _search_text(title, suggestions):
    # The same text the services keep for full-text search.
    return "\n".join([title, *suggestions])


@transaction.atomic
def import_rows(rows: list[ValidRow], *, actor, batch_id=None, report=None) -> list[Proposal]:
    """Create the validated rows' proposals in one transaction with one INSERT per table.

    Imported proposals are submitted for review at once, and their co-signers confirmed: the
    office imports what deputies have already signed. `report(n)` is called every
    PROGRESS_EVERY rows prepared."""
    now = timezone.now()
    proposals = [
        Proposal(
            session_id=row.session_id,
            title=row.title,
            body=row.body,
            lead_deputy_id=row.lead_id,
            category_id=row.category_id,
            agrees_to_publish=True if row.agrees_to_publish is None else row.agrees_to_publish,
            status=Proposal.Status.SUBMITTED,
            channel=Proposal.Channel.IMPORT,
            external_number=row.external_number,
            search_text=_search_text(row.title, row.suggestions),
            created_by=actor,
            submitted_at=now,
        )
        for row in rows
    ]
    Proposal.objects.bulk_create(proposals)

    suggestions, departments, cosigners, events = [], [], [], []
    through = Proposal.hoped_departments.through
    message = _("由表格导入")
    for done, (row, proposal) in enumerate(zip(rows, proposals, strict=True), 1):
        suggestions += [Suggestion(proposal=proposal, position=i, text=t) for i, t in enumerate(row.suggestions, 1)]
        departments += [through(proposal=proposal, department_id=pk) for pk in row.department_ids]
        cosigners += [
            CoSigner(proposal=proposal, deputy_id=pk, status=CoSigner.Status.CONFIRMED, responded_at=now)
            for pk in row.cosigner_ids
        ]
        events.append(
            ProposalEvent(
                proposal=proposal,
                kind=ProposalEvent.Kind.IMPORTED,
                actor=actor,
                to_status=Proposal.Status.SUBMITTED,
                message=message,
                details={
                    "batch": batch_id,
                    "row": row.number,
                    "external_number": row.external_number,
                    "title": row.title,
                    "body": row.body,
                    "suggestions": row.suggestions,
                },
            )
        )
        if report and done % PROGRESS_EVERY == 0:
            report(done)
    Suggestion.objects.bulk_create(suggestions)
    through.objects.bulk_create(departments)
    CoSigner.objects.bulk_create(cosigners)
    ProposalEvent.objects.bulk_create(events)
    return proposals


# --- batches ------------------------------------------------------------------------------------


def _original_name(name):
    name = re.split(r"[/\\]", name or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:120] or _("未命名.xlsx")


def create_batch(fileobj, original_name, uploaded_by, kind=ImportBatch.Kind.PROPOSALS) -> ImportBatch:
    """Keep the uploaded file under a random name and record a pending batch of `kind` for it."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    stored = default_storage.save(f"imports/{today:%Y}/{today:%m}/{secrets.token_hex(16)}.xlsx", fileobj)
    return ImportBatch.objects.create(
        kind=kind, file=stored, original_name=_original_name(original_name), uploaded_by=uploaded_by
    )


class _ProgressWriter:
    """Writes a batch's processed_rows on a database connection of its own, which commits each
    UPDATE at once, so a polling page sees progress while the import's transaction is open.
    It only ever runs before the import touches the batch row, so it never waits on its lock."""

    def __init__(self, batch_id):
        self.batch_id = batch_id
        self.connection = None
        self.broken = False

    def __call__(self, processed_rows):
        if self.broken:
            return
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET processed_rows = %s WHERE id = %s",  # noqa: S608 - the model's table  # nosec B608
                    [processed_rows, self.batch_id],
                )
        except Exception:
            # Progress is only for show: a busy connection pool must not fail the import.
            logger.warning("import batch %s: progress not written", self.batch_id, exc_info=True)
            self.broken = True

    def close(self):
        if self.connection is not None:
            self.connection.close()


def _finish(batch_id, status, **fields):
    ImportBatch.objects.filter(pk=batch_id).update(status=status, finished_at=timezone.now(), **fields)


def _file_error(message):
    return [{"row": None, "column": "", "message": str(message)}]


@dataclass(frozen=True)
class Pipeline:
    """What process_batch runs for one kind of batch."""

    read: Callable[..., list[SheetRow]]  # (fileobj) → rows; raises ImportFileError
    validate: Callable[..., Any]  # (rows, *, report) → a Validation (valid, unchanged, errors)
    # (valid rows, *, actor, batch_id, report) → how many were created; raises ImportConflict.
    # Runs inside process_batch's transaction.
    import_valid: Callable[..., int]
    failure: str  # the message for an unexpected error: nothing was imported


def _import_proposals(rows, *, actor, batch_id, report):
    try:
        return len(import_rows(rows, actor=actor, batch_id=batch_id, report=report))
    except IntegrityError:
        # Another batch imported some of the same external numbers after this one validated.
        raise ImportConflict(
            _(
                "导入时发现其他批次刚刚导入了相同外部编号的建议，本批次没有导入任何建议。请重新上传此文件："
                "已导入的行会被识别为“已存在未变”。"
            )
        ) from None


PIPELINE = Pipeline(
    read=read_rows,
    validate=validate_rows,
    import_valid=_import_proposals,
    failure=gettext_lazy("导入时发生系统错误，没有导入任何建议。请稍后重试，或联系系统管理员。"),
)


def pipeline_for(kind) -> Pipeline:
    if kind == ImportBatch.Kind.ASSIGNMENTS:
        from . import assignment_import  # it builds on this module

        return assignment_import.PIPELINE
    return PIPELINE


def process_batch(batch_id: int) -> bool:
    """Validate and import a pending batch by the pipeline of its kind; False when it was not
    pending (already taken by another run, or finished), so running it twice imports nothing
    twice.

    A worker that dies mid-run leaves the batch "running"; nothing was imported (one
    transaction), and the coordinator uploads the file again."""
    Status = ImportBatch.Status
    if not ImportBatch.objects.filter(pk=batch_id, status=Status.PENDING).update(status=Status.RUNNING):
        return False
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    pipeline = pipeline_for(batch.kind)
    progress = _ProgressWriter(batch_id)
    try:
        with batch.file.open("rb") as fileobj:
            rows = pipeline.read(fileobj)
        total = len(rows)
        half = total // 2
        ImportBatch.objects.filter(pk=batch_id).update(total_rows=total)
        validation = pipeline.validate(rows, report=lambda done: progress(done * half // total))
        if validation.errors:
            _finish(
                batch_id,
                Status.INVALID,
                processed_rows=total,
                errors=validation.errors,
                unchanged_count=validation.unchanged,
            )
            return True
        with transaction.atomic():
            created = pipeline.import_valid(
                validation.valid,
                actor=batch.uploaded_by,
                batch_id=batch_id,
                report=lambda done: progress(half + done * (total - half) // total),
            )
            _finish(
                batch_id,
                Status.DONE,
                processed_rows=total,
                created_count=created,
                unchanged_count=validation.unchanged,
                errors=[],
            )
    except ImportFileError as error:
        _finish(batch_id, Status.INVALID, errors=_file_error(error.message))
    except ImportConflict as error:
        _finish(batch_id, Status.FAILED, errors=_file_error(error.message))
    except Exception:
        logger.exception("import batch %s failed", batch_id)
        _finish(batch_id, Status.FAILED, errors=_file_error(pipeline.failure))
    finally:
        progress.close()
    return True
