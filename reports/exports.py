"""Excel exports of the filtered lists (proposals, the department inbox, replies, feedback,
follow-up), built by a background job with its progress shown (reports.tasks).

LISTS maps each list to its FilterSet, the function giving the rows the requester may see
(the same one the list page uses) and the columns. The job stores only the list's query
string: when it runs it re-applies the filter to what the requester may see *then*, so an
export never holds a row its requester could not open, and holds exactly the rows the page
lists (all pages, same order). Rows are streamed (`iterator`) into a write-only workbook
through reports.xlsx, which keeps text that looks like a formula as text."""

import datetime
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import DomainError
from accounts.models import Role
from proposals.deadlines import TrackingState
from proposals.filters import AssignmentFilter, ProposalFilter, inbox_rows, proposal_rows
from replies.filters import (
    CommitmentFilter,
    FeedbackFilter,
    ReplyFilter,
    commitment_rows,
    feedback_rows,
    reply_rows,
)

from . import xlsx
from .models import ListExport

KEEP_DAYS = 7
CHUNK_SIZE = 500  # rows read from PostgreSQL at a time
PROGRESS_EVERY = 200  # rows between two progress updates
MAX_ACTIVE = 3  # unfinished exports one person may have at once
MAX_QUERY_LENGTH = 2000
Status = ListExport.Status
DEPARTMENT = (Role.CLERK, Role.LEADER)


class ExportError(DomainError):
    pass


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable
    width: int = 14


@dataclass(frozen=True)
class ExportableList:
    title: str
    url_name: str  # the list page
    roles: tuple
    filterset: type
    rows: Callable  # (user, today) -> the scoped queryset in the list's default order
    columns: tuple


def _number(p):
    return p.number or ""


def _date(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _proposal_columns(path):
    """Columns of the proposal a row belongs to; `path` gets it from the row."""
    return (
        Column(gettext_lazy("会次"), lambda r: path(r).session.name, 24),
        Column(gettext_lazy("建议号"), lambda r: _number(path(r)), 8),
        Column(gettext_lazy("建议标题"), lambda r: path(r).title, 40),
    )


def _proposal(r):
    return r


def _assignment_proposal(r):
    return r.assignment.proposal


def _reply_proposal(r):
    return r.reply.assignment.proposal


def _assignment_state(a):
    return TrackingState(a.state).label


def _inbox_signers(a):
    return a.proposal.signers_label(a.confirmed_cosigners)


LISTS = {
    "proposals": ExportableList(
        title=gettext_lazy("建议"),
        url_name="proposals:list",
        roles=(Role.DEPUTY, Role.COORDINATOR),
        filterset=ProposalFilter,
        rows=lambda user, today: proposal_rows(user),
        columns=(
            *_proposal_columns(_proposal),
            Column(gettext_lazy("代表"), lambda p: p.signers_label(), 18),
            Column(gettext_lazy("代表团"), lambda p: p.lead_deputy.delegation.name if p.lead_deputy.delegation else ""),
            Column(gettext_lazy("分类"), lambda p: str(p.category) if p.category else "", 20),
            Column(gettext_lazy("状态"), lambda p: p.get_status_display(), 10),
            Column(gettext_lazy("重点督办"), lambda p: p.is_key, 8),
            Column(gettext_lazy("提交方式"), lambda p: p.get_channel_display()),
            Column(gettext_lazy("提交时间"), lambda p: _date(p.submitted_at), 17),
        ),
    ),
    "inbox": ExportableList(
        title=gettext_lazy("交办事项"),
        url_name="proposals:inbox",
        roles=DEPARTMENT,
        filterset=AssignmentFilter,
        rows=inbox_rows,
        columns=(
            *_proposal_columns(lambda a: a.proposal),
            Column(gettext_lazy("代表"), _inbox_signers, 18),
            Column(gettext_lazy("办理方式"), lambda a: a.get_mode_display(), 8),
            Column(gettext_lazy("交办时间"), lambda a: _date(a.assigned_at), 17),
            Column(gettext_lazy("签收时间"), lambda a: _date(a.signed_at), 17),
            Column(gettext_lazy("签收期限"), lambda a: a.sign_due, 12),
            Column(gettext_lazy("答复（意见）期限"), lambda a: a.due, 12),
            Column(gettext_lazy("办理状态"), _assignment_state, 12),
            Column(gettext_lazy("答复时间"), lambda a: _date(a.replied_at), 17),
        ),
    ),
    "replies": ExportableList(
        title=gettext_lazy("答复"),
        url_name="replies:list",
        roles=(*DEPARTMENT, Role.COORDINATOR),
        filterset=ReplyFilter,
        rows=lambda user, today: reply_rows(user),
        columns=(
            *_proposal_columns(_assignment_proposal),
            Column(gettext_lazy("领衔代表"), lambda r: r.assignment.proposal.lead_deputy.name),
            Column(gettext_lazy("单位"), lambda r: r.department.name, 24),
            Column(gettext_lazy("文种"), lambda r: r.get_kind_display(), 8),
            Column(gettext_lazy("状态"), lambda r: str(r.status_label), 10),
            Column(gettext_lazy("办理结果类别"), lambda r: r.category, 8),
            Column(gettext_lazy("文号"), lambda r: r.document_number, 22),
            Column(gettext_lazy("签发时间"), lambda r: _date(r.signed_at), 17),
            Column(gettext_lazy("更新时间"), lambda r: _date(r.updated_at), 17),
        ),
    ),
    "feedback": ExportableList(
        title=gettext_lazy("代表反馈"),
        url_name="replies:feedback_list",
        roles=(Role.COORDINATOR,),
        filterset=FeedbackFilter,
        rows=lambda user, today: feedback_rows(user),
        columns=(
            *_proposal_columns(_reply_proposal),
            Column(gettext_lazy("承办单位"), lambda f: f.reply.department.name, 24),
            Column(gettext_lazy("办理结果类别"), lambda f: f.reply.category, 8),
            Column(gettext_lazy("代表"), lambda f: f.deputy.name, 10),
            Column(gettext_lazy("代表团"), lambda f: f.deputy.delegation.name if f.deputy.delegation else ""),
            Column(gettext_lazy("已反馈"), lambda f: f.responded, 8),
            Column(gettext_lazy("办理态度"), lambda f: f.get_attitude_display(), 10),
            Column(gettext_lazy("办理结果"), lambda f: f.get_result_display(), 10),
            Column(gettext_lazy("答复前的沟通"), lambda f: f.get_contacted_display()),
            Column(gettext_lazy("意见和建议"), lambda f: f.comments, 40),
            Column(gettext_lazy("反馈时间"), lambda f: _date(f.updated_at), 17),
        ),
    ),
    "followups": ExportableList(
        title=gettext_lazy("跟踪办理"),
        url_name="replies:followups",
        roles=(*DEPARTMENT, Role.COORDINATOR),
        filterset=CommitmentFilter,
        rows=lambda user, today: commitment_rows(user),
        columns=(
            Column(gettext_lazy("承诺事项"), lambda c: c.text, 40),
            *_proposal_columns(_reply_proposal),
            Column(gettext_lazy("单位"), lambda c: c.reply.department.name, 24),
            Column(gettext_lazy("完成时限"), lambda c: c.due, 12),
            Column(gettext_lazy("状态"), lambda c: _("已完成") if c.is_done else _("跟踪中"), 8),
            Column(gettext_lazy("完成时间"), lambda c: _date(c.done_at), 17),
            Column(gettext_lazy("完成情况"), lambda c: c.done_note, 40),
        ),
    ),
}


def filtered_rows(spec, user, query: str, today=None):
    """The list's rows as its page shows them for `query` (a query string), for `user`."""
    today = today or timezone.localdate()
    data = QueryDict(query)
    if not data and spec.filterset is not CommitmentFilter:
        data = None  # an unfiltered page: the same as the list without a query string
    return spec.filterset(data, queryset=spec.rows(user, today), user=user, today=today).qs


def may_export(user, list_name) -> bool:
    spec = LISTS.get(list_name)
    return bool(spec and user.is_active and user.role in spec.roles)


def request_export(user, list_name: str, query: str) -> ListExport:
    if not may_export(user, list_name):
        raise ExportError(_("无法导出这个列表。"))
    if len(query) > MAX_QUERY_LENGTH:
        raise ExportError(_("筛选条件太长，无法导出，请减少筛选条件。"))
    if ListExport.objects.filter(requested_by=user, status__in=(Status.PENDING, Status.RUNNING)).count() >= MAX_ACTIVE:
        raise ExportError(_("您已有%(n)s个导出正在生成，请等它们完成后再导出。") % {"n": MAX_ACTIVE})
    export = ListExport.objects.create(requested_by=user, list_name=list_name, query=query)
    from . import tasks

    transaction.on_commit(lambda: tasks.build_list_export.defer(export_id=export.pk))
    return export


def build(export_id: int) -> bool:
    """Claims a pending export (a second run does nothing) and writes its workbook."""
    if not ListExport.objects.filter(pk=export_id, status=Status.PENDING).update(status=Status.RUNNING):
        return False
    export = ListExport.objects.select_related("requested_by__department").get(pk=export_id)
    spec = LISTS.get(export.list_name)
    try:
        if not may_export(export.requested_by, export.list_name):
            # the requester's role changed since: nothing is exported
            raise ExportError(_("您已无权导出这个列表。"))
        rows = filtered_rows(spec, export.requested_by, export.query)
        total = rows.count()
        ListExport.objects.filter(pk=export_id).update(total=total)
        workbook = xlsx.new_workbook()
        sheet = xlsx.Sheet(
            workbook, str(spec.title), [str(c.header) for c in spec.columns], [c.width for c in spec.columns]
        )
        done = 0
        for done, row in enumerate(rows.iterator(chunk_size=CHUNK_SIZE), 1):
            sheet.append([column.value(row) for column in spec.columns])
            if done % PROGRESS_EVERY == 0:
                ListExport.objects.filter(pk=export_id).update(processed=done)
        with tempfile.TemporaryFile() as spool:
            workbook.save(spool)
            spool.seek(0)
            export.file.save(f"exports/{uuid.uuid4().hex}.xlsx", File(spool), save=False)
        ListExport.objects.filter(pk=export_id).update(
            status=Status.DONE,
            total=max(total, done),
            processed=done,
            file=export.file.name,
            finished_at=timezone.now(),
        )
    except ExportError as error:
        ListExport.objects.filter(pk=export_id).update(
            status=Status.FAILED, error=error.message, finished_at=timezone.now()
        )
    except Exception:  # the person waiting is told; the worker log has the details
        ListExport.objects.filter(pk=export_id).update(
            status=Status.FAILED,
            error=_("生成失败，请稍后重新导出；如仍失败，请联系系统管理员。"),
            finished_at=timezone.now(),
        )
        raise
    return True


def title_of(export) -> str:
    spec = LISTS.get(export.list_name)
    return str(spec.title) if spec else export.list_name


def download_name(export) -> str:
    return f"{title_of(export)}-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.xlsx"


def purge(now=None) -> int:
    """Remove exports older than KEEP_DAYS, files and rows; returns how many. One still
    running after a day lost its worker: it is marked failed so its page stops waiting."""
    now = now or timezone.now()
    ListExport.objects.filter(
        status__in=(Status.PENDING, Status.RUNNING), created_at__lt=now - datetime.timedelta(days=1)
    ).update(status=Status.FAILED, error=_("生成中断，请重新导出。"), finished_at=now)
    old = list(ListExport.objects.filter(created_at__lt=now - datetime.timedelta(days=KEEP_DAYS)))
    for export in old:
        if export.file:
            export.file.storage.delete(export.file.name)
    ListExport.objects.filter(pk__in=[e.pk for e in old]).delete()
    return len(old)
