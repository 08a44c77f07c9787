"""Importing assignment plans (交办方案) from a spreadsheet: one row per proposal, naming the
departments of each mode. Validate every row first, then assign all rows or none.

The generic parts (reading the sheet, the cell helpers, the error format, the batch, its
progress and the claim in process_batch) are proposals.importing's; this module supplies the
columns, the validation and the import, as PIPELINE, which process_batch runs for a batch of
kind "assignments".

1. `read_rows(file)`: 会次 and 建议号 are required columns, and at least one of the four
   department columns.
2. `validate_rows(rows)`: each row's plan must pass assigning.check_plan; the proposal must
   exist in the session under that number and be registered (已立案) and not yet assigned; a
   proposal already assigned with exactly the same plan counts as unchanged, with another plan
   it is an error; a number twice in the file is an error. A few queries for the whole file.
3. `import_rows(valid, …)`: rows grouped by identical plan, `assigning.bulk_assign` once per
   group, all in one transaction: deadlines, events and notifications come from the one place
   that assigns.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import assigning
from .demo import SESSION_NAME
from .importing import (
    MAX_ROWS,
    PROGRESS_EVERY,
    Column,
    DepartmentNames,
    ImportConflict,
    ImportFileError,
    Pipeline,
    RowErrors,
    SheetLayout,
    SheetRow,
    Validation,
    cell_text,
    load_sessions,
    session_cell,
    sort_errors,
    split_names,
    template_workbook,
    workbook_bytes,
)
from .importing import read_rows as read_sheet
from .models import Assignment, Proposal
from .services import ProposalError

Mode = Assignment.Mode
TEMPLATE_FILENAME = "交办方案导入模板.xlsx"

# The example row names demo departments (proposals.demo); tests create the data it names.
EXAMPLE_NUMBER = 1
EXAMPLE_LEAD = "吉林省科学技术厅"
EXAMPLE_COHANDLER = "省教育厅"
EXAMPLE_REFERENCE = "省人社厅"

_SEVERAL = gettext_lazy("单位全称或简称均可，多个单位用顿号（、）、逗号、分号或换行隔开。")

COLUMNS = (
    Column("session", "会次", True, gettext_lazy("必填。会议全称，与系统中“会次”的名称完全一致。"), SESSION_NAME),
    Column(
        "number",
        "建议号",
        True,
        gettext_lazy(
            "必填。建议立案时编定的号，写作 53 或“第53号”均可。只能交办本会次已立案、尚未交办的建议，每件建议只写一行。"
        ),
        EXAMPLE_NUMBER,
    ),
    Column(
        "lead",
        "主办单位",
        False,
        gettext_lazy("只写一个单位，负责答复代表，并汇总协办单位的意见。单位全称或简称均可。"),
        EXAMPLE_LEAD,
        requirement=gettext_lazy("不分办时必填"),
    ),
    Column(
        "cohandlers",
        "协办单位",
        False,
        format_lazy("{}{}", gettext_lazy("选填。向主办单位提出协办意见，须同时填写主办单位。"), _SEVERAL),
        EXAMPLE_COHANDLER,
    ),
    Column(
        "separate",
        "分办单位",
        False,
        format_lazy(
            "{}{}",
            gettext_lazy("选填。由几个单位分别答复各自部分时填写；填写分办单位时，不填主办单位和协办单位。"),
            _SEVERAL,
        ),
        "",
    ),
    Column(
        "reference",
        "参阅单位",
        False,
        format_lazy("{}{}", gettext_lazy("选填。供参阅，无需答复。"), _SEVERAL),
        EXAMPLE_REFERENCE,
    ),
)
HEADERS = {c.key: c.header for c in COLUMNS}
MODE_COLUMNS = (
    ("lead", Mode.LEAD),
    ("cohandlers", Mode.COHANDLER),
    ("separate", Mode.SEPARATE),
    ("reference", Mode.REFERENCE),
)

LAYOUT = SheetLayout(
    columns=COLUMNS,
    unreadable=gettext_lazy(
        "无法读取此文件。请上传 Excel 工作簿（.xlsx 格式）；.xls、.csv、.et 等格式的表格，请先在 Excel 或 WPS 中"
        "“另存为” .xlsx 文件后再上传。没有交办任何建议。"
    ),
    empty=gettext_lazy(
        "表格是空的：第一个工作表的第1行应为列名，从第2行起每行一件建议的交办方案。请使用本页提供的导入模板。"
    ),
    header_only=gettext_lazy("表格中只有列名，没有交办方案：请从第2行起每行填写一件建议的交办方案。"),
    too_many=gettext_lazy("一次最多导入%(max)s件建议的交办方案，此表格超过了%(max)s行。请分成几个文件导入。"),
)


@dataclass
class ValidRow:
    number: int  # the row's number in the spreadsheet
    proposal: Proposal
    lines: list[assigning.PlanLine]

    @property
    def plan(self):
        return plan_of(self.lines)


def plan_of(lines):
    """A plan as a set of (department id, mode): two plans are the same whatever their order."""
    return frozenset((line.department.pk, line.mode) for line in lines)


@dataclass
class _Candidate:
    number: int
    session_id: int
    proposal_number: int
    lines: list[assigning.PlanLine]


# --- the template ---------------------------------------------------------------------------------


def build_template() -> bytes:
    """The .xlsx offered for download: the column names, an example row, and a second sheet
    填写说明 explaining each column."""
    widths = {"session": 24, "number": 10, "lead": 24, "cohandlers": 30, "separate": 30, "reference": 30}
    notes = (
        _("第1行为列名，请勿修改；从第2行起每行填写一件建议的交办方案。第2行是示例，导入前请删除。"),
        _("列的顺序可以调整，用不到的单位列可以删除；其他列会被忽略。只读取第一个工作表。"),
        _("导入前先校验全部行：只要有一行有错，就不交办任何建议，并列出每一处错误的行号和列名。"),
        _("已按相同方案交办过的建议不会重复交办；已交办的建议不能用导入改变交办方案，请在建议页面办理调整。"),
        _("交办后，系统按会次的办理时限计算签收、答复等期限，并通知承办单位和代表。最多%(n)s行。") % {"n": MAX_ROWS},
    )
    return workbook_bytes(template_workbook("交办方案", COLUMNS, widths, notes))


# --- reading --------------------------------------------------------------------------------------


def read_rows(fileobj) -> list[SheetRow]:
    rows = read_sheet(fileobj, LAYOUT)
    if not any(key in rows[0].cells for key, _mode in MODE_COLUMNS):
        raise ImportFileError(
            _("表格缺少承办单位的列：%(columns)s至少要有一列。第一个工作表的第1行应为列名，请使用本页提供的导入模板。")
            % {"columns": "、".join(HEADERS[key] for key, _mode in MODE_COLUMNS)}
        )
    return rows


_NUMBER = re.compile(r"^第?\s*([0-9]+)\s*号?$")


def _proposal_number(row, add):
    """The 建议号 as a positive integer, or None after reporting the cell."""
    value = row.cells.get("number")
    # Typed as a number, Excel stores 53 or 53.0.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = cell_text(row, "number", add)
        if text is None:
            return None
        if not text:
            add("number", _("请填写建议号。"))
            return None
    match = _NUMBER.match(unicodedata.normalize("NFKC", text))  # full-width digits too
    if match is None or int(match.group(1)) == 0:
        add("number", _("建议号应为立案时编定的号，如 53 或“第53号”，不能是“%(value)s”。") % {"value": text})
        return None
    return int(match.group(1))


def _blamed_column(message, lines, keys):
    """The column an error of check_plan belongs to: the department it names (the last one
    with that name, the second mention of a department listed twice), or else the column the
    rule on the modes asks to change."""
    named = [(len(line.department.name), i) for i, line in enumerate(lines) if line.department.name in message]
    if named:
        return keys[max(named)[1]]
    modes = {line.mode for line in lines}
    if Mode.SEPARATE in modes and Mode.COHANDLER in modes and Mode.LEAD not in modes:
        return "cohandlers"
    return "lead"


def _validate_row(row, sessions, departments, errors):
    """A _Candidate (the plan is good; the proposal is checked later, for the whole file at
    once), or None after adding the row's errors to `errors`."""
    add = RowErrors(row.number, errors, HEADERS)
    session_id = session_cell(row, sessions, add)
    proposal_number = _proposal_number(row, add)
    lines, keys = [], []
    names_wrong = add.count
    for key, mode in MODE_COLUMNS:
        for name in split_names(cell_text(row, key, add) or ""):
            department, message = departments.find(name)
            if message:
                add(key, message)
            else:
                lines.append(assigning.PlanLine(department, mode))
                keys.append(key)
    names_wrong = add.count > names_wrong
    # A plan with an unknown department is incomplete: its rules would be judged on a part.
    if not names_wrong:
        for message in assigning.check_plan(lines):
            add(_blamed_column(message, lines, keys), message)
    if add.count:
        return None
    return _Candidate(row.number, session_id, proposal_number, lines)


# --- validation -------------------------------------------------------------------------------------


def _describe(plan, departments):
    """吉林省科学技术厅（主办）、吉林省教育厅（协办）"""
    order = {mode: i for i, (_key, mode) in enumerate(MODE_COLUMNS)}
    items = sorted(plan, key=lambda item: (order[item[1]], departments.by_pk[item[0]].name))
    return "、".join(f"{departments.by_pk[pk].name}（{Mode(mode).label}）" for pk, mode in items)


def validate_rows(rows: list[SheetRow], *, report=None) -> Validation:
    """Check every row; `report(n)` is called every PROGRESS_EVERY rows with the rows done."""
    sessions = load_sessions()
    session_names = {pk: name for name, pk in sessions.items()}
    departments = DepartmentNames(active_only=False)
    result = Validation()
    candidates = []
    for done, row in enumerate(rows, 1):
        candidate = _validate_row(row, sessions, departments, result.errors)
        if candidate is not None:
            candidates.append(candidate)
        if report and done % PROGRESS_EVERY == 0:
            report(done)

    seen = {}  # (session, number) → first row
    unique = []
    for candidate in candidates:
        key = (candidate.session_id, candidate.proposal_number)
        if key in seen:
            result.errors.append(
                {
                    "row": candidate.number,
                    "column": HEADERS["number"],
                    "message": _("第%(number)s号建议在第%(row)s行已经填写过，每件建议只写一行。")
                    % {"number": candidate.proposal_number, "row": seen[key]},
                }
            )
        else:
            seen[key] = candidate.number
            unique.append(candidate)

    proposals = _proposals(seen)
    plans = _current_plans([p.pk for p in proposals.values() if p.status != Proposal.Status.ACCEPTED])
    for candidate in unique:
        proposal = proposals.get((candidate.session_id, candidate.proposal_number))
        values = {"number": candidate.proposal_number, "session": session_names[candidate.session_id]}
        message = None
        if proposal is None:
            message = _("%(session)s中没有第%(number)s号建议。") % values
        elif proposal.status == Proposal.Status.ACCEPTED:
            result.valid.append(ValidRow(candidate.number, proposal, candidate.lines))
        elif proposal.status != Proposal.Status.ASSIGNED:
            message = _("第%(number)s号建议%(title)s的状态是“%(status)s”，只能交办已立案的建议。") % {
                **values,
                "title": proposal.quoted_title,
                "status": proposal.get_status_display(),
            }
        elif plans.get(proposal.pk) == plan_of(candidate.lines):
            result.unchanged += 1
        else:
            message = _(
                "第%(number)s号建议已经交办（%(plan)s），与本行的交办方案不同。导入不会改变已有的交办，"
                "如需调整，请在该建议的页面办理。"
            ) % {**values, "plan": _describe(plans.get(proposal.pk, set()), departments) or _("无")}
        if message:
            result.errors.append({"row": candidate.number, "column": HEADERS["number"], "message": str(message)})
    sort_errors(result.errors, HEADERS)
    return result


def _proposals(keys):
    """{(session id, number): Proposal} for the rows' proposals, in one query."""
    if not keys:
        return {}
    found = Proposal.objects.filter(session_id__in={s for s, _n in keys}, number__in={n for _s, n in keys}).only(
        "id", "session_id", "number", "title", "status"
    )
    return {(p.session_id, p.number): p for p in found if (p.session_id, p.number) in keys}


def _current_plans(proposal_ids):
    """{proposal id: {(department id, mode)}} of the assignments in force, in one query."""
    plans = defaultdict(set)
    if proposal_ids:
        current = Assignment.objects.current().filter(proposal_id__in=proposal_ids)
        for pk, department, mode in current.values_list("proposal_id", "department_id", "mode"):
            plans[pk].add((department, mode))
    return {pk: frozenset(plan) for pk, plan in plans.items()}


# --- the import -----------------------------------------------------------------------------------


def import_rows(rows: list[ValidRow], *, actor, batch_id=None, report=None) -> int:
    """Assign the validated rows in one transaction, with bulk_assign once per distinct plan;
    the number of proposals assigned. `report(n)` is called as PROGRESS_EVERY rows are passed.
    ImportConflict when a proposal changed since validation: then nothing is assigned."""
    groups = defaultdict(list)
    for row in rows:
        groups[row.plan].append(row)
    now = timezone.now()  # one assignment time, so one set of deadlines, for the whole file
    done = 0
    with transaction.atomic():
        for group in groups.values():
            try:
                assigning.bulk_assign([row.proposal for row in group], group[0].lines, actor, now=now)
            except (ProposalError, IntegrityError) as error:
                reason = error.message if isinstance(error, ProposalError) else _("其他人刚刚交办了其中的建议。")
                raise ImportConflict(
                    _(
                        "交办未能完成：%(reason)s本批次没有交办任何建议。请重新上传此文件："
                        "已按相同方案交办的行不会重复交办。"
                    )
                    % {"reason": reason}
                ) from None
            before, done = done, done + len(group)
            if report and done // PROGRESS_EVERY > before // PROGRESS_EVERY:
                report(done)
    return done


PIPELINE = Pipeline(
    read=read_rows,
    validate=validate_rows,
    import_valid=import_rows,
    failure=gettext_lazy("导入时发生系统错误，没有交办任何建议。请稍后重试，或联系系统管理员。"),
)
