from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import CongressLevel, Deputy, Role


class Session(models.Model):
    """A session of a people's congress (届次/会次), e.g. 省十四届人大三次会议."""

    class Period(models.TextChoices):
        DURING = "during", _("大会期间")
        BETWEEN = "between", _("闭会期间")

    name = models.CharField(_("会议全称"), max_length=60, unique=True)
    level = models.CharField(_("人大层级"), max_length=20, choices=CongressLevel.choices)
    term = models.PositiveSmallIntegerField(_("届"))
    session_no = models.PositiveSmallIntegerField(_("次"))
    period = models.CharField(_("提出时段"), max_length=10, choices=Period.choices, default=Period.DURING)
    opens_on = models.DateField(_("开幕日期"))
    closes_on = models.DateField(_("闭幕日期"))
    submission_deadline = models.DateTimeField(_("建议提交截止时间"))

    class Meta:
        ordering = ["-opens_on"]
        verbose_name = _("会次")
        verbose_name_plural = _("会次")
        constraints = [
            models.CheckConstraint(
                name="session_closes_after_it_opens",
                condition=Q(closes_on__gte=models.F("opens_on")),
                violation_error_message=_("闭幕日期不能早于开幕日期。"),
            ),
        ]

    def __str__(self):
        return self.name


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Deputies see their own proposals; coordinators see all. Department users will see
        what is assigned to their department once assignment exists; administrators see none."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.COORDINATOR:
            return self
        if user.role == Role.DEPUTY:
            return self.filter(lead_deputy__user=user)
        return self.none()

    def for_home(self):
        return self.select_related("session").only("id", "title", "status", "number", "session__name", "updated_at")


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审查")
        RETURNED = "returned", _("退回修改")
        ACCEPTED = "accepted", _("已立案")
        NOT_ACCEPTED = "not_accepted", _("不予立案")
        WITHDRAWN = "withdrawn", _("已撤回")

    session = models.ForeignKey(Session, verbose_name=_("会次"), on_delete=models.PROTECT, related_name="proposals")
    number = models.PositiveIntegerField(_("建议号"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    lead_deputy = models.ForeignKey(
        Deputy, verbose_name=_("领衔代表"), on_delete=models.PROTECT, related_name="led_proposals"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("建议")
        verbose_name_plural = _("建议")
        constraints = [
            # 第N号 is unique within a session; numbers are handed out from a locked counter.
            models.UniqueConstraint(fields=["session", "number"], name="proposal_number_unique_in_session"),
        ]
        indexes = [
            # the deputy's home page: their proposals, most recently changed first
            models.Index(fields=["lead_deputy", "-updated_at"], name="proposal_deputy_recent"),
        ]

    def __str__(self):
        return self.title


class Suggestion(models.Model):
    """One numbered suggestion of a proposal; the reply answers each in order."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="suggestions")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.TextField(_("建议内容"))

    class Meta:
        ordering = ["proposal", "position"]
        verbose_name = _("具体建议")
        verbose_name_plural = _("具体建议")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "position"], name="suggestion_position_unique"),
        ]

    def __str__(self):
        return self.text[:40]
