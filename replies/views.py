"""Views of the reply: the department's workspace (editor, preview, contacts, co-handler
opinions, review and signature), the signed document for deputies and the office, versions
and their differences."""

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.errors import DomainError
from accounts.models import AuditAction, Role
from accounts.pagination import BoundedPaginator
from accounts.permissions import get_for_user, role_required
from proposals.models import Assignment
from proposals.text import parse_id

from . import feedback, rehandling, rendering, scaffold, services
from .filters import ReplyFilter, reply_rows
from .forms import ContactForm, FeedbackForm, ReasonForm, RehandleForm, content_from, editor_forms
from .models import Reply, ReplyVersion, Snippet

DEPARTMENT = (Role.CLERK, Role.LEADER)
LEADER = (Role.LEADER,)
COORDINATOR = (Role.COORDINATOR,)
ANYONE_WHO_SEES = (Role.DEPUTY, Role.CLERK, Role.LEADER, Role.COORDINATOR)
PAGE_SIZE = 25


def get_reply_for_user(request, pk, *, roles=None, own=False):
    """404 when the user may not see the reply; 403 for the wrong role, or (`own`) when it
    belongs to another department (a lead department reading a co-handler's opinion)."""
    reply = get_for_user(Reply.objects.for_detail(), request.user, roles=roles, pk=pk)
    if own and reply.department_id != request.user.department_id:
        raise PermissionDenied
    return reply


def _is_lead_reply(reply):
    return reply.kind == Reply.Kind.REPLY and reply.assignment.mode == Assignment.Mode.LEAD


def _detail_context(request, reply, **extra):
    user = request.user
    own = user.role in DEPARTMENT and reply.department_id == user.department_id
    proposal = reply.assignment.proposal
    context = {
        "reply": reply,
        "proposal": proposal,
        "own": own,
        "is_leader": own and user.role == Role.LEADER,
        "signed": reply.signed_content,
        "categories": dict(map(tuple, proposal.session.result_categories)),
        "signed_versions": list(
            reply.versions.filter(kind__in=(ReplyVersion.Kind.SIGNED, ReplyVersion.Kind.CORRECTED))
            .select_related("saved_by")
            .order_by("-number")
        ),
    }
    if _is_lead_reply(reply) and (own or user.role == Role.COORDINATOR):
        context["opinions"] = services.opinions_for(reply.assignment)
    if reply.kind == Reply.Kind.REPLY:
        context["commitments"] = list(reply.commitments.prefetch_related("notes__author"))
        context["needs_commitments"] = services.needs_commitments(
            (reply.signed_content or services.content_of(reply)).effective_category(proposal.session.result_categories),
            proposal.session.result_categories,
        )
    if reply.kind == Reply.Kind.REPLY and reply.signed_version_id:
        context.update(_feedback_context(reply, user))
        decision = getattr(reply, "rehandling", None)
        context["rehandling"] = decision
        if (
            user.role == Role.COORDINATOR
            and decision is None
            and any(f.responded and f.is_dissatisfied for f in reply.feedback.all())
        ):
            context["rehandle_form"] = RehandleForm(initial={"department": reply.department_id})
    if own or user.role == Role.COORDINATOR:
        context["contacts"] = list(reply.assignment.contacts.select_related("recorded_by"))
        if reply.signed_version_id:
            context["deliveries"] = list(reply.deliveries.select_related("deputy", "version").order_by("-id"))
    if own:
        suggestions = list(proposal.suggestions.all())
        context.update(
            gate=services.quality_gate(
                reply,
                suggestions=suggestions,
                opinions=context.get("opinions"),
                commitments=context.get("commitments"),
                contacts=context["contacts"],
            ),
            contact_form=ContactForm(),
            comments=list(reply.comments.select_related("author")),
            snippets=list(Snippet.objects.filter(department_id=reply.department_id)),
            base=reply.versions.order_by("-number").values_list("number", flat=True).first(),
        )
        if "form" not in extra:
            context["form"], context["formset"] = editor_forms(reply, suggestions=suggestions)
    context.update(extra)
    if own:
        context["draft"] = _posted_preview(context["form"], context["formset"], reply)
    return context


def _feedback_context(reply, user):
    """The feedback form for a deputy asked for it; everyone's feedback for the others.
    Nothing for an imported historical reply, which asks no feedback."""
    if reply.feedback_until is None:
        return {}
    given = {f.deputy_id: f for f in reply.feedback.all()}
    signers = services.signers(reply.assignment.proposal)
    if user.role == Role.DEPUTY:
        mine = next((d for d in signers if d.user_id == user.pk), None)
        if mine is None:
            return {}
        existing = given.get(mine.pk)
        return {
            "my_feedback": existing,
            "feedback_open": feedback.is_open(reply)
            and not (existing and not existing.responded)
            and not hasattr(reply, "rehandling"),
            "feedback_form": FeedbackForm(instance=existing),
        }
    return {"feedback_rows": [(d, given.get(d.pk)) for d in signers], "feedback_open": feedback.is_open(reply)}


def _posted_preview(form, formset, reply):
    """The content the editor shows, for the preview beside it (what is saved, once the
    draft can no longer be edited)."""
    if form.is_bound and reply.is_editable:
        if form.is_valid() and formset.is_valid():
            return content_from(form, formset, reply)
        return None
    return services.content_of(reply)


@role_required(*ANYONE_WHO_SEES)
def detail(request, pk):
    reply = get_reply_for_user(request, pk)
    return render(request, "replies/detail.html", _detail_context(request, reply))


def _editor_again(request, reply, form, formset, *, status=200, **extra):
    """The editor with what the user posted, so nothing typed is lost."""
    return render(
        request,
        "replies/detail.html",
        _detail_context(request, reply, form=form, formset=formset, **extra),
        status=status,
    )


def _save_posted(request, reply, transform=None):
    """Validate and save the posted editor (after `transform`, a section operation).
    Returns None when saved, or the response that shows what went wrong."""
    form, formset = editor_forms(reply, request.POST)
    if not (form.is_valid() and formset.is_valid()):
        messages.error(request, _("有内容需要修改，请查看标红的提示。"))
        return _editor_again(request, reply, form, formset)
    content = content_from(form, formset, reply)
    try:
        if transform:
            transform(content)
        if content.to_json() != reply.content or form.cleaned_data["version"] != reply.version:
            services.save_content(reply, content, request.user, version=form.cleaned_data["version"])
    except services.ConflictError as conflict:
        return _conflict(request, reply, form, formset, conflict)
    except services.ReplyError as error:
        messages.error(request, error.message)
        return _editor_again(request, reply, form, formset)
    return None


def _conflict(request, reply, form, formset, conflict):
    """Refused: show what the other person changed since this editor was loaded, keep what
    this user typed, and let the next save go ahead on top of the current version."""
    messages.error(request, conflict.message)
    base = reply.versions.filter(number=parse_id(request.POST.get("base"))).first()
    current = conflict.current
    data = request.POST.copy()
    reply.refresh_from_db()
    data["version"] = reply.version
    data["base"] = current.number
    form, formset = editor_forms(reply, data)
    form.is_valid(), formset.is_valid()
    changes = line_diff(base.text if base else "", current.text)
    return _editor_again(request, reply, form, formset, status=409, conflict=current, changes=changes)


@require_POST
@role_required(*DEPARTMENT)
def save(request, pk):
    reply = get_reply_for_user(request, pk, own=True)
    failed = _save_posted(request, reply)
    if failed:
        return failed
    messages.success(request, _("已保存。"))
    return redirect("replies:detail", pk=reply.pk)


def _index(request, content):
    index = parse_id(request.POST.get("index"))
    if index is None or index >= len(content.sections):
        raise services.ReplyError(_("所选的部分不存在，请刷新页面后重试。"))
    return index


def _suggestion_texts(reply):
    return dict(reply.assignment.proposal.suggestions.values_list("pk", "text"))


SECTION_OPS = ("add", "remove", "up", "down", "merge", "split")


@require_POST
@role_required(*DEPARTMENT)
def section_op(request, pk, op):
    """Add, remove, move, merge or split sections: what the user typed is saved with it."""
    reply = get_reply_for_user(request, pk, own=True)
    texts = _suggestion_texts(reply)

    def transform(content):
        if op == "add":
            index = parse_id(request.POST.get("index"))
            at = len(content.sections) if index is None else min(index + 1, len(content.sections))
            if len(content.sections) >= scaffold.MAX_SECTIONS:
                raise services.ReplyError(_("答复最多分为%(n)s个部分。") % {"n": scaffold.MAX_SECTIONS})
            scaffold.add_section(content, at)
        elif op == "remove":
            scaffold.remove_section(content, _index(request, content))
        elif op in ("up", "down"):
            scaffold.move_section(content, _index(request, content), -1 if op == "up" else 1)
        elif op == "merge":
            index = _index(request, content)
            if index + 1 >= len(content.sections):
                raise services.ReplyError(_("最后一部分没有可以合并的下一部分。"))
            scaffold.merge_sections(content, index, texts)
        else:
            index = _index(request, content)
            if len(content.sections[index].suggestions) < 2:
                raise services.ReplyError(_("只有答复两条以上建议的部分才能拆分。"))
            scaffold.split_section(content, index, texts)

    failed = _save_posted(request, reply, transform)
    if failed:
        return failed
    return redirect("replies:detail", pk=reply.pk)


@require_POST
@role_required(*DEPARTMENT)
def preview(request, pk):
    reply = get_reply_for_user(request, pk, own=True)
    form, formset = editor_forms(reply, request.POST)
    context = {"reply": reply, "categories": dict(map(tuple, reply.assignment.proposal.session.result_categories))}
    if form.is_valid() and formset.is_valid():
        context["doc"] = content_from(form, formset, reply)
    return render(request, "replies/_preview.html", context)


@require_POST
@role_required(*DEPARTMENT)
def presence(request, pk):
    reply = get_reply_for_user(request, pk, own=True)
    return render(request, "replies/_presence.html", {"others": services.touch_presence(reply, request.user)})


@require_POST
@role_required(*DEPARTMENT)
def submit(request, pk):
    """送审: save what is in the editor, then send it to the leader."""
    reply = get_reply_for_user(request, pk, own=True)
    failed = _save_posted(request, reply)
    if failed:
        return failed
    reply.refresh_from_db()
    try:
        services.submit_for_review(reply, request.user, version=reply.version)
    except services.GateError as gate:
        return _editor_again(request, reply, *editor_forms(reply), gate_failures=gate.failures)
    except services.ReplyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已送领导审核签发。"))
    return redirect("replies:detail", pk=reply.pk)


def _with_reason(request, act, *, missing, done):
    """Run `act(reason)` with the reason typed in the action's form (ReasonForm), and say
    what happened."""
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ReplyError(missing)
        act(form.cleaned_data["text"])
    except services.ReplyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)


@require_POST
@role_required(*LEADER)
def return_for_revision(request, pk):
    reply = get_reply_for_user(request, pk, own=True)
    _with_reason(
        request,
        lambda text: services.return_for_revision(reply, request.user, comment=text),
        missing=_("请写明退回修改的意见。"),
        done=_("已退回承办人修改。"),
    )
    return redirect("replies:detail", pk=reply.pk)


@require_POST
@role_required(*LEADER)
def sign(request, pk):
    reply = get_reply_for_user(request, pk, own=True)
    try:
        services.sign(reply, request.user)
    except services.GateError as gate:
        return render(
            request, "replies/detail.html", _detail_context(request, reply, gate_failures=gate.failures), status=409
        )
    except DomainError as error:  # the reply's own rules, or its department's number series
        messages.error(request, error.message)
    else:
        messages.success(request, _("已签发，文号%(number)s。") % {"number": reply.document_number})
    return redirect("replies:detail", pk=reply.pk)


@require_POST
@role_required(*DEPARTMENT)
def correct(request, pk):
    reply = get_reply_for_user(request, pk, own=True)
    _with_reason(
        request,
        lambda text: services.start_correction(reply, request.user, reason=text),
        missing=_("请写明更正理由。"),
        done=_("已开始更正：原签发稿保持不变，更正稿签发后一并保留。"),
    )
    return redirect("replies:detail", pk=reply.pk)


@require_POST
@role_required(*DEPARTMENT)
def contact_add(request, pk):
    reply = get_reply_for_user(request, pk, own=True)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.add_contact(reply.assignment, request.user, data=form.cleaned_data)
        except services.ReplyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已记录沟通情况。"))
            return redirect("replies:detail", pk=reply.pk)
    messages.error(request, _("沟通记录未保存，请查看标红的提示。"))
    return render(request, "replies/detail.html", _detail_context(request, reply, contact_form=form), status=200)


@require_POST
@role_required(*COORDINATOR)
def waive(request, pk):
    """The office lets the lead go on without co-handler `pk`'s opinion."""
    assignment = get_for_user(Assignment.objects.select_related("proposal", "department"), request.user, pk=pk)
    _with_reason(
        request,
        lambda text: services.waive_opinion(assignment, request.user, reason=text),
        missing=_("请写明免等协办意见的理由。"),
        done=_("已同意免等%(dept)s的协办意见。") % {"dept": assignment.department.name},
    )
    lead = assignment.proposal.assignments.current().filter(mode=Assignment.Mode.LEAD).first()
    reply = lead and lead.replies.order_by("-round").first()
    if reply:
        return redirect("replies:detail", pk=reply.pk)
    return redirect("proposals:detail", pk=assignment.proposal_id)


@require_POST
@role_required(*DEPARTMENT)
def start(request, pk):
    """Open the department's reply (or opinion) for an assignment: made on first opening."""
    assignment = get_for_user(Assignment.objects.select_related("proposal__session", "department"), request.user, pk=pk)
    try:
        reply = services.start_reply(assignment, request.user)
    except services.ReplyError as error:
        messages.error(request, error.message)
        return redirect("proposals:detail", pk=assignment.proposal_id)
    return redirect("replies:detail", pk=reply.pk)


@require_POST
@role_required(Role.DEPUTY)
def give_feedback(request, pk):
    reply = get_reply_for_user(request, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            feedback.give(reply, request.user, **form.cleaned_data)
        except services.ReplyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已提交反馈意见，截止日期前可以修改。"))
            return redirect("replies:detail", pk=reply.pk)
    messages.error(request, _("反馈没有提交，请查看标红的提示。"))
    context = _detail_context(request, reply)
    context["feedback_form"] = form
    return render(request, "replies/detail.html", context)


# --- re-handling -------------------------------------------------------------------------------


@role_required(*COORDINATOR)
def rehandling_queue(request):
    rows = list(rehandling.queue()[:200])
    return render(request, "replies/rehandling_queue.html", {"replies": rows})


@require_POST
@role_required(*COORDINATOR)
def rehandle(request, pk):
    reply = get_reply_for_user(request, pk)
    form = RehandleForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ReplyError(_("请选择重新办理的单位。"))
        assignment = rehandling.order(reply, request.user, **form.cleaned_data)
    except services.ReplyError as error:
        messages.error(request, error.message)
        return redirect("replies:detail", pk=reply.pk)
    messages.success(
        request,
        _("已要求%(dept)s重新办理，期限%(due)s。")
        % {"dept": assignment.department.name, "due": f"{assignment.reply_due:%Y-%m-%d}"},
    )
    return redirect("proposals:detail", pk=reply.assignment.proposal_id)


@require_POST
@role_required(*COORDINATOR)
def decline_rehandling(request, pk):
    reply = get_reply_for_user(request, pk)
    _with_reason(
        request,
        lambda text: rehandling.decline(reply, request.user, explanation=text),
        missing=_("请写明不再重新办理的理由，如与代表当面沟通的情况。"),
        done=_("已决定不再重新办理。"),
    )
    return redirect("replies:detail", pk=reply.pk)


# --- documents ----------------------------------------------------------------------------------


@role_required(*ANYONE_WHO_SEES)
def document(request, pk, fmt):
    """The reply as PDF, DOCX or a printable page: the department gets its current draft
    (marked 草稿 until signed), everyone else the signed text."""
    reply = get_reply_for_user(request, pk)
    own = request.user.role in DEPARTMENT and reply.department_id == request.user.department_id
    body = rendering.render(reply, fmt, working=own)
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type=rendering.FORMATS[fmt])
    if fmt != "html":
        name = rendering.file_name(reply, fmt, draft=own and reply.status != Reply.Status.SIGNED)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"  # unpublished text: no shared cache keeps it
    audit.record(
        request, AuditAction.DOWNLOAD, obj=reply, format=fmt, draft=own and reply.status != Reply.Status.SIGNED
    )
    return response


# --- versions -----------------------------------------------------------------------------------


def _versions_for(request, reply):
    """The department sees every saved version; deputies and the office the signed ones."""
    versions = reply.versions.select_related("saved_by")
    if not (request.user.role in DEPARTMENT and request.user.department_id == reply.department_id):
        versions = versions.filter(kind__in=(ReplyVersion.Kind.SIGNED, ReplyVersion.Kind.CORRECTED))
    return versions


@role_required(*ANYONE_WHO_SEES)
def versions(request, pk):
    reply = get_reply_for_user(request, pk)
    rows = list(_versions_for(request, reply).order_by("-number").defer("content", "text"))
    return render(request, "replies/versions.html", {"reply": reply, "versions": rows})


def line_diff(old: str, new: str):
    """(tag, line) rows: tag is "same", "removed" or "added"."""
    a, b = old.splitlines(), new.splitlines()
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [("same", line) for line in a[i1:i2]]
            continue
        rows += [("removed", line) for line in a[i1:i2]]
        rows += [("added", line) for line in b[j1:j2]]
    return rows


@role_required(*ANYONE_WHO_SEES)
def diff(request, pk):
    reply = get_reply_for_user(request, pk)
    visible = _versions_for(request, reply)
    newer_number = parse_id(request.GET.get("b"))
    # without a choice: the latest against the one before it
    latest = visible.order_by("-number")
    newer = latest.first() if newer_number is None else visible.filter(number=newer_number).first()
    if newer is None:  # nothing this user may read yet (a draft, for the office)
        return render(request, "replies/diff.html", {"reply": reply, "newer": None, "rows": []})
    older_number = parse_id(request.GET.get("a"))
    if older_number is None:
        older = visible.filter(number__lt=newer.number).order_by("-number").first()
    else:
        older = get_object_or_404(visible, number=older_number)
    rows = line_diff(older.text if older else "", newer.text)
    return render(request, "replies/diff.html", {"reply": reply, "older": older, "newer": newer, "rows": rows})


# --- the lists ----------------------------------------------------------------------------------


@role_required(Role.CLERK, Role.LEADER, Role.COORDINATOR)
def reply_list(request):
    """The department's replies and opinions (every department's, for the office), filtered
    (replies.filters.ReplyFilter); the archive export takes the same session and department."""
    filterset = ReplyFilter(request.GET or None, queryset=reply_rows(request.user), user=request.user)
    page = BoundedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    cleaned = filterset.form.cleaned_data if filterset.is_bound else {}
    context = {
        "page_obj": page,
        "filter": filterset,
        "session": cleaned.get("session"),
        "department": cleaned.get("department"),
    }
    return render(request, "replies/list.html", context)
