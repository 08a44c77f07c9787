"""When a signed reply appears on the public portal (DOMAIN.md 12: publication within 20
working days of the reply).

A reply whose signed text is marked 此件公开发布, 此件摘要公开 or 此件仅公开标题 gets a
publication day at signing: the signing day plus the session's `auto_publish_workdays`
(0: at issue). A coordinator may release it earlier (`release`). The portal shows replies
whose day has come; co-handler opinions are internal and never published."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import Role
from proposals.deadlines import WorkCalendar

from .models import Reply
from .scaffold import Disclosure, chinese_date


class PublicationError(DomainError):
    pass


def publication_day(reply, disclosure: str, signed_on: datetime.date) -> datetime.date | None:
    """The day the portal shows the reply, or None when it is not to be published. A
    correction keeps the day an already published reply got."""
    if reply.kind != Reply.Kind.REPLY or disclosure not in Disclosure.PUBLISHED:
        return None
    if reply.published_on is not None:
        return reply.published_on
    delay = reply.assignment.proposal.session.auto_publish_workdays
    if not delay:
        return signed_on
    return WorkCalendar.load(signed_on, signed_on).add_workdays(signed_on, delay)[0]


def public_text(proposal, content) -> str:
    """What the public may search of a reply published as a summary or by its title only:
    the proposal's and the reply's titles, and the summary. (A reply published in full is
    searched by its whole signed text, Reply.search_text.)"""
    if content.disclosure == Disclosure.SUMMARY:
        return "\n".join([proposal.title, content.title, content.summary])
    if content.disclosure == Disclosure.TITLE_ONLY:
        return "\n".join([proposal.title, content.title])
    return ""


@transaction.atomic
def release(reply, actor, *, today=None) -> Reply:
    """Publish now a reply that is waiting for its automatic publication day."""
    today = today or timezone.localdate()
    if actor.role != Role.COORDINATOR:
        raise PublicationError(_("只有交办机构可以发布答复。"))
    locked = Reply.objects.select_for_update().get(pk=reply.pk)
    if locked.signed_version_id is None or locked.kind != Reply.Kind.REPLY:
        raise PublicationError(_("只有已签发的答复可以发布。"))
    if locked.disclosure not in Disclosure.PUBLISHED:
        raise PublicationError(_("这件答复标注为“%(mark)s”，不能在公开平台发布。") % {"mark": _note(locked)})
    if locked.published_on is not None and locked.published_on <= today:
        raise PublicationError(_("这件答复已于%(day)s公开发布。") % {"day": chinese_date(locked.published_on)})
    Reply.objects.filter(pk=locked.pk).update(published_on=today)
    reply.refresh_from_db()
    return reply


def _note(reply):
    return Disclosure.NOTE.get(reply.disclosure, _("未标注"))


# --- what the portal shows, and what a coordinator sees of it ---------------------------------


def published(today=None):
    """Replies the public portal shows today (Asia/Shanghai): signed replies (never
    co-handler opinions) marked 公开发布, 摘要公开 or 仅公开标题 whose publication day has
    come. A correction in progress leaves the signed text published as it was."""
    today = today or timezone.localdate()
    return Reply.objects.filter(
        kind=Reply.Kind.REPLY,
        signed_version__isnull=False,
        disclosure__in=Disclosure.PUBLISHED,
        published_on__lte=today,
    )


def awaiting(today=None):
    """Signed replies to be published later (auto_publish_workdays): what a coordinator may
    release now, the soonest first."""
    today = today or timezone.localdate()
    return (
        Reply.objects.filter(
            kind=Reply.Kind.REPLY,
            signed_version__isnull=False,
            disclosure__in=Disclosure.PUBLISHED,
            published_on__gt=today,
        )
        .select_related("assignment__proposal__session", "department")
        .order_by("published_on", "id")
    )


class State:
    """A signed reply's publication state, as its page shows it."""

    PUBLISHED = "published"  # on the portal since `day`
    SCHEDULED = "scheduled"  # appears on `day` by itself
    NOT_PUBLISHED = "not_published"  # ON_REQUEST / NOT_PUBLIC, or an opinion

    def __init__(self, reply, today=None):
        today = today or timezone.localdate()
        self.mark = Disclosure.NOTE.get(reply.disclosure, "")
        self.day = reply.published_on
        if reply.kind != Reply.Kind.REPLY or reply.disclosure not in Disclosure.PUBLISHED or self.day is None:
            self.code = self.NOT_PUBLISHED
        elif self.day <= today:
            self.code = self.PUBLISHED
        else:
            self.code = self.SCHEDULED
        publishable = reply.kind == Reply.Kind.REPLY and reply.disclosure in Disclosure.PUBLISHED
        # a reply signed before publication days were kept has none: it waits for a release
        self.releasable = reply.signed_version_id is not None and publishable and (self.day is None or self.day > today)

    @property
    def day_text(self):
        return chinese_date(self.day) if self.day else ""
