"""Importing proposals from a spreadsheet (.xlsx): validate every row first, then import all
rows or none.

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
upload page (small files), the worker (large files) and the management command all call it.

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


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the spreadsheet's column name: fixed Chinese, whatever the UI language
    required: bool  # the column must be present in the header row
    help: str
    example: str


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
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "建议"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDECEA")
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([c.header for c in COLUMNS])
    sheet.append([c.example for c in COLUMNS])
    widths = {"title": 40, "body": 60, "suggestions": 60, "session": 24, "category": 20, "departments": 24}
    for index, column in enumerate(COLUMNS, 1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(column.key, 16)
        header = sheet.cell(row=1, column=index)
        header.font = bold
        if column.required:
            header.fill = fill
        sheet.cell(row=2, column=index).alignment = wrap
    sheet.freeze_panes = "A2"
    # Every cell is text; Excel would otherwise turn an external number such as 001 into 1.
    external = openpyxl.utils.get_column_letter(_column_index("external_number"))
    for row in range(2, 1001):
        sheet[f"{external}{row}"].number_format = "@"
    publish = openpyxl.utils.get_column_letter(_column_index("publish"))
    choice = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    choice.add(f"{publish}2:{publish}{MAX_ROWS + 1}")
    sheet.add_data_validation(choice)

    notes = workbook.create_sheet("填写说明")
    notes.append([_("列名"), _("是否必填"), _("填写说明")])
    for index in range(1, 4):
        notes.cell(row=1, column=index).font = bold
    for column in COLUMNS:
        notes.append([column.header, _("必填") if column.required else _("选填"), str(column.help)])
    notes.append([])
    for line in (
        _("第1行为列名，请勿修改；从第2行起每行填写一件建议。第2行是示例，导入前请删除。"),
        _("列的顺序可以调整，不需要的选填列可以删除；其他列会被忽略。只读取第一个工作表。"),
        _("导入前先校验全部行：只要有一行有错，就不导入任何建议，并列出每一处错误的行号和列名。"),
        _("导入的建议状态为“待审查”，由交办机构审查立案。最多%(n)s行。") % {"n": MAX_ROWS},
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _column_index(key):
    return next(i for i, c in enumerate(COLUMNS, 1) if c.key == key)


# --- reading ------------------------------------------------------------------------------------


def _not_an_xlsx():
    return ImportFileError(
        _(
            "无法读取此文件。请上传 Excel 工作簿（.xlsx 格式）；.xls、.csv、.et 等格式的表格，请先在 Excel 或 WPS 中"
            "“另存为” .xlsx 文件后再上传。没有导入任何建议。"
        )
    )


_HEADER_NOISE = re.compile(r"\s+|[*＊]|[（(][必选]填[)）]")


def _header_key(value):
    if not isinstance(value, str):
        return None
    text = _HEADER_NOISE.sub("", value)
    return next((c.key for c in COLUMNS if c.header == text), None)


def _is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(fileobj) -> list[SheetRow]:
    """The data rows of the first sheet, or ImportFileError when the file cannot be used."""
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:
        # A CSV or a picture renamed .xlsx, an old .xls, an encrypted or truncated workbook:
        # zipfile, XML and openpyxl raise a dozen different exceptions; all mean the same here.
        raise _not_an_xlsx() from None
    try:
        return _read_sheet(workbook)
    except ImportFileError:
        raise
    except Exception:
        raise _not_an_xlsx() from None
    finally:
        workbook.close()


def _read_sheet(workbook):
    if not workbook.worksheets:
        raise ImportFileError(_("表格中没有工作表。"))
    sheet = workbook.worksheets[0]
    # Some programs write a wrong dimension; read-only mode would stop at it and drop rows.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or all(_is_blank(v) for v in header):
        raise ImportFileError(
            _("表格是空的：第一个工作表的第1行应为列名，从第2行起每行一件建议。请使用本页提供的导入模板。")
        )
    positions = {}
    for index, value in enumerate(header):
        key = _header_key(value)
        if key is None:
            continue  # columns the import does not know are ignored
        if key in positions:
            raise ImportFileError(_("第1行的列名“%(name)s”出现了不止一次，请只保留一列。") % {"name": HEADERS[key]})
        positions[key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
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
            raise ImportFileError(
                _("一次最多导入%(max)s件建议，此表格超过了%(max)s行。请分成几个文件导入。") % {"max": MAX_ROWS}
            )
        result.append(SheetRow(number, cells))
    if not result:
        raise ImportFileError(_("表格中只有列名，没有建议：请从第2行起每行填写一件建议。"))
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


class _RowErrors:
    def __init__(self, number, errors):
        self.number, self.errors, self.count = number, errors, 0

    def __call__(self, key, message):
        self.errors.append({"row": self.number, "column": HEADERS[key], "message": str(message)})
        self.count += 1


def _describe(value):
    if isinstance(value, bool):
        return _("逻辑值 %(value)s") % {"value": "TRUE" if value else "FALSE"}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return _("日期或时间")
    if isinstance(value, int | float):
        return _("数字 %(value)s") % {"value": f"{value:g}" if isinstance(value, float) else value}
    return _("非文字内容")


def _text(row, key, add):
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
    text = _text(row, "external_number", add)
    return None if text is None else normalize_space(text).replace("\n", " ")


_YES = {"是", "同意", "公开", "同意公开", "y", "yes", "true", "1"}
_NO = {"否", "不同意", "不公开", "n", "no", "false", "0"}


def _publish(row, add):
    value = row.cells.get("publish")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _text(row, "publish", add)
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


def _split_names(text):
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


class _Directory:
    """Sessions, deputies, categories and departments, loaded once for the whole file."""

    def __init__(self):
        self.sessions = dict(Session.objects.values_list("name", "id"))
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
        self.departments = {}  # full name → id
        self.departments_by_short_name = defaultdict(list)
        for pk, name, short_name in Department.objects.filter(is_active=True).values_list("id", "name", "short_name"):
            self.departments[name] = pk
            self.departments_by_short_name[short_name].append(pk)

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

    def department(self, text):
        if text in self.departments:
            return self.departments[text], None
        found = self.departments_by_short_name.get(text, [])
        if len(found) == 1:
            return found[0], None
        if found:
            return None, _("简称“%(name)s”对应多个单位，请填写单位全称。") % {"name": text}
        return None, _("没有名为“%(name)s”的承办单位。") % {"name": text}


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
    result.errors.sort(key=lambda e: (e["row"] or 0, list(HEADERS.values()).index(e["column"])))
    return result


def _validate_row(row, directory, errors):
    """A ValidRow, or None after adding the row's errors to `errors`."""
    add = _RowErrors(row.number, errors)

    session_id = None
    session = _text(row, "session", add)
    if session == "":
        add("session", _("请填写会次。"))
    elif session is not None:
        session_id = directory.sessions.get(normalize_space(session))
        if session_id is None:
            add("session", _("没有名为“%(name)s”的会次，请填写系统中已有会次的全称。") % {"name": session})

    lead_id = None
    lead = _text(row, "lead", add)
    if lead == "":
        add("lead", _("请填写领衔代表。"))
    elif lead is not None:
        names = _split_names(lead)
        if not names:
            add("lead", _("请填写领衔代表。"))
        elif len(names) > 1:
            add("lead", _("领衔代表只能有一位，其他代表请填在“联名代表”列。"))
        else:
            lead_id, message = directory.deputy(names[0])
            if message:
                add("lead", message)

    cosigner_ids = []
    cosigners = _text(row, "cosigners", add)
    for name in _split_names(cosigners or ""):
        pk, message = directory.deputy(name)
        if message:
            add("cosigners", message)
        elif pk != lead_id and pk not in cosigner_ids:  # the lead signs anyway; a name twice counts once
            cosigner_ids.append(pk)

    title = _text(row, "title", add)
    if title is not None:
        title = normalize_title(title)
        if not title:
            add("title", _("请填写标题。"))
        elif len(title) > MAX_TITLE_CHARS:
            add("title", _("标题最多%(max)s字（现为%(n)s字）。") % {"max": MAX_TITLE_CHARS, "n": len(title)})

    body = _text(row, "body", add)
    if body is not None:
        body = normalize_space(body)
        if not body:
            add("body", _("请填写正文。"))
        elif len(body) > MAX_BODY_CHARS:
            add("body", _("正文最多%(max)s字（现为%(n)s字）。") % {"max": MAX_BODY_CHARS, "n": len(body)})

    suggestions = _text(row, "suggestions", add)
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
    category = _text(row, "category", add)
    if category == "":
        add("category", _("请填写分类。"))
    elif category is not None:
        category_id, message = directory.category(category)
        if message:
            add("category", message)

    department_ids = []
    for name in _split_names(_text(row, "departments", add) or ""):
        pk, message = directory.department(name)
        if message:
            add("departments", message)
        elif pk not in department_ids:
            department_ids.append(pk)

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
    # The same text services keep for similarity search.
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


def create_batch(fileobj, original_name, uploaded_by) -> ImportBatch:
    """Keep the uploaded file under a random name and record a pending batch for it."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    stored = default_storage.save(f"imports/{today:%Y}/{today:%m}/{secrets.token_hex(16)}.xlsx", fileobj)
    return ImportBatch.objects.create(file=stored, original_name=_original_name(original_name), uploaded_by=uploaded_by)


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
                    f"UPDATE {ImportBatch._meta.db_table} SET processed_rows = %s WHERE id = %s",  # noqa: S608
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


def process_batch(batch_id: int) -> bool:
    """Validate and import a pending batch; False when it was not pending (already taken by
    another run, or finished), so running it twice imports nothing twice.

    A worker that dies mid-run leaves the batch "running"; nothing was imported (one
    transaction), and the coordinator uploads the file again."""
    Status = ImportBatch.Status
    if not ImportBatch.objects.filter(pk=batch_id, status=Status.PENDING).update(status=Status.RUNNING):
        return False
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    progress = _ProgressWriter(batch_id)
    try:
        with batch.file.open("rb") as fileobj:
            rows = read_rows(fileobj)
        total = len(rows)
        half = total // 2
        ImportBatch.objects.filter(pk=batch_id).update(total_rows=total)
        validation = validate_rows(rows, report=lambda done: progress(done * half // total))
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
            created = import_rows(
                validation.valid,
                actor=batch.uploaded_by,
                batch_id=batch_id,
                report=lambda done: progress(half + done * (total - half) // total),
            )
            _finish(
                batch_id,
                Status.DONE,
                processed_rows=total,
                created_count=len(created),
                unchanged_count=validation.unchanged,
                errors=[],
            )
    except ImportFileError as error:
        _finish(batch_id, Status.INVALID, errors=_file_error(error.message))
    except IntegrityError:
        # Another batch imported some of the same external numbers after this one validated.
        _finish(
            batch_id,
            Status.FAILED,
            errors=_file_error(
                _(
                    "导入时发现其他批次刚刚导入了相同外部编号的建议，本批次没有导入任何建议。请重新上传此文件："
                    "已导入的行会被识别为“已存在未变”。"
                )
            ),
        )
    except Exception:
        logger.exception("import batch %s failed", batch_id)
        _finish(
            batch_id,
            Status.FAILED,
            errors=_file_error(_("导入时发生系统错误，没有导入任何建议。请稍后重试，或联系系统管理员。")),
        )
    finally:
        progress.close()
    return True
