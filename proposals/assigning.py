"""Assignment to departments and what follows it (DOMAIN.md steps 4–7): the plan rules,
single and bulk assignment, signing for, reassignment and extension requests, chasing and
key supervision. Same conventions as proposals.services."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Department, NotificationKind, Role, User
from accounts.notifications import notify, notify_many

from . import deadlines
from .models import Assignment, AssignmentRequest, CoSigner, Proposal, ProposalEvent
from .services import ProposalError, log

Mode = Assignment.Mode
Kind = ProposalEvent.Kind
RequestStatus = AssignmentRequest.Status
DEPARTMENT_ROLES = (Role.CLERK, Role.LEADER)


@dataclass(frozen=True)
class PlanLine:
    department: Department
    mode: str


def _date(d):
    return formats.date_format(d, "DATE_FORMAT")


def _url(proposal):
    return reverse("proposals:detail", args=[proposal.pk])


def check_plan(lines):
    """The rules of DOMAIN.md step 4; returns the Chinese errors (empty when the plan is good)."""
    errors = []
    if not lines:
        return [_("请至少选择一个承办单位。")]
    seen = set()
    for line in lines:
        if line.department.pk in seen:
            errors.append(_("%(dept)s在交办方案中出现了两次。") % {"dept": line.department.name})
        seen.add(line.department.pk)
        if not line.department.is_active:
            errors.append(_("%(dept)s已停用，不能交办。") % {"dept": line.department.name})
        if line.mode not in Mode.values:
            errors.append(_("办理方式无效。"))
    modes = [line.mode for line in lines]
    leads, separates = modes.count(Mode.LEAD), modes.count(Mode.SEPARATE)
    if separates and leads:
        errors.append(_("分办时各承办单位分别答复，不能再指定主办单位。"))
    elif separates and Mode.COHANDLER in modes:
        errors.append(_("分办时不设协办单位。"))
    elif not separates and leads == 0:
        errors.append(
            _("需要指定一个主办单位（协办单位须有主办单位）。")
            if Mode.COHANDLER in modes
            else _("需要指定一个主办单位。")
        )
    elif leads > 1:
        errors.append(_("只能有一个主办单位；由几个单位各自答复时请选择“分办”。"))
    return errors


def _department_users(department_ids):
    users = {}
    for user in User.objects.filter(department_id__in=department_ids, role__in=DEPARTMENT_ROLES, is_active=True):
        users.setdefault(user.department_id, []).append(user)
    return users


def _signers_by_proposal(proposals):
    """The users who signed each proposal (lead + confirmed co-signers), in two queries."""
    signers = {p.pk: [p.lead_deputy.user] if p.lead_deputy.user_id else [] for p in proposals}
    cosigners = CoSigner.objects.filter(
        proposal__in=[p.pk for p in proposals], status=CoSigner.Status.CONFIRMED, deputy__user__isnull=False
    ).select_related("deputy__user")
    for c in cosigners:
        signers[c.proposal_id].append(c.deputy.user)
    return signers


def _deadlines(session, assigned_on, mode, calendar):
    return deadlines.compute(
        assigned_on=assigned_on,
        mode=mode,
        policy=deadlines.Policy.from_session(session),
        calendar=calendar,
        session_closes_on=session.closes_on,
    )


def _calendar_for(assigned_on):
    # Working-day windows are at most a few weeks; two months covers any holiday block.
    return deadlines.WorkCalendar.load(assigned_on, assigned_on + datetime.timedelta(days=62))


def _new_assignment(proposal, line, actor, now, calendar):
    due = _deadlines(proposal.session, timezone.localdate(now), line.mode, calendar)
    return Assignment(
        proposal=proposal,
        department=line.department,
        mode=line.mode,
        assigned_at=now,
        assigned_by=actor,
        sign_due=due.sign_due,
        reassign_until=due.reassign_until,
        reply_due=due.reply_due,
        max_reply_due=due.max_reply_due,
        opinion_due=due.opinion_due,
        deadline_basis=due.basis,
        provisional=due.provisional,
    )


def _require_coordinator(actor):
    if actor.role != Role.COORDINATOR:
        raise ProposalError(_("只有交办机构工作人员可以进行此项操作。"))


def assign_proposal(proposal, lines, actor, *, now=None):
    return bulk_assign([proposal], lines, actor, now=now)[proposal.pk]


@transaction.atomic
def bulk_assign(proposals, lines, actor, *, now=None):
    """Assign every proposal with the same plan, in a constant number of queries however many
    proposals there are. All or nothing: any proposal that is not registered (or was assigned
    meanwhile) stops the whole batch with its number named."""
    _require_coordinator(actor)
    if errors := check_plan(lines):
        raise ProposalError(" ".join(errors))
    now = now or timezone.now()
    ids = [p.pk for p in proposals]
    locked = list(
        Proposal.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("session", "lead_deputy__user")
        .order_by("pk")
    )
    not_ready = [p for p in locked if p.status != Proposal.Status.ACCEPTED]
    if not_ready or len(locked) != len(set(ids)):
        names = "、".join(f"“{p.title}”（{p.get_status_display()}）" for p in not_ready[:5])
        raise ProposalError(_("只能交办已立案且尚未交办的建议：%(names)s。") % {"names": names or _("部分建议不存在")})
    calendar = _calendar_for(timezone.localdate(now))
    created = Assignment.objects.bulk_create(
        _new_assignment(proposal, line, actor, now, calendar) for proposal in locked for line in lines
    )
    Proposal.objects.filter(pk__in=ids).update(status=Proposal.Status.ASSIGNED, version=F("version") + 1)
    plan = [
        {"department": line.department.name, "mode": line.mode, "mode_label": str(Mode(line.mode).label)}
        for line in lines
    ]
    ProposalEvent.objects.bulk_create(
        ProposalEvent(
            proposal=p,
            kind=Kind.ASSIGNED,
            actor=actor,
            from_status=Proposal.Status.ACCEPTED,
            to_status=Proposal.Status.ASSIGNED,
            details={"plan": plan},
        )
        for p in locked
    )
    department_users = _department_users([line.department.pk for line in lines])
    signers = _signers_by_proposal(locked)
    by_proposal = {}
    messages = []
    for assignment in created:
        by_proposal.setdefault(assignment.proposal_id, []).append(assignment)
    for proposal in locked:
        mine = by_proposal[proposal.pk]
        for a in mine:
            text = _("新交办：%(title)s（%(mode)s），请于%(due)s前签收。") % {
                "title": proposal.quoted_title,
                "mode": a.get_mode_display(),
                "due": _date(a.sign_due),
            }
            messages += [(u, text, _url(proposal)) for u in department_users.get(a.department_id, [])]
        handled_by = "、".join(f"{a.department.name}（{a.get_mode_display()}）" for a in mine)
        text = _("您的建议%(title)s已交办：%(departments)s。") % {
            "title": proposal.quoted_title,
            "departments": handled_by,
        }
        messages += [(u, text, _url(proposal)) for u in signers[proposal.pk]]
    notify_many(messages, kind=NotificationKind.ASSIGNED)
    for proposal in locked:
        proposal.status = Proposal.Status.ASSIGNED
    return by_proposal


# --- the department's side ---------------------------------------------------------------------------


def _require_department_user(assignment, actor):
    if actor.role not in DEPARTMENT_ROLES or actor.department_id != assignment.department_id:
        raise ProposalError(_("只有承办单位的工作人员可以进行此项操作。"))


def _locked(assignment):
    """The assignment re-read under a row lock: requests about it queue up, so a double click
    files one request and nobody acts on a stale copy."""
    return (
        # of self: locking the joined session and department rows would queue every request of
        # the session (and the office's acceptances) behind this one.
        Assignment.objects.select_for_update(of=("self",))
        .select_related("proposal__session", "department")
        .get(pk=assignment.pk)
    )


def _coordinators():
    return list(User.objects.filter(role=Role.COORDINATOR, is_active=True))


@transaction.atomic
def sign_for(assignment, actor, *, now=None):
    _require_department_user(assignment, actor)
    now = now or timezone.now()
    updated = Assignment.objects.filter(pk=assignment.pk, is_active=True, signed_at__isnull=True).update(
        signed_at=now, signed_by=actor, version=F("version") + 1
    )
    if not updated:
        raise ProposalError(_("此交办已签收或已调整，无需再签收。"))
    assignment.refresh_from_db()
    log(assignment.proposal, Kind.SIGNED, actor, department=assignment.department.name)
    return assignment


@transaction.atomic
def request_reassignment(assignment, actor, *, reason, suggested_department=None, today=None):
    """申请调整: only within the window; late requests are refused with the date it closed."""
    _require_department_user(assignment, actor)
    assignment = _locked(assignment)
    today = today or timezone.localdate()
    if not assignment.is_active or assignment.replied_at:
        raise ProposalError(_("此交办已调整或已答复，不能申请调整。"))
    if today > assignment.reassign_until:
        raise ProposalError(
            _("申请调整的期限已于%(date)s届满（交办后%(n)s个工作日内），不能再申请。请按期办理。")
            % {"date": _date(assignment.reassign_until), "n": assignment.proposal.session.reassign_window_workdays}
        )
    if not reason.strip():
        raise ProposalError(_("请写明申请调整的理由。"))
    if suggested_department and suggested_department.pk == assignment.department_id:
        raise ProposalError(_("建议承办单位不能是本单位。"))
    if assignment.requests.filter(kind=AssignmentRequest.Kind.REASSIGN, status=RequestStatus.PENDING).exists():
        raise ProposalError(_("已经提交过调整申请，正在等待审批。"))
    request = AssignmentRequest.objects.create(
        assignment=assignment,
        kind=AssignmentRequest.Kind.REASSIGN,
        reason=reason.strip(),
        suggested_department=suggested_department,
        requested_by=actor,
    )
    log(
        assignment.proposal,
        Kind.REASSIGNMENT_REQUESTED,
        actor,
        message=reason.strip(),
        department=assignment.department.name,
        suggested=suggested_department.name if suggested_department else "",
    )
    notify(
        _coordinators(),
        _("%(dept)s申请调整%(title)s的交办。")
        % {"dept": assignment.department.name, "title": assignment.proposal.quoted_title},
        reverse("proposals:requests"),
    )
    return request


@transaction.atomic
def request_extension(assignment, actor, *, reason, until):
    """申请延期: never beyond the longest allowed (6 months from assignment by default)."""
    _require_department_user(assignment, actor)
    assignment = _locked(assignment)
    if not assignment.owes_reply:
        raise ProposalError(_("只有主办或分办单位需要申请答复延期。"))
    if not assignment.is_active or assignment.replied_at:
        raise ProposalError(_("此交办已调整或已答复，不能申请延期。"))
    if not reason.strip():
        raise ProposalError(_("请写明申请延期的理由。"))
    if until <= assignment.reply_due:
        raise ProposalError(_("延期后的日期应晚于现在的答复期限（%(date)s）。") % {"date": _date(assignment.reply_due)})
    if until > assignment.max_reply_due:
        raise ProposalError(
            _("延期不能超过%(date)s（交办后最长%(n)s个月）。")
            % {"date": _date(assignment.max_reply_due), "n": assignment.proposal.session.extended_reply_months}
        )
    if assignment.requests.filter(kind=AssignmentRequest.Kind.EXTEND, status=RequestStatus.PENDING).exists():
        raise ProposalError(_("已经提交过延期申请，正在等待审批。"))
    request = AssignmentRequest.objects.create(
        assignment=assignment,
        kind=AssignmentRequest.Kind.EXTEND,
        reason=reason.strip(),
        requested_until=until,
        requested_by=actor,
    )
    log(
        assignment.proposal,
        Kind.EXTENSION_REQUESTED,
        actor,
        message=reason.strip(),
        department=assignment.department.name,
        until=until.isoformat(),
    )
    notify(
        _coordinators(),
        _("%(dept)s申请延期答复%(title)s。")
        % {"dept": assignment.department.name, "title": assignment.proposal.quoted_title},
        reverse("proposals:requests"),
    )
    return request


# --- the office's decisions ---------------------------------------------------------------------------


def _check_still_pending(request, assignment, version):
    if AssignmentRequest.objects.filter(pk=request.pk).values_list("status", flat=True).get() != RequestStatus.PENDING:
        raise ProposalError(_("此申请已经审批过了，请刷新页面查看结果。"))
    if not assignment.is_active or assignment.replied_at:
        raise ProposalError(_("此交办已调整或已答复，申请不再适用。"))
    if version is not None and version != assignment.version:
        raise ProposalError(_("此交办在您查看后已有变化，请刷新页面后再审批。"))


def _claim(request, actor, approve, note, **fields):
    """Decide a pending request exactly once; a second decision finds it decided."""
    _require_coordinator(actor)
    updated = AssignmentRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
        status=RequestStatus.APPROVED if approve else RequestStatus.REFUSED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=note.strip(),
        **fields,
    )
    if not updated:
        raise ProposalError(_("此申请已经审批过了，请刷新页面查看结果。"))
    request.refresh_from_db()


@transaction.atomic
def decide_reassignment(request, actor, *, approve, note="", new_department=None, version=None, now=None):
    """Approving moves the assignment to another department with a fresh clock; both
    departments and the deputy are told. Refusing needs a reason."""
    _require_coordinator(actor)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("proposal__session", "department")
        .get(pk=request.assignment_id)
    )
    _check_still_pending(request, assignment, version)
    proposal = assignment.proposal
    if not approve:
        if not note.strip():
            raise ProposalError(_("不同意调整时请写明理由。"))
        _claim(request, actor, False, note)
        log(proposal, Kind.REASSIGNMENT_REFUSED, actor, message=note.strip(), department=assignment.department.name)
        notify(
            _department_users([assignment.department_id]).get(assignment.department_id, []),
            _("调整申请未获同意：%(title)s。理由：%(note)s") % {"title": proposal.quoted_title, "note": note.strip()},
            _url(proposal),
        )
        return None
    new_department = new_department or request.suggested_department
    if new_department is None:
        raise ProposalError(_("请选择调整后的承办单位。"))
    line = PlanLine(new_department, assignment.mode)
    if not new_department.is_active:
        raise ProposalError(_("%(dept)s已停用，不能交办。") % {"dept": new_department.name})
    if proposal.assignments.current().filter(department=new_department).exists():
        raise ProposalError(_("%(dept)s已在承办此建议。") % {"dept": new_department.name})
    _claim(request, actor, True, note, new_department=new_department)
    Assignment.objects.filter(pk=assignment.pk).update(is_active=False, version=F("version") + 1)
    # Whatever else the old department asked for lapses with its assignment.
    assignment.requests.filter(status=RequestStatus.PENDING).update(
        status=RequestStatus.REFUSED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=_("已调整至%(dept)s，此申请不再适用。") % {"dept": new_department.name},
    )
    now = now or timezone.now()
    moved = _new_assignment(proposal, line, actor, now, _calendar_for(timezone.localdate(now)))
    moved.round = assignment.round  # a re-handling round moved on stays that round
    moved.save()
    log(
        proposal,
        Kind.REASSIGNMENT_APPROVED,
        actor,
        message=note.strip(),
        changed=(assignment.department.name, new_department.name),
    )
    users = _department_users([assignment.department_id, new_department.pk])
    items = [
        (
            u,
            _("调整申请已同意：%(title)s已改由%(dept)s承办。")
            % {"title": proposal.quoted_title, "dept": new_department.name},
            _url(proposal),
        )
        for u in users.get(assignment.department_id, [])
    ]
    items += [
        (
            u,
            _("新交办：%(title)s（%(mode)s），请于%(due)s前签收。")
            % {"title": proposal.quoted_title, "mode": moved.get_mode_display(), "due": _date(moved.sign_due)},
            _url(proposal),
        )
        for u in users.get(new_department.pk, [])
    ]
    items += [
        (
            u,
            _("您的建议%(title)s改由%(dept)s承办。") % {"title": proposal.quoted_title, "dept": new_department.name},
            _url(proposal),
        )
        for u in _signers_by_proposal([proposal])[proposal.pk]
    ]
    notify_many(items)
    return moved


@transaction.atomic
def decide_extension(request, actor, *, approve, note="", new_due=None, version=None):
    _require_coordinator(actor)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("proposal", "department")
        .get(pk=request.assignment_id)
    )
    _check_still_pending(request, assignment, version)
    proposal = assignment.proposal
    dept_users = _department_users([assignment.department_id]).get(assignment.department_id, [])
    if not approve:
        if not note.strip():
            raise ProposalError(_("不同意延期时请写明理由。"))
        _claim(request, actor, False, note)
        log(proposal, Kind.EXTENSION_REFUSED, actor, message=note.strip(), department=assignment.department.name)
        notify(
            dept_users,
            _("延期申请未获同意：%(title)s仍应于%(date)s前答复。")
            % {"title": proposal.quoted_title, "date": _date(assignment.reply_due)},
            _url(proposal),
        )
        return assignment
    new_due = new_due or request.requested_until
    if new_due <= assignment.reply_due:
        raise ProposalError(_("延期后的日期应晚于现在的答复期限（%(date)s）。") % {"date": _date(assignment.reply_due)})
    if new_due > assignment.max_reply_due:
        raise ProposalError(_("延期不能超过%(date)s（交办后最长期限）。") % {"date": _date(assignment.max_reply_due)})
    _claim(request, actor, True, note, new_due=new_due)
    basis = {
        **assignment.deadline_basis,
        "reply_due": _("经批准延期：%(old)s → %(new)s")
        % {"old": assignment.reply_due.isoformat(), "new": new_due.isoformat()},
    }
    Assignment.objects.filter(pk=assignment.pk).update(
        reply_due=new_due, deadline_basis=basis, version=F("version") + 1
    )
    log(
        proposal,
        Kind.EXTENSION_APPROVED,
        actor,
        message=note.strip(),
        department=assignment.department.name,
        changed=(assignment.reply_due.isoformat(), new_due.isoformat()),
    )
    text = _("%(title)s的答复期限已延至%(date)s。") % {"title": proposal.quoted_title, "date": _date(new_due)}
    notify([*dept_users, *_signers_by_proposal([proposal])[proposal.pk]], text, _url(proposal))
    assignment.refresh_from_db()
    return assignment


@transaction.atomic
def chase(assignment, actor, *, message=""):
    """催办: a formal chase notice to the department, on the timeline."""
    _require_coordinator(actor)
    if not assignment.is_active or assignment.replied_at:
        raise ProposalError(_("此交办已调整或已答复，无需催办。"))
    if assignment.mode == Mode.REFERENCE:
        raise ProposalError(_("参阅单位不需答复，无需催办。"))
    Assignment.objects.filter(pk=assignment.pk).update(last_chased_at=timezone.now())
    log(assignment.proposal, Kind.CHASED, actor, message=message.strip(), department=assignment.department.name)
    text = _("催办：请抓紧办理%(title)s（%(mode)s）。%(message)s") % {
        "title": assignment.proposal.quoted_title,
        "mode": assignment.get_mode_display(),
        "message": message.strip(),
    }
    notify(
        _department_users([assignment.department_id]).get(assignment.department_id, []), text, _url(assignment.proposal)
    )


@transaction.atomic
def set_key_supervision(proposal, actor, *, is_key, leader="", note=""):
    _require_coordinator(actor)
    if is_key and not leader.strip():
        raise ProposalError(_("请填写督办领导。"))
    Proposal.objects.filter(pk=proposal.pk).update(
        is_key=is_key, supervising_leader=leader.strip() if is_key else "", key_note=note.strip() if is_key else ""
    )
    log(proposal, Kind.KEY_MARKED if is_key else Kind.KEY_UNMARKED, actor, message=note.strip(), leader=leader.strip())
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def order_rehandling(previous, department, actor, *, now=None):
    """重新办理 of the reply to assignment `previous`: a new assignment of the next round, in
    the same mode (lead or separate), for `department` (the same one or another), due
    `rehandling_months` after the decision. `previous` stays as the record of its round, no
    longer in force; other departments' assignments are untouched."""
    _require_coordinator(actor)
    now = now or timezone.now()
    proposal = previous.proposal
    # the department may hold another assignment of the proposal (co-handler, reference): the
    # new round replaces it
    stale = proposal.assignments.current().filter(Q(pk=previous.pk) | Q(department=department))
    stale.update(is_active=False, version=F("version") + 1)
    today = timezone.localdate(now)
    line = PlanLine(department, previous.mode)
    assignment = _new_assignment(proposal, line, actor, now, _calendar_for(today))
    due, basis = deadlines.rehandling_due(today, deadlines.Policy.from_session(proposal.session))
    assignment.reply_due = assignment.max_reply_due = due
    assignment.deadline_basis = {**assignment.deadline_basis, "reply_due": basis, "max_reply_due": basis}
    assignment.round = previous.round + 1
    assignment.save()
    notify(
        _department_users([department.pk]).get(department.pk, []),
        _("交办机构要求重新办理第%(n)s号建议（第%(round)s轮），请于%(due)s前答复。")
        % {"n": proposal.number, "round": assignment.round, "due": _date(due)},
        _url(proposal),
        kind=NotificationKind.REHANDLING_ORDERED,
    )
    return assignment


def mark_replied(assignment, replied_at):
    """Called by the replies app when a reply (or a co-handler's opinion) is issued; tracking
    reads Assignment.replied_at."""
    Assignment.objects.filter(pk=assignment.pk, replied_at__isnull=True).update(
        replied_at=replied_at, version=F("version") + 1
    )
