"""Workflow steps of a proposal, from draft to review (DOMAIN.md steps 1–3).

Each step checks its preconditions, raises ProposalError with a message for the user, runs
in one transaction with a row lock or a conditional update whose row count is checked,
writes one ProposalEvent, and tells people on commit.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import Deputy, NotificationKind, Role, User
from accounts.notifications import notify

from .files import random_storage_name, safe_download_name, validate_attachment
from .models import Attachment, CoSigner, Proposal, ProposalEvent, Session, Suggestion

Status = Proposal.Status
Kind = ProposalEvent.Kind
MAX_ATTACHMENTS = 10
# Statuses from which a proposal may still be withdrawn (before departments are at work).
WITHDRAWABLE = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED)


class ProposalError(DomainError):
    pass


def log(proposal, kind, actor, *, old="", new="", message="", changed=None, **details):
    """One event. `old` and `new` are the proposal's statuses before and after; what else
    changed from one value to another (a date, a department) goes in `changed=(old, new)`,
    kept in details as `old` and `new` (the timeline shows "old → new")."""
    if changed is not None:
        details["old"], details["new"] = changed
    return ProposalEvent.objects.create(
        proposal=proposal, kind=kind, actor=actor, from_status=old, to_status=new, message=message, details=details
    )


def _url(proposal):
    return reverse("proposals:detail", args=[proposal.pk])


def _signer_users(proposal, *, include_lead=True):
    users = [proposal.lead_deputy.user] if include_lead else []
    users += [
        c.deputy.user
        for c in proposal.cosigners.select_related("deputy__user").filter(status=CoSigner.Status.CONFIRMED)
    ]
    return [u for u in users if u]


def _transition(proposal, old_statuses, new_status, **fields):
    """Move the proposal on only if it is still in one of `old_statuses`; returns the status
    it had. Two people acting at once: the second finds it moved and is told so."""
    current = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if current.status not in old_statuses:
        raise ProposalError(
            _("此建议当前状态为“%(status)s”，不能进行此项操作。请刷新页面查看最新情况。")
            % {"status": current.get_status_display()}
        )
    Proposal.objects.filter(pk=proposal.pk).update(status=new_status, version=F("version") + 1, **fields)
    old = current.status
    proposal.refresh_from_db()
    return old


def _search_text(title, suggestions):
    return "\n".join([title, *suggestions])


# --- drafting and submission ------------------------------------------------------------------


def _check_content(title, body, suggestions, *, for_submission):
    if not title:
        raise ProposalError(_("请填写标题。"))
    if for_submission and not body:
        raise ProposalError(_("请填写正文。"))
    if for_submission and not suggestions:
        raise ProposalError(_("请至少填写一条具体建议。"))


@transaction.atomic
def save_draft(*, actor, session, data, suggestions, proposal=None, version=None, client_token=None):
    """Create a draft, or save changes to an editable proposal.

    `data`: title, body, category, hoped_departments, agrees_to_publish (cleaned form data).
    `version`: the version the edit started from; a concurrent change makes it stale.
    """
    suggestions = [s for s in suggestions if s]
    _check_content(data["title"], data.get("body", ""), suggestions, for_submission=False)
    fields = {
        "title": data["title"],
        "body": data.get("body", ""),
        "category": data.get("category"),
        "agrees_to_publish": data.get("agrees_to_publish", True),
        "search_text": _search_text(data["title"], suggestions),
    }
    if proposal is None:
        if existing := _sent_before(client_token, fields, suggestions):
            return existing
        deputy = Deputy.objects.filter(user=actor).first()
        if deputy is None:
            raise ProposalError(_("只有人大代表可以提出建议。"))
        try:
            with transaction.atomic():
                proposal = Proposal.objects.create(
                    session=session, lead_deputy=deputy, created_by=actor, client_token=client_token, **fields
                )
        except IntegrityError:  # the same form, sent twice at the same moment
            return Proposal.objects.get(client_token=client_token)
        log(proposal, Kind.CREATED, actor, new=Status.DRAFT)
    else:
        if proposal.lead_deputy.user_id != actor.pk:
            raise ProposalError(_("只有领衔代表可以修改此建议。"))
        updated = Proposal.objects.filter(
            pk=proposal.pk, version=version, status__in=(Status.DRAFT, Status.RETURNED)
        ).update(version=F("version") + 1, updated_at=timezone.now(), **fields)
        if not updated:
            raise ProposalError(
                _("此建议在您编辑期间已被修改或已提交，您的修改没有保存。请复制您的内容，刷新页面后再修改。")
            )
        proposal.refresh_from_db()
        proposal.suggestions.all().delete()
        log(proposal, Kind.EDITED, actor)
    Suggestion.objects.bulk_create(
        Suggestion(proposal=proposal, position=i, text=text) for i, text in enumerate(suggestions, 1)
    )
    proposal.hoped_departments.set(data.get("hoped_departments") or [])
    return proposal


def _sent_before(client_token, fields, suggestions):
    """The proposal this form already created, when it is sent again unchanged (a double
    click, a resent request). Sent again with other content (the browser's Back button
    restores the form and its token), it is refused rather than silently dropped."""
    existing = Proposal.objects.filter(client_token=client_token).first() if client_token else None
    if existing is None:
        return None
    same = (
        existing.title == fields["title"]
        and existing.body == fields["body"]
        and list(existing.suggestions.values_list("text", flat=True)) == suggestions
    )
    if not same:
        raise ProposalError(_("这份表单已经保存过，请在“我的建议”中打开该建议继续修改，您的内容请先复制保存。"))
    return existing


def _snapshot(proposal):
    return {
        "title": proposal.title,
        "body": proposal.body,
        "suggestions": list(proposal.suggestions.values_list("text", flat=True)),
    }


@transaction.atomic
def submit_proposal(proposal, actor, *, now=None):
    """Send a draft, or a proposal returned for revision, to the office for review."""
    now = now or timezone.now()
    if proposal.lead_deputy.user_id != actor.pk:
        raise ProposalError(_("只有领衔代表可以提交此建议。"))
    if proposal.status == Status.SUBMITTED:
        raise ProposalError(_("此建议已经提交，无需重复提交。"))
    suggestions = list(proposal.suggestions.values_list("text", flat=True))
    _check_content(proposal.title, proposal.body, suggestions, for_submission=True)
    if proposal.category_id is None:
        raise ProposalError(_("请选择建议分类。"))
    # Revisions the office asked for may come after the deadline; new proposals may not.
    if proposal.status == Status.DRAFT and now > proposal.session.submission_deadline:
        deadline = formats.date_format(timezone.localtime(proposal.session.submission_deadline), "DATETIME_FORMAT")
        raise ProposalError(
            _("%(session)s的建议提交截止时间（%(deadline)s）已过，不能再提交。如有特殊情况请联系交办机构。")
            % {"session": proposal.session.name, "deadline": deadline}
        )
    old = _transition(proposal, (Status.DRAFT, Status.RETURNED), Status.SUBMITTED, submitted_at=now)
    log(proposal, Kind.SUBMITTED, actor, old=old, new=Status.SUBMITTED, **_snapshot(proposal))
    return proposal


@transaction.atomic
def enter_on_behalf(*, actor, deputy, session, data, suggestions, client_token=None):
    """Staff key in a paper proposal for a deputy; it goes straight to review."""
    if actor.role != Role.COORDINATOR:
        raise ProposalError(_("只有交办机构工作人员可以代录建议。"))
    suggestions = [s for s in suggestions if s]
    _check_content(data["title"], data.get("body", ""), suggestions, for_submission=True)
    fields = {"title": data["title"], "body": data["body"]}
    if existing := _sent_before(client_token, fields, suggestions):
        return existing
    now = timezone.now()
    proposal = Proposal.objects.create(
        session=session,
        lead_deputy=deputy,
        created_by=actor,
        client_token=client_token,
        title=data["title"],
        body=data["body"],
        category=data.get("category"),
        agrees_to_publish=data.get("agrees_to_publish", True),
        channel=Proposal.Channel.PAPER,
        status=Status.SUBMITTED,
        submitted_at=now,
        search_text=_search_text(data["title"], suggestions),
    )
    Suggestion.objects.bulk_create(
        Suggestion(proposal=proposal, position=i, text=text) for i, text in enumerate(suggestions, 1)
    )
    proposal.hoped_departments.set(data.get("hoped_departments") or [])
    log(
        proposal,
        Kind.ENTERED_BY_STAFF,
        actor,
        new=Status.SUBMITTED,
        message=_("根据代表纸质建议录入"),
        **_snapshot(proposal),
    )
    notify([deputy.user], _("工作人员已为您录入建议%(title)s。") % {"title": proposal.quoted_title}, _url(proposal))
    return proposal


# --- co-signing and withdrawal ------------------------------------------------------------------


def find_deputy(name_text):
    """A deputy by name as typed: 王伟, or 王伟（长春代表团） when the name is shared."""
    text = name_text.strip().replace("(", "（").replace(")", "）")
    name, _sep, rest = text.partition("（")
    name, delegation = name.strip(), rest.rstrip("）").strip()
    if not name:
        raise ProposalError(_("请输入代表姓名。"))
    candidates = Deputy.objects.filter(name=name, is_active=True).select_related("delegation", "user")
    if delegation:
        candidates = candidates.filter(delegation__name=delegation)
    found = list(candidates[:2])
    if not found:
        if User.objects.filter(full_name=name).exclude(role=Role.DEPUTY).exists():
            raise ProposalError(_("“%(name)s”不是人大代表，只能邀请代表联名。") % {"name": name})
        raise ProposalError(_("没有找到名为“%(name)s”的在任代表。") % {"name": text})
    if len(found) > 1:
        raise ProposalError(
            _("有多位名为“%(name)s”的代表，请注明代表团，如：%(name)s（%(delegation)s）。")
            % {"name": name, "delegation": found[0].delegation.name if found[0].delegation else ""}
        )
    return found[0]


@transaction.atomic
def invite_cosigner(proposal, actor, deputy):
    if proposal.lead_deputy.user_id != actor.pk:
        raise ProposalError(_("只有领衔代表可以邀请联名代表。"))
    if proposal.status not in (Status.DRAFT, Status.RETURNED, Status.SUBMITTED):
        raise ProposalError(_("建议已审查，不能再邀请联名代表。"))
    if deputy.pk == proposal.lead_deputy_id:
        raise ProposalError(_("领衔代表不需要邀请自己联名。"))
    try:
        with transaction.atomic():
            cosigner = CoSigner.objects.create(proposal=proposal, deputy=deputy)
    except IntegrityError:
        existing = proposal.cosigners.get(deputy=deputy)
        if existing.status != CoSigner.Status.DECLINED:
            raise ProposalError(_("已经邀请过%(name)s代表。") % {"name": deputy.name}) from None
        # Asking again after a refusal is allowed: the deputy decides anew.
        CoSigner.objects.filter(pk=existing.pk).update(status=CoSigner.Status.INVITED, responded_at=None)
        cosigner = existing
    log(proposal, Kind.COSIGNER_INVITED, actor, deputy=deputy.name)
    notify(
        [deputy.user],
        _("%(lead)s代表邀请您联名提出建议%(title)s，请确认。")
        % {"lead": proposal.lead_deputy.name, "title": proposal.quoted_title},
        _url(proposal),
        kind=NotificationKind.COSIGN_INVITATION,
    )
    return cosigner


@transaction.atomic
def respond_to_invitation(proposal, actor, *, accept):
    cosigner = proposal.cosigners.select_for_update().filter(deputy__user=actor).first()
    if cosigner is None:
        raise ProposalError(_("您没有收到此建议的联名邀请。"))
    if cosigner.status != CoSigner.Status.INVITED:
        raise ProposalError(_("您已答复过此联名邀请（%(status)s）。") % {"status": cosigner.get_status_display()})
    if proposal.status in (Status.WITHDRAWN, Status.NOT_ACCEPTED):
        raise ProposalError(_("此建议已%(status)s，无需再确认联名。") % {"status": proposal.get_status_display()})
    cosigner.status = CoSigner.Status.CONFIRMED if accept else CoSigner.Status.DECLINED
    cosigner.responded_at = timezone.now()
    cosigner.save(update_fields=["status", "responded_at"])
    log(proposal, Kind.COSIGNER_CONFIRMED if accept else Kind.COSIGNER_DECLINED, actor, deputy=cosigner.deputy.name)
    message = _("%(name)s代表已确认联名建议%(title)s。") if accept else _("%(name)s代表谢绝联名建议%(title)s。")
    notify(
        [proposal.lead_deputy.user],
        message % {"name": cosigner.deputy.name, "title": proposal.quoted_title},
        _url(proposal),
    )
    return cosigner


def _withdraw(proposal, actor):
    old = _transition(proposal, WITHDRAWABLE, Status.WITHDRAWN)
    log(proposal, Kind.WITHDRAWN, actor, old=old, new=Status.WITHDRAWN)
    notify(_signer_users(proposal), _("建议%(title)s已撤回。") % {"title": proposal.quoted_title}, _url(proposal))


@transaction.atomic
def request_withdrawal(proposal, actor):
    """The lead deputy withdraws; a joint proposal waits for every confirmed co-signer."""
    if proposal.lead_deputy.user_id != actor.pk:
        raise ProposalError(_("只有领衔代表可以撤回建议。"))
    if proposal.status not in WITHDRAWABLE:
        raise ProposalError(_("此建议当前状态为“%(status)s”，不能撤回。") % {"status": proposal.get_status_display()})
    confirmed = proposal.cosigners.filter(status=CoSigner.Status.CONFIRMED)
    if not confirmed.exists():
        _withdraw(proposal, actor)
        return proposal
    if proposal.withdrawal_requested_at:
        raise ProposalError(_("已经申请撤回，正在等待联名代表同意。"))
    Proposal.objects.filter(pk=proposal.pk).update(withdrawal_requested_at=timezone.now())
    proposal.refresh_from_db()
    log(proposal, Kind.WITHDRAWAL_REQUESTED, actor)
    notify(
        _signer_users(proposal, include_lead=False),
        _("%(lead)s代表申请撤回联名建议%(title)s，需要您同意。")
        % {"lead": proposal.lead_deputy.name, "title": proposal.quoted_title},
        _url(proposal),
    )
    return proposal


@transaction.atomic
def agree_to_withdraw(proposal, actor):
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    cosigner = proposal.cosigners.filter(deputy__user=actor, status=CoSigner.Status.CONFIRMED).first()
    if cosigner is None:
        raise ProposalError(_("只有已确认的联名代表需要同意撤回。"))
    if not proposal.withdrawal_requested_at or proposal.status not in WITHDRAWABLE:
        raise ProposalError(_("领衔代表没有申请撤回此建议。"))
    if cosigner.agreed_to_withdraw_at:
        raise ProposalError(_("您已同意撤回。"))
    CoSigner.objects.filter(pk=cosigner.pk).update(agreed_to_withdraw_at=timezone.now())
    log(proposal, Kind.WITHDRAWAL_AGREED, actor, deputy=cosigner.deputy.name)
    pending = proposal.cosigners.filter(status=CoSigner.Status.CONFIRMED, agreed_to_withdraw_at__isnull=True)
    if not pending.exists():
        _withdraw(proposal, actor)
    return proposal


# --- attachments ---------------------------------------------------------------------------------


@transaction.atomic
def add_attachment(proposal, actor, uploaded):
    if actor.pk != proposal.lead_deputy.user_id and actor.role != Role.COORDINATOR:
        raise ProposalError(_("只有领衔代表可以上传附件。"))
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if actor.role != Role.COORDINATOR and not proposal.is_editable:
        raise ProposalError(_("建议提交后不能再修改附件。"))
    if proposal.attachments.count() >= MAX_ATTACHMENTS:
        raise ProposalError(_("每件建议最多上传%(n)s个附件。") % {"n": MAX_ATTACHMENTS})
    try:
        kind = validate_attachment(uploaded)
    except Exception as exc:  # ValidationError carries the Chinese message
        raise ProposalError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
    from django.core.files.storage import default_storage

    stored = default_storage.save(random_storage_name(kind), uploaded)
    attachment = Attachment.objects.create(
        proposal=proposal,
        file=stored,
        original_name=safe_download_name(uploaded.name, kind),
        kind=kind.key,
        size=uploaded.size,
        uploaded_by=actor,
    )
    log(proposal, Kind.ATTACHMENT_ADDED, actor, name=attachment.original_name)
    return attachment


@transaction.atomic
def remove_attachment(attachment, actor):
    proposal = attachment.proposal
    if actor.pk != proposal.lead_deputy.user_id or not proposal.is_editable:
        raise ProposalError(_("建议提交后不能再修改附件。"))
    name, stored = attachment.original_name, attachment.file.name
    attachment.delete()
    log(proposal, Kind.ATTACHMENT_REMOVED, actor, name=name)
    transaction.on_commit(lambda: attachment.file.storage.delete(stored))


# --- review by the office -------------------------------------------------------------------------


def _require_coordinator(actor):
    if actor.role != Role.COORDINATOR:
        raise ProposalError(_("只有交办机构工作人员可以审查建议。"))


@transaction.atomic
def accept_proposal(proposal, actor):
    """立案: the next official number of the session, gap-free. The session row is locked
    while the number is taken, so concurrent acceptances queue up and never collide."""
    _require_coordinator(actor)
    session = Session.objects.select_for_update().get(pk=proposal.session_id)
    number = session.last_number + 1
    old = _transition(
        proposal, (Status.SUBMITTED,), Status.ACCEPTED, number=number, accepted_at=timezone.now(), review_message=""
    )
    Session.objects.filter(pk=session.pk).update(last_number=number)
    log(proposal, Kind.ACCEPTED, actor, old=old, new=Status.ACCEPTED, number=number)
    notify(
        _signer_users(proposal),
        _("您的建议%(title)s已立案，编号为%(session)s第%(number)s号。")
        % {"title": proposal.quoted_title, "session": session.name, "number": number},
        _url(proposal),
        kind=NotificationKind.PROPOSAL_ACCEPTED,
    )
    return proposal


@transaction.atomic
def return_for_revision(proposal, actor, message):
    _require_coordinator(actor)
    if not message.strip():
        raise ProposalError(_("请写明需要代表修改完善的内容。"))
    old = _transition(proposal, (Status.SUBMITTED,), Status.RETURNED, review_message=message.strip())
    log(proposal, Kind.RETURNED, actor, old=old, new=Status.RETURNED, message=message.strip())
    notify(
        _signer_users(proposal)[:1],
        _("您的建议%(title)s需要修改完善：%(message)s")
        % {"title": proposal.quoted_title, "message": message.strip()[:100]},
        _url(proposal),
        kind=NotificationKind.PROPOSAL_RETURNED,
    )
    return proposal


@transaction.atomic
def not_accept(proposal, actor, *, reason, note, disposition):
    _require_coordinator(actor)
    if reason not in Proposal.NotAcceptedReason.values:
        raise ProposalError(_("请选择不予立案的理由。"))
    if disposition not in Proposal.Disposition.values:
        raise ProposalError(_("请选择处理方式。"))
    note = note.strip()
    if reason == Proposal.NotAcceptedReason.OTHER and not note:
        raise ProposalError(_("理由为“其他”时，请写明具体理由。"))
    if disposition == Proposal.Disposition.RETURNED_TO_DEPUTY and not note:
        raise ProposalError(_("退回代表时请写明说明，告知代表不予立案的原因。"))
    reason_label = Proposal.NotAcceptedReason(reason).label
    old = _transition(
        proposal,
        (Status.SUBMITTED,),
        Status.NOT_ACCEPTED,
        not_accepted_reason=reason,
        disposition=disposition,
        review_message=note,
    )
    log(
        proposal,
        Kind.NOT_ACCEPTED,
        actor,
        old=old,
        new=Status.NOT_ACCEPTED,
        message=note,
        reason=reason,
        disposition=disposition,
    )
    notify(
        _signer_users(proposal),
        _("您的建议%(title)s不予立案（%(reason)s），%(disposition)s。")
        % {
            "title": proposal.quoted_title,
            "reason": reason_label,
            "disposition": Proposal.Disposition(disposition).label,
        },
        _url(proposal),
        kind=NotificationKind.PROPOSAL_NOT_ACCEPTED,
    )
    return proposal


@transaction.atomic
def close_proposal(proposal, note, *, actor=None, now=None):
    """办结: called by the replies app when every reply is issued and its feedback settled.
    Closing twice changes nothing."""
    now = now or timezone.now()
    if not Proposal.objects.filter(pk=proposal.pk, status=Status.ASSIGNED).update(
        status=Status.CLOSED, closed_at=now, closing_note=note, version=F("version") + 1
    ):
        return False
    log(proposal, Kind.CLOSED, actor, old=Status.ASSIGNED, new=Status.CLOSED, message=note)
    notify(_signer_users(proposal), _("您的第%(n)s号建议已办结。") % {"n": proposal.number}, _url(proposal))
    proposal.refresh_from_db()
    return True


def reopen_for_rehandling(proposal):
    """A closed proposal whose re-handling is ordered is handled again; True when it was
    closed (the caller's event records the change of status)."""
    return bool(
        Proposal.objects.filter(pk=proposal.pk, status=Status.CLOSED).update(
            status=Status.ASSIGNED, closed_at=None, closing_note="", version=F("version") + 1
        )
    )


@transaction.atomic
def merge_proposals(proposal, into, actor):
    """并案办理: `proposal` is handled together with `into`; both stay and are answered
    separately. Merging into a proposal that is itself merged joins its group."""
    _require_coordinator(actor)
    locked = {p.pk: p for p in Proposal.objects.select_for_update().filter(pk__in=[proposal.pk, into.pk])}
    proposal, into = locked[proposal.pk], locked[into.pk]
    while into.merged_into_id:
        into = into.merged_into
    if into.pk == proposal.pk:
        raise ProposalError(_("不能与自身并案。"))
    if into.session_id != proposal.session_id:
        raise ProposalError(_("只能与同一会次的建议并案。"))
    closed = (Status.WITHDRAWN, Status.NOT_ACCEPTED, Status.DRAFT)
    if proposal.status in closed or into.status in closed:
        raise ProposalError(_("已撤回、不予立案或未提交的建议不能并案。"))
    if proposal.merged_into_id == into.pk:
        raise ProposalError(_("这两件建议已经并案。"))
    # The group keeps one head: anything merged into `proposal` follows it.
    Proposal.objects.filter(merged_into=proposal).update(merged_into=into)
    Proposal.objects.filter(pk=proposal.pk).update(merged_into=into, version=F("version") + 1)
    proposal.refresh_from_db()
    log(proposal, Kind.MERGED, actor, into=into.pk, into_title=into.title)
    log(into, Kind.MERGED, actor, merged=proposal.pk, merged_title=proposal.title)
    return proposal
