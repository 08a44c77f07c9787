"""Workflow steps of a reply (DOMAIN.md steps 6 and 8): drafting, contact records, co-handler
opinions, review, signature with the quality gate and the document number, issuing to the
deputies, corrections.

Each step checks its preconditions, raises ReplyError with a message for the user, runs in
one transaction under a row lock, writes the event on the proposal's log, and tells people
on commit (accounts.notifications)."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import NotificationKind, Role, User
from accounts.notifications import notify, notify_many
from proposals import assigning
from proposals.deadlines import add_months
from proposals.extraction import chinese_numeral
from proposals.models import Assignment, CoSigner, Proposal, ProposalEvent
from proposals.services import log

from . import numbering, scaffold
from .models import ContactRecord, Delivery, OpinionWaiver, Presence, Reply, ReplySettings, ReplyVersion, ReviewComment
from .publication import public_text, publication_day

Status = Reply.Status
Event = ProposalEvent.Kind
PRESENCE_SECONDS = 90


class ReplyError(DomainError):
    pass


class GateError(ReplyError):
    """Signing (or sending for signing) refused: every failure of the quality gate at once."""

    def __init__(self, failures):
        super().__init__(_("还不能签发，请先处理以下问题："))
        self.failures = failures


class ConflictError(ReplyError):
    """The draft changed since the editor loaded it: nothing was saved."""

    def __init__(self, current):
        super().__init__(
            _(
                "%(name)s已于%(time)s保存了此稿（第%(n)s版），您的修改没有保存。请对照下面的改动，在您的稿子里合并后再保存。"
            )
            % {
                "name": current.saved_by.full_name,
                "time": timezone.localtime(current.saved_at).strftime("%H:%M"),
                "n": current.number,
            }
        )
        self.current = current


def _url(reply):
    return reverse("replies:detail", args=[reply.pk])


def _locked(reply):
    return Reply.objects.select_for_update().get(pk=reply.pk)


def _require_department(reply, actor, *roles):
    roles = roles or (Role.CLERK, Role.LEADER)
    if actor.role not in roles or actor.department_id != reply.department_id:
        raise ReplyError(_("只有本单位的承办人员可以进行此项操作。"))


def _require_in_force(reply):
    if not Assignment.objects.filter(pk=reply.assignment_id, is_active=True).exists():
        raise ReplyError(_("此建议已调整给其他单位办理，本单位的稿子不能再修改、送审或签发。"))


def content_of(reply) -> scaffold.ReplyContent:
    return scaffold.ReplyContent.from_json(reply.content)


def _keep_version(reply, content, actor, kind, *, note="", number=None):
    last = reply.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ReplyVersion.objects.create(
        reply=reply,
        number=number or last + 1,
        kind=kind,
        content=content.to_json(),
        text=scaffold.render_text(content),
        note=note,
        document_number=content.number,
        saved_by=actor,
    )


# --- drafting ---------------------------------------------------------------------------------


def _draft_for(assignment, actor):
    proposal = assignment.proposal
    settings_row = ReplySettings.objects.filter(department=assignment.department).first()
    contact = {
        "contact_name": (settings_row.contact_name if settings_row and settings_row.contact_name else actor.full_name),
        "contact_phone": (
            settings_row.contact_phone
            if settings_row and settings_row.contact_phone
            else actor.phone or assignment.department.phone
        ),
    }
    if assignment.mode == Assignment.Mode.COHANDLER:
        lead = proposal.assignments.current().filter(mode=Assignment.Mode.LEAD).select_related("department").first()
        return scaffold.build_opinion(proposal, assignment.department, lead and lead.department, **contact)
    template = settings_row.title_template if settings_row else scaffold.DEFAULT_TITLE
    return scaffold.build(proposal, assignment.department, title_template=template, **contact)


def start_reply(assignment, actor):
    """The department's reply (or co-handler's opinion) for the current round, generated from
    the proposal the first time it is opened. Opening it twice opens the same draft."""
    if actor.role not in (Role.CLERK, Role.LEADER) or actor.department_id != assignment.department_id:
        raise ReplyError(_("只有本单位的承办人员可以起草答复。"))
    if not assignment.is_active:
        raise ReplyError(_("此交办已调整给其他单位，不能再起草答复。"))
    if assignment.mode == Assignment.Mode.REFERENCE:
        raise ReplyError(_("参阅件无需答复。"))
    if not assignment.signed_at:
        raise ReplyError(_("请先签收此交办，再起草答复。"))
    existing = assignment.replies.order_by("-round").first()
    if existing:
        return existing
    kind = Reply.Kind.OPINION if assignment.mode == Assignment.Mode.COHANDLER else Reply.Kind.REPLY
    content = _draft_for(assignment, actor)
    try:
        with transaction.atomic():
            reply = Reply.objects.create(
                assignment=assignment,
                department=assignment.department,
                kind=kind,
                round=assignment.round,
                content=content.to_json(),
                created_by=actor,
            )
            _keep_version(reply, content, actor, ReplyVersion.Kind.CREATED)
    except IntegrityError:  # a double click: the other request created it
        return assignment.replies.get(round=assignment.round)
    return reply


def check_suggestions(reply, content):
    """A section may only answer suggestions of the reply's own proposal."""
    own = set(reply.assignment.proposal.suggestions.values_list("pk", flat=True))
    for section in content.sections:
        if not set(section.suggestions) <= own:
            raise ReplyError(_("所选的建议条目不属于本件建议，请刷新页面后重试。"))


@transaction.atomic
def save_content(reply, content, actor, *, version):
    """Save the working draft if nobody saved since `version`; keeps a version either way."""
    _require_department(reply, actor)
    locked = _locked(reply)
    _require_in_force(locked)
    if not locked.is_editable:
        if locked.status == Status.SIGNED:
            raise ReplyError(_("答复已签发，不能再修改；如需更正，请发起更正。"))
        raise ReplyError(_("答复已送领导签发，不能修改；如需修改，请领导退回。"))
    if version != locked.version:
        raise ConflictError(locked.versions.select_related("saved_by").order_by("-number").first())
    check_suggestions(locked, content)
    if len(content.sections) > scaffold.MAX_SECTIONS:
        raise ReplyError(_("答复最多分为%(n)s个部分。") % {"n": scaffold.MAX_SECTIONS})
    saved = _keep_version(locked, content, actor, ReplyVersion.Kind.SAVED)
    Reply.objects.filter(pk=reply.pk).update(
        content=content.to_json(), version=F("version") + 1, updated_at=timezone.now()
    )
    reply.refresh_from_db()
    return saved


def touch_presence(reply, user, *, now=None):
    """Record that `user` has the draft open; returns the others who have it open."""
    now = now or timezone.now()
    Presence.objects.update_or_create(reply=reply, user=user, defaults={"seen_at": now})
    since = now - datetime.timedelta(seconds=PRESENCE_SECONDS)
    return list(
        User.objects.filter(
            pk__in=Presence.objects.filter(reply=reply, seen_at__gte=since).exclude(user=user).values("user")
        )
    )


# --- the quality gate ---------------------------------------------------------------------------


def _placeholder_in(content):
    parts = [content.title, content.addressee, content.opening, *content.closing, content.signature]
    parts += [text for s in content.sections for text in (s.heading, s.body)]
    return any(scaffold.PLACEHOLDER in p or "{" in p for p in parts)


def needs_commitments(category: str, categories) -> bool:
    """Every category but the first (solved) and the last (kept for reference) promises work
    (跟踪办理): B and C of A–D."""
    codes = [code for code, _label in categories]
    return category in codes[1:-1]


def signers(proposal):
    """The deputies a reply goes to and asks feedback from: the lead and every confirmed
    co-signer (read from `proposal.cosigners`, so a prefetch serves it)."""
    confirmed = [c.deputy for c in proposal.cosigners.all() if c.status == CoSigner.Status.CONFIRMED]
    return [proposal.lead_deputy, *confirmed]


def quality_gate(reply, *, today=None, suggestions=None, opinions=None, commitments=None, contacts=None) -> list[str]:
    """Every reason the reply cannot be signed yet, in the order a writer would fix them.
    A page that already holds the proposal's suggestions or the co-handlers' opinions
    passes them in."""
    today = today or timezone.localdate()
    content = content_of(reply)
    assignment = reply.assignment
    proposal = assignment.proposal
    session = proposal.session
    failures = []
    if not content.sections:
        failures.append(_("答复至少要有一个部分。"))
    # 分办: each department answers its own part, so only the lead must cover every suggestion
    if reply.kind == Reply.Kind.REPLY and assignment.mode == Assignment.Mode.LEAD:
        covered = {pk for s in content.sections for pk in s.suggestions}
        for suggestion in proposal.suggestions.all() if suggestions is None else suggestions:
            if suggestion.pk not in covered:
                failures.append(
                    _("第%(n)s条建议“%(text)s”没有对应的答复部分。")
                    % {"n": suggestion.position, "text": suggestion.text[:30]}
                )
    for i, section in enumerate(content.sections, 1):
        if not section.body.strip():
            failures.append(_("第%(n)s部分（%(numeral)s、）还没有写正文。") % {"n": i, "numeral": chinese_numeral(i)})
    if _placeholder_in(content):
        failures.append(_("稿中还有未替换的占位符（……），请写完整。"))
    if not content.addressee.strip() or not content.signature.strip():
        failures.append(_("请填写主送代表和署名单位。"))
    summary_missing = content.disclosure == scaffold.Disclosure.SUMMARY and not content.summary.strip()
    if reply.kind == Reply.Kind.REPLY and summary_missing:
        failures.append(_("摘要公开的答复须填写公开摘要。"))
    if reply.kind == Reply.Kind.REPLY:
        if not content.effective_category(session.result_categories):
            failures.append(_("请选择办理结果类别。"))
        category = content.effective_category(session.result_categories)
        promised = reply.commitments.exists() if commitments is None else bool(commitments)
        if needs_commitments(category, session.result_categories) and not promised:
            failures.append(
                _("办理结果为“%(category)s”类的答复，须列出承诺事项（做什么、何时完成）。") % {"category": category}
            )
        if contacts is None:
            contacted = assignment.contacts.filter(date__lte=today).exists()
        else:
            contacted = any(c.date <= today for c in contacts)
        if session.contact_required and not contacted:
            failures.append(_("签发前须先与代表沟通，请添加沟通记录。"))
        if assignment.mode == Assignment.Mode.LEAD:
            rows = opinions_for(assignment) if opinions is None else opinions
            for cohandler in [a for a, opinion, waiver in rows if opinion is None and waiver is None]:
                failures.append(
                    _("尚未收到%(dept)s的协办意见（如确实无法等待，可请交办机构同意免等）。")
                    % {"dept": cohandler.department.name}
                )
    return failures


def opinions_for(assignment):
    """(co-handler assignment, its signed opinion or None, its waiver or None) for a lead."""
    cohandlers = list(
        assignment.proposal.assignments.current()
        .filter(mode=Assignment.Mode.COHANDLER)
        .select_related("department", "opinion_waiver__waived_by")
        .order_by("id")
    )
    opinions = {
        r.assignment_id: r
        for r in Reply.objects.filter(assignment__in=cohandlers, signed_version__isnull=False).select_related(
            "signed_version"
        )
    }
    rows = []
    for a in cohandlers:
        # a missing reverse one-to-one raises a subclass of AttributeError
        rows.append((a, opinions.get(a.pk), getattr(a, "opinion_waiver", None)))
    return rows


# --- review and signature -----------------------------------------------------------------------


@transaction.atomic
def submit_for_review(reply, actor, *, version):
    _require_department(reply, actor)
    locked = _locked(reply)
    _require_in_force(locked)
    if not locked.is_editable:
        raise ReplyError(_("此稿当前状态为“%(s)s”，不能送审。") % {"s": locked.get_status_display()})
    if version != locked.version:
        raise ConflictError(locked.versions.select_related("saved_by").order_by("-number").first())
    failures = quality_gate(locked)
    if failures:
        raise GateError(failures)
    Reply.objects.filter(pk=reply.pk).update(status=Status.IN_REVIEW, version=F("version") + 1)
    log(
        locked.assignment.proposal,
        Event.REPLY_SUBMITTED,
        actor,
        reply=reply.pk,
        department=locked.department.name,
    )
    leaders = User.objects.filter(department_id=reply.department_id, role=Role.LEADER, is_active=True)
    notify(
        leaders,
        _("%(clerk)s送审了第%(n)s号建议的%(kind)s，请审核签发。")
        % {"clerk": actor.full_name, "n": locked.assignment.proposal.number, "kind": locked.get_kind_display()},
        _url(reply),
    )
    reply.refresh_from_db()


@transaction.atomic
def return_for_revision(reply, actor, *, comment):
    _require_department(reply, actor, Role.LEADER)
    comment = comment.strip()
    if not comment:
        raise ReplyError(_("请写明退回修改的意见。"))
    locked = _locked(reply)
    if locked.status != Status.IN_REVIEW:
        raise ReplyError(_("只有待签发的稿子可以退回。"))
    Reply.objects.filter(pk=reply.pk).update(status=Status.RETURNED, version=F("version") + 1)
    ReviewComment.objects.create(reply=locked, author=actor, text=comment, version_number=_last_number(locked))
    # the comment is internal to the department: it stays on the draft, not on the timeline
    log(locked.assignment.proposal, Event.REPLY_RETURNED, actor, reply=reply.pk)
    clerks = User.objects.filter(department_id=reply.department_id, role=Role.CLERK, is_active=True)
    notify(
        clerks,
        _("%(leader)s退回了第%(n)s号建议的%(kind)s：%(comment)s")
        % {
            "leader": actor.full_name,
            "n": locked.assignment.proposal.number,
            "kind": locked.get_kind_display(),
            "comment": comment,
        },
        _url(reply),
    )
    reply.refresh_from_db()


def _last_number(reply):
    return reply.versions.order_by("-number").values_list("number", flat=True).first() or 0


@transaction.atomic
def sign(reply, actor, *, now=None):
    """签发: the quality gate, the document number from the department's series (the same
    transaction holds the series row lock), the frozen version, and the copies to the
    deputies (a reply) or to the lead department (an opinion)."""
    if actor.role != Role.LEADER or actor.department_id != reply.department_id:
        raise ReplyError(_("只有本单位负责人可以签发。"))
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Only the reply's row: a join's rows would be locked too, and the session row would make
    # every signature of the session (and every acceptance) wait for this one.
    locked = (
        Reply.objects.select_for_update(of=("self",)).select_related("assignment__proposal__session").get(pk=reply.pk)
    )
    if locked.status == Status.SIGNED:
        raise ReplyError(_("此件已签发（%(number)s），不能重复签发。") % {"number": locked.document_number})
    if locked.status != Status.IN_REVIEW:
        raise ReplyError(_("请承办人先送审，再签发。"))
    _require_in_force(locked)
    failures = quality_gate(locked, today=today)
    if failures:
        raise GateError(failures)
    content = content_of(locked)
    correcting = locked.signed_version_id is not None
    if correcting:
        number, year, serial = locked.document_number, locked.year, locked.serial
    else:
        year = today.year
        number, serial = numbering.take_number(locked.department, year, kind=locked.kind)
    content.number = number
    content.date = today
    category = content.effective_category(locked.assignment.proposal.session.result_categories)
    if locked.kind == Reply.Kind.REPLY:
        content.category = category  # the signed text carries its mark, whatever the sections say later
    kind = ReplyVersion.Kind.CORRECTED if correcting else ReplyVersion.Kind.SIGNED
    version = _keep_version(locked, content, actor, kind, note=locked.correction_reason if correcting else "")
    Reply.objects.filter(pk=reply.pk).update(
        disclosure=content.disclosure,
        published_on=publication_day(locked, content.disclosure, today),
        search_text=content.text(),
        public_text=public_text(locked.assignment.proposal, content),
        status=Status.SIGNED,
        content=content.to_json(),
        version=F("version") + 1,
        category=category if locked.kind == Reply.Kind.REPLY else "",
        document_number=number,
        year=year,
        serial=serial,
        signed_at=now,
        signed_by=actor,
        signed_version=version,
        correction_reason="",
    )
    locked.refresh_from_db()
    proposal = locked.assignment.proposal
    if locked.kind == Reply.Kind.REPLY:
        _issue(locked, version, actor, correcting=correcting)
        log(
            proposal,
            Event.REPLY_CORRECTED if correcting else Event.REPLY_SIGNED,
            actor,
            message=version.note,
            reply=locked.pk,
            document_number=number,
            department=locked.department.name,
        )
    else:
        _send_opinion(locked, actor, correcting=correcting)
        log(
            proposal,
            Event.OPINION_SIGNED,
            actor,
            reply=locked.pk,
            document_number=number,
            department=locked.department.name,
        )
    if not correcting:
        assigning.mark_replied(locked.assignment, now)
        if locked.kind == Reply.Kind.REPLY:
            window = locked.assignment.proposal.session.feedback_window_months
            Reply.objects.filter(pk=reply.pk).update(feedback_until=add_months(today, window))
    reply.refresh_from_db()
    return version


def _issue(reply, version, actor, *, correcting):
    """Send the signed reply to the lead deputy and every confirmed co-signer, and record
    each copy."""
    proposal = reply.assignment.proposal
    deputies = signers(proposal)
    Delivery.objects.bulk_create([Delivery(reply=reply, version=version, deputy=d) for d in deputies])
    if correcting:
        message = _("%(dept)s更正了对您第%(n)s号建议的答复（%(number)s）。")
    else:
        message = _("%(dept)s答复了您的第%(n)s号建议《%(title)s》（%(number)s）。")
    text = message % {
        "dept": reply.department.name,
        "n": proposal.number,
        "title": proposal.title,
        "number": reply.document_number,
    }
    notify_many([(d.user, text, _url(reply)) for d in deputies if d.user_id], kind=NotificationKind.REPLY_ISSUED)
    coordinators = User.objects.filter(role=Role.COORDINATOR, is_active=True)
    notify(
        coordinators,
        _("%(dept)s已签发第%(n)s号建议的答复（%(number)s）。")
        % {"dept": reply.department.name, "n": proposal.number, "number": reply.document_number},
        _url(reply),
    )


def _lead_department_users(proposal):
    leads = proposal.assignments.current().filter(mode=Assignment.Mode.LEAD).values("department")
    return User.objects.filter(department__in=leads, role__in=(Role.CLERK, Role.LEADER), is_active=True)


def _send_opinion(reply, actor, *, correcting):
    proposal = reply.assignment.proposal
    notify(
        _lead_department_users(proposal),
        _("%(dept)s的协办意见（%(number)s）已送达，第%(n)s号建议。")
        % {"dept": reply.department.name, "number": reply.document_number, "n": proposal.number},
        _url(reply),
    )


@transaction.atomic
def start_correction(reply, actor, *, reason):
    """A signed reply stays as signed; the correction is drafted, reviewed and signed again
    under the same document number, and both signed versions stay visible."""
    _require_department(reply, actor)
    reason = reason.strip()
    if not reason:
        raise ReplyError(_("请写明更正理由。"))
    locked = _locked(reply)
    if locked.status != Status.SIGNED:
        raise ReplyError(_("只有已签发的答复可以更正。"))
    _require_in_force(locked)
    Reply.objects.filter(pk=reply.pk).update(status=Status.DRAFT, correction_reason=reason, version=F("version") + 1)
    reply.refresh_from_db()


# --- contacts and co-handlers -------------------------------------------------------------------


@transaction.atomic
def add_contact(assignment, actor, *, data, today=None):
    today = today or timezone.localdate()
    if actor.role not in (Role.CLERK, Role.LEADER) or actor.department_id != assignment.department_id:
        raise ReplyError(_("只有本单位的承办人员可以记录沟通情况。"))
    if data["date"] > today:
        raise ReplyError(_("沟通日期不能晚于今天。"))
    if data["date"] < timezone.localdate(assignment.assigned_at):
        raise ReplyError(_("沟通日期不能早于交办日期。"))
    record = ContactRecord.objects.create(assignment=assignment, recorded_by=actor, **data)
    log(
        assignment.proposal,
        Event.CONTACT_RECORDED,
        actor,
        message=f"{record.get_form_display()} · {record.get_agreement_display()}",
        contact=record.pk,
        department=assignment.department.name,
    )
    return record


@transaction.atomic
def waive_opinion(assignment, actor, *, reason):
    if actor.role != Role.COORDINATOR:
        raise ReplyError(_("只有交办机构可以同意免等协办意见。"))
    reason = reason.strip()
    if not reason:
        raise ReplyError(_("请写明免等协办意见的理由。"))
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.mode != Assignment.Mode.COHANDLER or not locked.is_active:
        raise ReplyError(_("只能对有效的协办单位免等意见。"))
    if Reply.objects.filter(assignment=locked, signed_version__isnull=False).exists():
        raise ReplyError(_("该协办单位已提交意见，无需免等。"))
    if OpinionWaiver.objects.filter(assignment=locked).exists():
        raise ReplyError(_("已同意免等该协办单位的意见。"))
    OpinionWaiver.objects.create(assignment=locked, reason=reason, waived_by=actor)
    proposal = locked.proposal
    log(proposal, Event.OPINION_WAIVED, actor, message=reason, department=locked.department.name)
    cohandler_users = User.objects.filter(department=locked.department, role__in=(Role.CLERK, Role.LEADER))
    notify(
        [*_lead_department_users(proposal), *cohandler_users],
        _("交办机构同意第%(n)s号建议不再等待%(dept)s的协办意见：%(reason)s")
        % {"n": proposal.number, "dept": locked.department.name, "reason": reason},
        reverse("proposals:detail", args=[proposal.pk]),
    )


# --- historical replies -----------------------------------------------------------------------


@transaction.atomic
def import_historical(proposal, department, content, actor, *, source=""):
    """Save a reply issued before the system (read by replies.parsing, checked by a
    coordinator) as the signed reply of `department` to `proposal`. A proposal of past years
    may have no assignment here: one is recorded, dated the day of the reply."""
    if actor.role != Role.COORDINATOR:
        raise ReplyError(_("只有交办机构可以导入历史答复。"))
    if content.date is None:
        raise ReplyError(_("请填写答复日期。"))
    signed_at = timezone.make_aware(datetime.datetime.combine(content.date, datetime.time(12)))
    current = proposal.assignments.current()
    assignment = current.filter(department=department).first()
    if assignment is not None and assignment.mode not in (Assignment.Mode.LEAD, Assignment.Mode.SEPARATE):
        raise ReplyError(
            _("%(dept)s是这件建议的%(mode)s单位，不能导入它的答复。")
            % {"dept": department.name, "mode": assignment.get_mode_display()}
        )
    if assignment is None:
        lead = current.filter(mode=Assignment.Mode.LEAD).select_related("department").first()
        if lead is not None:
            raise ReplyError(
                _("这件建议由%(lead)s主办，%(dept)s不是承办单位，不能导入它的答复。")
                % {"lead": lead.department.name, "dept": department.name}
            )
        assignment = Assignment.objects.create(
            proposal=proposal,
            department=department,
            mode=Assignment.Mode.LEAD,
            assigned_at=signed_at,
            assigned_by=actor,
            signed_at=signed_at,
            signed_by=actor,
            sign_due=content.date,
            reassign_until=content.date,
            reply_due=content.date,
            max_reply_due=content.date,
            deadline_basis={"historical": source or True},
        )
    if assignment.replies.filter(round=1).exists():
        raise ReplyError(_("%(dept)s对这件建议已有答复，不能再导入。") % {"dept": department.name})
    if content.number and Reply.objects.filter(department=department, document_number=content.number).exists():
        raise ReplyError(
            _("%(dept)s已有文号为%(number)s的答复。") % {"dept": department.name, "number": content.number}
        )
    reply = Reply(
        assignment=assignment,
        department=department,
        kind=Reply.Kind.REPLY,
        status=Status.SIGNED,
        content=content.to_json(),
        disclosure=content.disclosure,
        search_text=content.text(),
        public_text=public_text(proposal, content),
        category=content.category,
        document_number=content.number,
        year=content.date.year,
        signed_at=signed_at,
        created_by=actor,
    )
    reply.published_on = publication_day(reply, content.disclosure, content.date)
    reply.save()
    note = _("历史答复导入：%(source)s") % {"source": source} if source else _("历史答复导入")
    version = _keep_version(reply, content, actor, ReplyVersion.Kind.SIGNED, note=note)
    Reply.objects.filter(pk=reply.pk).update(signed_version=version)
    assigning.mark_replied(assignment, signed_at)
    # a registered proposal answered before the system was in use: it was assigned then
    Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.ACCEPTED).update(status=Proposal.Status.ASSIGNED)
    from .rehandling import check_closing  # rehandling builds on this module

    check_closing(proposal, actor=actor)
    log(
        proposal,
        Event.REPLY_SIGNED,
        actor,
        message=note,
        reply=reply.pk,
        document_number=content.number,
        department=department.name,
    )
    reply.refresh_from_db()
    return reply
