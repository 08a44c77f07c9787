"""Views for assignment: the coordinator's plan (one or many proposals), the department
inbox and its actions, and the office's queue of requests."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Department, Role
from accounts.pagination import BoundedPaginator
from accounts.permissions import get_for_user, role_required

from . import assigning, deadlines
from .assigning import PlanLine
from .filters import AssignmentFilter, ProposalFilter, inbox_rows
from .forms import ExtendForm, ReassignForm
from .models import Assignment, AssignmentRequest, Proposal
from .text import parse_id, plain
from .views import fail, get_proposal_for_user

COORDINATOR = Role.COORDINATOR
DEPARTMENT = (Role.CLERK, Role.LEADER)
PLAN_ROWS = 6


def get_assignment_for_user(request, pk, *, roles=None):
    return get_for_user(
        Assignment.objects.select_related("proposal__session", "department"), request.user, roles=roles, pk=pk
    )


def read_plan(post):
    """The plan rows posted as parallel `department` and `mode` lists; blank rows ignored."""
    departments = {
        str(d.pk): d
        for d in Department.objects.filter(pk__in=[i for i in map(parse_id, post.getlist("plan_department")) if i])
    }
    lines, errors = [], []
    for dept_id, mode in zip(post.getlist("plan_department"), post.getlist("plan_mode"), strict=False):
        if not dept_id:
            continue
        if dept_id not in departments:
            errors.append(_("所选承办单位不存在。"))
            continue
        lines.append(PlanLine(departments[dept_id], mode))
    return lines, errors


def plan_context(lines=None, proposals=()):
    """Rows for the plan form: what was posted, else the deputies' hoped-for departments."""
    rows = [{"department": line.department.pk, "mode": line.mode} for line in lines or []]
    if not rows:
        hoped = []
        for p in proposals:
            hoped += [d.pk for d in p.hoped_departments.all() if d.pk not in hoped]
        rows = [
            {"department": pk, "mode": Assignment.Mode.LEAD if i == 0 else Assignment.Mode.COHANDLER}
            for i, pk in enumerate(hoped)
        ]
    rows += [{"department": None, "mode": Assignment.Mode.COHANDLER if rows else Assignment.Mode.LEAD}] * max(
        1, PLAN_ROWS - len(rows)
    )
    return {
        "rows": rows,
        "departments": Department.objects.filter(is_active=True),
        "modes": Assignment.Mode.choices,
    }


@role_required(COORDINATOR)
def assign(request, pk):
    proposal = get_proposal_for_user(request, pk, roles=(COORDINATOR,))
    lines = []
    if request.method == "POST":
        lines, errors = read_plan(request.POST)
        try:
            if errors:
                raise assigning.ProposalError(" ".join(errors))
            assigning.assign_proposal(proposal, lines, request.user)
        except assigning.ProposalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已交办。"))
            return redirect("proposals:detail", pk=proposal.pk)
    context = {"proposals": [proposal], "single": proposal, **plan_context(lines, [proposal])}
    return render(request, "proposals/assign.html", context)


@role_required(COORDINATOR)
def bulk_assign(request):
    """GET: the proposals ticked in the list (or, with `all`, every registered proposal the
    list's filter matches) and the plan form; POST: assign them all."""
    source = request.POST if request.method == "POST" else request.GET
    visible = Proposal.objects.visible_to(request.user)
    if source.get("all"):
        matching = ProposalFilter(source, queryset=visible.filter(status=Proposal.Status.ACCEPTED)).qs
    else:
        matching = visible.filter(pk__in=[i for i in map(parse_id, source.getlist("ids")) if i])
    proposals = list(
        matching.select_related("session", "lead_deputy").prefetch_related("hoped_departments").order_by("number")
    )
    if not proposals:
        messages.warning(request, _("请先在列表中勾选要交办的建议。"))
        return redirect("proposals:list")
    lines = []
    if request.method == "POST":
        lines, errors = read_plan(request.POST)
        try:
            if errors:
                raise assigning.ProposalError(" ".join(errors))
            done = assigning.bulk_assign(proposals, lines, request.user)
        except assigning.ProposalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已交办%(n)s件建议。") % {"n": len(done)})
            return redirect("proposals:list")
    # With `all`, the form carries the filter instead of a thousand ids.
    carried = [
        (k, v)
        for k in source
        if k not in ("plan_department", "plan_mode", "csrfmiddlewaretoken")
        for v in source.getlist(k)
    ]
    context = {
        "proposals": proposals,
        "single": None,
        "carried": carried if source.get("all") else [("ids", p.pk) for p in proposals],
        **plan_context(lines, proposals[:50]),
    }
    return render(request, "proposals/assign.html", context)


# --- the department ----------------------------------------------------------------------------------


@role_required(*DEPARTMENT)
def inbox(request):
    """The department's assignments in force, newest first, with their tracking state."""
    today = timezone.localdate()
    filterset = AssignmentFilter(
        request.GET or None, queryset=inbox_rows(request.user, today), user=request.user, today=today
    )
    page = BoundedPaginator(filterset.qs, 25).get_page(request.GET.get("page"))
    for a in page:
        a.proposal.confirmed_cosigners = a.confirmed_cosigners  # for signers_label
        a.tracking = deadlines.TrackingState(a.state)
    return render(request, "proposals/inbox.html", {"page_obj": page, "filter": filterset})


@require_POST
@role_required(*DEPARTMENT)
def sign(request, pk):
    assignment = get_assignment_for_user(request, pk)
    try:
        assigning.sign_for(assignment, request.user)
    except assigning.ProposalError as error:
        return fail(request, error, assignment.proposal_id)
    messages.success(request, _("已签收。"))
    if request.POST.get("from") == "inbox":
        return redirect("proposals:inbox")
    return redirect("proposals:detail", pk=assignment.proposal_id)


def _form_error(form):
    return assigning.ProposalError(" ".join(str(e) for errors in form.errors.values() for e in errors))


@require_POST
@role_required(*DEPARTMENT)
def request_reassignment(request, pk):
    assignment = get_assignment_for_user(request, pk)
    form = ReassignForm(request.POST, prefix="reassign")
    try:
        if not form.is_valid():
            raise _form_error(form)
        assigning.request_reassignment(
            assignment,
            request.user,
            reason=form.cleaned_data["reason"],
            suggested_department=form.cleaned_data["suggested_department"],
        )
    except assigning.ProposalError as error:
        return fail(request, error, assignment.proposal_id)
    messages.success(request, _("已提交调整申请，等待交办机构审批。"))
    return redirect("proposals:detail", pk=assignment.proposal_id)


@require_POST
@role_required(*DEPARTMENT)
def request_extension(request, pk):
    assignment = get_assignment_for_user(request, pk)
    form = ExtendForm(request.POST, prefix="extend")
    try:
        if not form.is_valid():
            raise _form_error(form)
        assigning.request_extension(
            assignment, request.user, reason=form.cleaned_data["reason"], until=form.cleaned_data["until"]
        )
    except assigning.ProposalError as error:
        return fail(request, error, assignment.proposal_id)
    messages.success(request, _("已提交延期申请，等待交办机构审批。"))
    return redirect("proposals:detail", pk=assignment.proposal_id)


# --- the office ------------------------------------------------------------------------------------------


@require_POST
@role_required(COORDINATOR)
def chase(request, pk):
    assignment = get_assignment_for_user(request, pk, roles=(COORDINATOR,))
    try:
        assigning.chase(assignment, request.user, message=plain(request.POST.get("message"), 200))
    except assigning.ProposalError as error:
        return fail(request, error, assignment.proposal_id)
    messages.success(request, _("已向%(dept)s发出催办通知。") % {"dept": assignment.department.name})
    return redirect("proposals:detail", pk=assignment.proposal_id)


@require_POST
@role_required(COORDINATOR)
def key_supervision(request, pk):
    proposal = get_proposal_for_user(request, pk, roles=(COORDINATOR,))
    try:
        assigning.set_key_supervision(
            proposal,
            request.user,
            is_key=request.POST.get("is_key") == "on",
            leader=plain(request.POST.get("leader"), 60),
            note=plain(request.POST.get("note"), 2000),
        )
    except assigning.ProposalError as error:
        return fail(request, error, proposal.pk)
    messages.success(request, _("已列为重点督办。") if proposal.is_key else _("已取消重点督办。"))
    return redirect("proposals:detail", pk=proposal.pk)


@role_required(COORDINATOR)
def request_queue(request):
    pending = (
        AssignmentRequest.objects.filter(status=AssignmentRequest.Status.PENDING)
        .select_related(
            "assignment__proposal__session", "assignment__department", "suggested_department", "requested_by"
        )
        .order_by("requested_at")
    )
    decided = (
        AssignmentRequest.objects.exclude(status=AssignmentRequest.Status.PENDING)
        .select_related("assignment__proposal", "assignment__department", "decided_by", "new_department")
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "proposals/requests.html",
        {
            "pending": pending,
            "decided": decided,
            "departments": Department.objects.filter(is_active=True),
        },
    )


def _decide(request, pk, approve):
    item = get_object_or_404(AssignmentRequest.objects.select_related("assignment"), pk=pk)
    version = parse_id(request.POST.get("version"))
    note = plain(request.POST.get("note"), 2000)
    try:
        if item.kind == AssignmentRequest.Kind.REASSIGN:
            new_department = None
            if dept := parse_id(request.POST.get("new_department")):
                new_department = Department.objects.filter(pk=dept).first()
            assigning.decide_reassignment(
                item, request.user, approve=approve, note=note, version=version, new_department=new_department
            )
        else:
            new_due = forms.DateField(required=False).clean(request.POST.get("new_due") or None)
            assigning.decide_extension(item, request.user, approve=approve, note=note, new_due=new_due, version=version)
    except (assigning.ProposalError, forms.ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
        return redirect("proposals:requests")
    messages.success(request, _("已同意。") if approve else _("已答复不同意。"))
    return redirect("proposals:requests")


@require_POST
@role_required(COORDINATOR)
def approve_request(request, pk):
    return _decide(request, pk, True)


@require_POST
@role_required(COORDINATOR)
def refuse_request(request, pk):
    return _decide(request, pk, False)
