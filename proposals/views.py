import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import audit, personal_data
from accounts.models import AuditAction, Role
from accounts.pagination import BoundedPaginator
from accounts.permissions import get_for_user, role_required

from . import deadlines, search, services
from .extensions import detail_panels
from .extraction import extract_suggestions
from .files import AttachmentKind
from .filters import ProposalFilter, proposal_rows
from .forms import (
    AttachmentForm,
    ExtendForm,
    InviteForm,
    MergeForm,
    NotAcceptForm,
    ProposalForm,
    ReassignForm,
    ReturnForm,
    StaffEntryForm,
    open_sessions,
)
from .models import AssignmentRequest, Attachment, CoSigner, Proposal, load_detail_extras
from .similarity import similar_proposals
from .text import parse_id, plain

DEPUTY, COORDINATOR = Role.DEPUTY, Role.COORDINATOR
# Lead first, then separate, co-handlers, reference: the order a reader expects.
MODE_ORDER = Case(
    *(When(mode=mode, then=Value(i)) for i, mode in enumerate(("lead", "separate", "cohandler", "reference"))),
    output_field=IntegerField(),
)
PAGE_SIZE = 25


STEPS = [
    (_lazy("提交"), {Proposal.Status.SUBMITTED}),
    (_lazy("审查立案"), {Proposal.Status.ACCEPTED}),
    (_lazy("交办"), {Proposal.Status.ASSIGNED}),
    (_lazy("答复"), set()),
    (_lazy("办结"), {Proposal.Status.CLOSED}),
]


def progress_of(proposal, assignments):
    """The steps a deputy asks about (我的建议办到哪一步了): each done, current or to come.
    None for a proposal that left the path (returned, not accepted, withdrawn, a draft)."""
    order = [Proposal.Status.SUBMITTED, Proposal.Status.ACCEPTED, Proposal.Status.ASSIGNED, Proposal.Status.CLOSED]
    if proposal.status not in order:
        return None
    owed = [a for a in assignments if a.owes_reply]
    replied = bool(owed) and all(a.replied_at for a in owed)
    reached = {Proposal.Status.SUBMITTED: 1, Proposal.Status.ACCEPTED: 2, Proposal.Status.ASSIGNED: 3}.get(
        proposal.status, 5
    )
    if proposal.status == Proposal.Status.ASSIGNED and replied:
        reached = 4
    return [
        (label, "done" if i < reached else "current" if i == reached else "todo")
        for i, (label, _statuses) in enumerate(STEPS)
    ]


def get_proposal_for_user(request, pk, *, roles=None):
    """404 when the user may not see it; 403 when they may see it but `roles` excludes them."""
    return get_for_user(Proposal.objects.all(), request.user, roles=roles, pk=pk)


def fail(request, error, proposal_pk):
    """A refused step: its message on the proposal page, where the user was."""
    messages.error(request, error.message)
    return redirect("proposals:detail", pk=proposal_pk)


# --- lists and detail ---------------------------------------------------------------------------


@role_required(DEPUTY, COORDINATOR)
def proposal_list(request):
    filterset = ProposalFilter(request.GET or None, queryset=proposal_rows(request.user), user=request.user)
    page = BoundedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = filterset.form.cleaned_data.get("q") if filterset.is_bound else None
    if query:
        for proposal in page:
            proposal.title_marked = search.highlight(proposal.title, query, width=200)
            proposal.excerpt = search.highlight(f"{proposal.body}\n{proposal.search_text}", query)
    return render(
        request,
        "proposals/list.html",
        {"filter": filterset, "page_obj": page, "bulk": request.user.role == COORDINATOR, "searching": bool(query)},
    )


REVIEWED = (Proposal.Status.SUBMITTED, Proposal.Status.RETURNED, Proposal.Status.ACCEPTED)


@login_required
def proposal_detail(request, pk):
    # One query finds it among what the user may see and loads what the page shows.
    proposal = get_for_user(Proposal.objects.for_detail().with_signer_count(), request.user, pk=pk)
    load_detail_extras(proposal)
    user = request.user
    is_lead = proposal.lead_deputy.user_id == user.pk
    my_cosign = next((c for c in proposal.cosigners.all() if c.deputy.user_id == user.pk), None)
    is_coordinator = user.role == COORDINATOR
    today = timezone.localdate()
    assignments = [
        {
            "assignment": a,
            "state": deadlines.state_of(a, today, proposal.session.due_soon_days),
            "mine": a.department_id == user.department_id and user.role in (Role.CLERK, Role.LEADER),
            "pending": list(a.requests.all()),
        }
        for a in proposal.assignments.current()
        .select_related("department")
        .order_by(MODE_ORDER, "id")
        .prefetch_related(
            Prefetch("requests", queryset=AssignmentRequest.objects.filter(status=AssignmentRequest.Status.PENDING))
        )
    ]
    context = {
        "assignments": assignments,
        "progress": progress_of(proposal, [row["assignment"] for row in assignments]),
        "extra_panels": detail_panels(request, proposal),
        "today": today,
        # both forms share the page: prefixes keep their fields' ids apart
        "reassign_form": ReassignForm(prefix="reassign"),
        "extend_form": ExtendForm(prefix="extend"),
        "proposal": proposal,
        # the lead deputy's phone and address: in full for coordinators and the deputy (audited), masked otherwise
        "contact_in_full": personal_data.reveal(request, proposal.lead_deputy, proposal=proposal.pk),
        "is_lead": is_lead,
        # once departments are at work a proposal is no longer withdrawn (services.WITHDRAWABLE)
        "can_withdraw": proposal.status in services.WITHDRAWABLE,
        "my_cosign": my_cosign,
        "is_coordinator": is_coordinator,
        "events": proposal.events.select_related("actor").order_by("created_at", "id"),
        "invite_form": InviteForm(),
        "attachment_form": AttachmentForm(),
        "return_form": ReturnForm(),
        "not_accept_form": NotAcceptForm(),
        "merge_form": MergeForm(),
        # While it is reviewed (before assignment), where 并案 and duplicates are decided.
        "similar": similar_proposals(proposal.title, exclude=proposal.pk, user=user)
        if (is_coordinator and proposal.status in REVIEWED) or (is_lead and proposal.is_editable)
        else [],
        "visible_cosigners": [
            c for c in proposal.cosigners.all() if is_lead or is_coordinator or c.status == "confirmed"
        ],
        "withdraw_pending": [
            c for c in proposal.cosigners.all() if c.status == CoSigner.Status.CONFIRMED and not c.agreed_to_withdraw_at
        ],
    }
    return render(request, "proposals/detail.html", context)


# --- drafting ------------------------------------------------------------------------------------


def _render_form(request, form, proposal=None, session=None, template="proposals/form.html"):
    suggestions = (
        form.suggestions
        if form.is_bound
        else (list(proposal.suggestions.values_list("text", flat=True)) if proposal else [])
    )
    return render(
        request,
        template,
        {
            "form": form,
            "proposal": proposal,
            "session": session,
            "suggestions": suggestions or [""],
        },
    )


@role_required(DEPUTY)
def proposal_create(request):
    """GET shows the form; POST saves a draft (the 提交 button posts to proposal_create_submit)."""
    session = open_sessions().first()
    if session is None:
        messages.warning(request, _("当前没有正在受理建议的会次，请在会议受理期间提交。"))
        return redirect("proposals:list")
    form = ProposalForm(request.POST or None, initial={"client_token": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.save_draft(
                actor=request.user,
                session=session,
                data=form.cleaned_data,
                suggestions=form.suggestions,
                client_token=form.cleaned_data.get("client_token"),
            )
        except services.ProposalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("草稿已保存。"))
            return redirect("proposals:edit", pk=proposal.pk)
    return _render_form(request, form, session=session)


@require_POST
@role_required(DEPUTY)
def proposal_create_submit(request):
    session = open_sessions().first()
    form = ProposalForm(request.POST)
    if session is None:
        form.add_error(None, _("当前没有正在受理建议的会次，请在会议受理期间提交。"))
    elif form.is_valid():
        try:
            with transaction.atomic():
                proposal = services.save_draft(
                    actor=request.user,
                    session=session,
                    data=form.cleaned_data,
                    suggestions=form.suggestions,
                    client_token=form.cleaned_data.get("client_token"),
                )
                if proposal.status != Proposal.Status.SUBMITTED:  # not a double click
                    services.submit_proposal(proposal, request.user)
        except services.ProposalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("建议已提交，等待交办机构审查。"))
            return redirect("proposals:detail", pk=proposal.pk)
    return _render_form(request, form, session=session)


def _editable_proposal(request, pk):
    proposal = get_proposal_for_user(request, pk, roles=(DEPUTY,))
    if proposal.lead_deputy.user_id != request.user.pk:
        raise Http404  # co-signers see it but it is not theirs to edit
    return proposal


@role_required(DEPUTY)
def proposal_edit(request, pk):
    proposal = _editable_proposal(request, pk)
    if not proposal.is_editable:
        messages.info(request, _("建议已提交，不能再修改。"))
        return redirect("proposals:detail", pk=proposal.pk)
    form = ProposalForm(request.POST or None, instance=proposal, initial={"version": proposal.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_draft(
                actor=request.user,
                session=proposal.session,
                data=form.cleaned_data,
                suggestions=form.suggestions,
                proposal=proposal,
                version=form.cleaned_data.get("version"),
            )
        except services.ProposalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("proposals:edit", pk=proposal.pk)
    return _render_form(request, form, proposal=proposal, session=proposal.session)


@require_POST
@role_required(DEPUTY)
def proposal_edit_submit(request, pk):
    proposal = _editable_proposal(request, pk)
    form = ProposalForm(request.POST, instance=proposal)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.save_draft(
                    actor=request.user,
                    session=proposal.session,
                    data=form.cleaned_data,
                    suggestions=form.suggestions,
                    proposal=proposal,
                    version=form.cleaned_data.get("version"),
                )
                services.submit_proposal(proposal, request.user)
        except services.ProposalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("建议已提交，等待交办机构审查。"))
            return redirect("proposals:detail", pk=proposal.pk)
    return _render_form(request, form, proposal=proposal, session=proposal.session)


@role_required(COORDINATOR)
def staff_entry(request):
    form = StaffEntryForm(
        request.POST or None, initial={"client_token": uuid.uuid4(), "session": open_sessions().first()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.enter_on_behalf(
                actor=request.user,
                deputy=form.cleaned_data["deputy"],
                session=form.cleaned_data["session"],
                data=form.cleaned_data,
                suggestions=form.suggestions,
                client_token=form.cleaned_data.get("client_token"),
            )
        except services.ProposalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已代录建议，进入待审查队列。"))
            return redirect("proposals:detail", pk=proposal.pk)
    return _render_form(request, form, template="proposals/staff_entry.html")


@require_POST
@role_required(DEPUTY, COORDINATOR)
def extract(request):
    """htmx: the pasted body → the suggestion list, for the deputy to correct."""
    suggestions = extract_suggestions(plain(request.POST.get("body"), 20000))
    return render(request, "proposals/_suggestions.html", {"suggestions": suggestions or [""], "extracted": True})


@require_GET
@role_required(DEPUTY, COORDINATOR)
def similar(request):
    title = plain(request.GET.get("title"), 200).strip()
    exclude = request.GET.get("exclude")
    results = similar_proposals(title, exclude=parse_id(exclude), user=request.user) if len(title) >= 4 else []
    return render(request, "proposals/_similar.html", {"similar": results})


# --- actions on one proposal ----------------------------------------------------------------------


@require_POST
@role_required(DEPUTY)
def submit(request, pk):
    proposal = _editable_proposal(request, pk)
    try:
        services.submit_proposal(proposal, request.user)
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("建议已提交，等待交办机构审查。"))
    return redirect("proposals:detail", pk=proposal.pk)


@require_POST
@role_required(DEPUTY)
def invite(request, pk):
    proposal = get_proposal_for_user(request, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请输入代表姓名。"))
        return redirect("proposals:detail", pk=proposal.pk)
    try:
        deputy = services.find_deputy(form.cleaned_data["name"])
        services.invite_cosigner(proposal, request.user, deputy)
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("已邀请%(name)s代表联名，等待其确认。") % {"name": deputy.name})
    return redirect("proposals:detail", pk=proposal.pk)


def _respond(request, pk, accept):
    proposal = get_proposal_for_user(request, pk)
    try:
        services.respond_to_invitation(proposal, request.user, accept=accept)
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("已确认联名。") if accept else _("已谢绝联名。"))
    return redirect("proposals:detail" if accept else "home", **({"pk": proposal.pk} if accept else {}))


@require_POST
@role_required(DEPUTY)
def cosign_confirm(request, pk):
    return _respond(request, pk, True)


@require_POST
@role_required(DEPUTY)
def cosign_decline(request, pk):
    return _respond(request, pk, False)


@require_POST
@role_required(DEPUTY)
def withdraw(request, pk):
    proposal = get_proposal_for_user(request, pk)
    try:
        services.request_withdrawal(proposal, request.user)
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    if proposal.status == Proposal.Status.WITHDRAWN:
        messages.success(request, _("建议已撤回。"))
    else:
        messages.info(request, _("已申请撤回，所有联名代表同意后撤回。"))
    return redirect("proposals:detail", pk=proposal.pk)


@require_POST
@role_required(DEPUTY)
def withdraw_agree(request, pk):
    proposal = get_proposal_for_user(request, pk)
    try:
        services.agree_to_withdraw(proposal, request.user)
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("您已同意撤回。"))
    return redirect("proposals:detail", pk=proposal.pk)


@require_POST
@role_required(DEPUTY, COORDINATOR)
def attachment_upload(request, pk):
    proposal = get_proposal_for_user(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("file", [_("请选择要上传的文件。")])))
        return redirect("proposals:detail", pk=proposal.pk)
    try:
        attachment = services.add_attachment(proposal, request.user, form.cleaned_data["file"])
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("已上传附件“%(name)s”。") % {"name": attachment.original_name})
    return redirect("proposals:detail", pk=proposal.pk)


def _attachment_for_user(request, pk):
    attachment = get_object_or_404(Attachment.objects.select_related("proposal"), pk=pk)
    get_proposal_for_user(request, attachment.proposal_id)  # 404 unless the proposal is visible
    return attachment


@require_GET
@login_required
def attachment_download(request, pk):
    attachment = _attachment_for_user(request, pk)
    kind = AttachmentKind(attachment.kind)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name, content_type=kind.mime_type)
    audit.record(request, AuditAction.DOWNLOAD, obj=attachment, proposal=attachment.proposal_id)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(DEPUTY)
def attachment_delete(request, pk):
    attachment = _attachment_for_user(request, pk)
    try:
        services.remove_attachment(attachment, request.user)
    except services.ProposalError as error:
        return fail(request, error, attachment.proposal_id)
    messages.success(request, _("已删除附件。"))
    return redirect("proposals:detail", pk=attachment.proposal_id)


# --- review by the office ----------------------------------------------------------------------------


@require_POST
@role_required(COORDINATOR)
def accept(request, pk):
    proposal = get_proposal_for_user(request, pk, roles=(COORDINATOR,))
    try:
        services.accept_proposal(proposal, request.user)
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("已立案，编号为第%(n)s号。") % {"n": proposal.number})
    return redirect("proposals:detail", pk=proposal.pk)


@require_POST
@role_required(COORDINATOR)
def return_for_revision(request, pk):
    proposal = get_proposal_for_user(request, pk, roles=(COORDINATOR,))
    form = ReturnForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ProposalError(_("请写明需要代表修改完善的内容（最多2000字）。"))
        services.return_for_revision(proposal, request.user, form.cleaned_data["message"])
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("已退回代表修改完善。"))
    return redirect("proposals:detail", pk=proposal.pk)


@require_POST
@role_required(COORDINATOR)
def not_accept(request, pk):
    proposal = get_proposal_for_user(request, pk, roles=(COORDINATOR,))
    form = NotAcceptForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ProposalError(_("请选择不予立案的理由和处理方式。"))
        services.not_accept(proposal, request.user, **form.cleaned_data)
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("已作不予立案处理。"))
    return redirect("proposals:detail", pk=proposal.pk)


@require_POST
@role_required(COORDINATOR)
def merge(request, pk):
    proposal = get_proposal_for_user(request, pk, roles=(COORDINATOR,))
    form = MergeForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ProposalError(_("请填写要并入的建议号。"))
        into = Proposal.objects.filter(session=proposal.session, number=form.cleaned_data["number"]).first()
        if into is None:
            raise services.ProposalError(
                _("%(session)s没有第%(n)s号建议。")
                % {"session": proposal.session.name, "n": form.cleaned_data["number"]}
            )
        services.merge_proposals(proposal, into, request.user)
    except services.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("已并案办理。"))
    return redirect("proposals:detail", pk=proposal.pk)
