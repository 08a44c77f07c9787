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
