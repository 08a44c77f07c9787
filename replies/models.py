from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts import choices
from accounts.models import Department, Role
from proposals.search import NormalizedDocument, SearchDocument


class DocumentSeries(choices.Model):
    """A department's numbering series for one year (发文字号): the pattern
    吉科发规划〔{年份}〕{序号}号 gives 吉科发规划〔2024〕56号.

    `last_number` is read and advanced only under a row lock in the signing transaction
    (replies.numbering.take_number), so numbers stay gap-free and unique with any number of
    app servers. Some departments keep a separate series for co-handler opinions."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("答复")
        OPINION = "opinion", _("协办意见")

    department = models.ForeignKey(Department, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="series")
    kind = models.CharField(_("文种"), max_length=10, choices=Kind.choices, default=Kind.REPLY)
    year = models.PositiveSmallIntegerField(_("年度"))
    pattern = models.CharField(
        _("文号格式"), max_length=60, help_text=_("如“吉科发规划〔{年份}〕{序号}号”：{年份}和{序号}由系统填入。")
    )
    last_number = models.PositiveIntegerField(_("已用到的序号"), default=0)

    class Meta:
        ordering = ["department", "kind", "-year"]
        verbose_name = _("发文字号序列")
        verbose_name_plural = _("发文字号序列")
        constraints = [
            models.UniqueConstraint(fields=["department", "kind", "year"], name="one_series_per_department_kind_year"),
            models.CheckConstraint(name="series_year_plausible", condition=Q(year__gte=2000, year__lte=2100)),
        ]

    def __str__(self):
        return self.pattern.replace("{年份}", str(self.year)).replace("{序号}", "N")


class ReplySettings(choices.Model):
    """A department's drafting defaults: the title form and the contact line of the 附注."""

    department = models.OneToOneField(
        Department, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="reply_settings"
    )
    title_template = models.CharField(
        _("答复标题格式"),
        max_length=120,
        default="对{会议全称}第{建议号}号代表建议的答复",
        help_text=_("可用占位符：{会议全称}、{建议号}。"),
    )
    contact_name = models.CharField(_("默认联系人"), max_length=30, blank=True)
    contact_phone = models.CharField(_("默认联系电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("答复设置")
        verbose_name_plural = _("答复设置")

    def __str__(self):
        return str(self.department)


class ReplyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The department sees its own replies and opinions, and the signed opinions of its
        co-handlers on proposals it leads; coordinators see every reply (the working draft
        stays the department's, see views); deputies see the signed replies to the
        proposals they lead or co-signed."""
        from proposals.models import Assignment, CoSigner, deputy_proposal_ids

        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.COORDINATOR:
            return self
        if user.role in (Role.CLERK, Role.LEADER) and user.department_id:
            leads = Assignment.objects.filter(
                proposal=OuterRef("assignment__proposal"),
                department_id=user.department_id,
                is_active=True,
                mode=Assignment.Mode.LEAD,
            )
            return self.filter(
                Q(department_id=user.department_id)
                | Q(Exists(leads), kind=Reply.Kind.OPINION, signed_version__isnull=False)
            )
        if user.role == Role.DEPUTY:
            return self.filter(
                kind=Reply.Kind.REPLY,
                signed_version__isnull=False,
                assignment__proposal_id__in=deputy_proposal_ids(user, (CoSigner.Status.CONFIRMED,)),
            )
        return self.none()

    def for_detail(self):
        return self.select_related(
            "assignment__proposal__session",
            "assignment__proposal__lead_deputy",
            "department",
            "signed_version__saved_by",
            "signed_by",
        )

    def for_list(self):
        return self.select_related("assignment__proposal__session", "assignment__proposal__lead_deputy", "department")


class Reply(choices.Model):
    """The reply (答复) a lead or separate-handling department owes, or a co-handler's
    opinion (协办意见) to the lead department: one per assignment and handling round.

    `content` is the working draft (the structure of replies.scaffold.ReplyContent, as JSON);
    every save keeps a ReplyVersion; signing freezes a version and numbers it. A correction
    reopens the working draft while the signed version stays what recipients see."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("答复")
        OPINION = "opinion", _("协办意见")

    class Status(models.TextChoices):
        DRAFT = "draft", _("起草中")
        IN_REVIEW = "in_review", _("待签发")
        RETURNED = "returned", _("退回修改")
        SIGNED = "signed", _("已签发")

    assignment = models.ForeignKey("proposals.Assignment", on_delete=models.PROTECT, related_name="replies")
    # The assignment's department, kept here for visibility filters and the numbering constraint.
    department = models.ForeignKey(Department, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("文种"), max_length=10, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField(_("内容"), default=dict)
    # Optimistic concurrency: a save names the version it started from.
    version = models.PositiveIntegerField(default=1, editable=False)
    category = models.CharField(_("办理结果类别"), max_length=10, blank=True)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What recipients see: the latest signed version (a correction replaces it when signed).
    signed_version = models.ForeignKey(
        "ReplyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correction_reason = models.TextField(_("更正理由"), blank=True)
    # The last day deputies may give or correct their feedback (set at the first signature).
    feedback_until = models.DateField(_("反馈截止日期"), null=True, blank=True)
    # The signed text's disclosure attribute (scaffold.Disclosure), kept here for the portal's
    # queries, and the day it appears there (a coordinator may release it sooner).
    disclosure = models.CharField(_("公开属性"), max_length=12, blank=True)
    published_on = models.DateField(_("公开日期"), null=True, blank=True)
    # The signed text, kept at signing for full-text search (proposals.search).
    search_text = models.TextField(editable=False, default="")
    search_vector = models.GeneratedField(
        expression=SearchDocument("search_text"), output_field=SearchVectorField(), db_persist=True
    )
    search_document = models.GeneratedField(
        expression=NormalizedDocument("search_text"), output_field=models.TextField(), db_persist=True
    )
    # What the public portal may search of a reply published as a summary or by its title
    # only (replies.publication.public_text); empty for the others.
    public_text = models.TextField(editable=False, default="")
    public_vector = models.GeneratedField(
        expression=SearchDocument("public_text"), output_field=SearchVectorField(), db_persist=True
    )
    public_document = models.GeneratedField(
        expression=NormalizedDocument("public_text"), output_field=models.TextField(), db_persist=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "round"], name="one_reply_per_assignment_round"),
            # a department never issues two documents under one number
            models.UniqueConstraint(
                fields=["department", "document_number"],
                condition=~Q(document_number=""),
                name="reply_document_number_unique",
            ),
        ]
        indexes = [
            # the department's reply list and the leader's queue of replies to sign
            models.Index(fields=["department", "status", "-updated_at"], name="reply_department_status"),
            # full-text search over signed replies (proposals.search.matching)
            GinIndex(fields=["search_vector"], name="reply_search_vector"),
            # the portal's search of summary and title-only replies (portal.queries.search)
            GinIndex(fields=["public_vector"], name="reply_public_vector"),
            # the public portal: published replies, newest first
            models.Index(
                fields=["-published_on", "-id"],
                condition=Q(published_on__isnull=False),
                name="reply_published",
            ),
        ]

    def __str__(self):
        return self.document_number or f"{self.get_kind_display()} · {self.assignment.proposal}"

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def signed_content(self):
        """What the recipients read: the latest signed version, as a ReplyContent."""
        from .scaffold import ReplyContent

        return ReplyContent.from_json(self.signed_version.content) if self.signed_version_id else None

    @property
    def is_correction(self):
        return self.signed_version_id is not None and self.status != self.Status.SIGNED

    @property
    def status_label(self):
        if self.is_correction:
            return _("更正中（%(status)s）") % {"status": self.get_status_display()}
        return self.get_status_display()


class ReplyVersion(choices.Model):
    """A saved state of a reply. Rows are never changed or removed (a database trigger
    refuses it): the history and every signed text stay as they were."""

    class Kind(models.TextChoices):
        CREATED = "created", _("生成初稿")
        SAVED = "saved", _("保存")
        SIGNED = "signed", _("签发")
        CORRECTED = "corrected", _("更正签发")

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    content = models.JSONField(_("内容"))
    text = models.TextField(_("全文"))
    note = models.TextField(_("说明"), blank=True)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("保存人"), on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    class Meta:
        ordering = ["reply", "number"]
        verbose_name = _("答复版本")
        verbose_name_plural = _("答复版本")
        constraints = [models.UniqueConstraint(fields=["reply", "number"], name="reply_version_number_unique")]

    def __str__(self):
        return f"v{self.number} · {self.get_kind_display()}"

    @property
    def is_signed(self):
        return self.kind in (self.Kind.SIGNED, self.Kind.CORRECTED)


class ReviewComment(choices.Model):
    """The leader's comments when returning a draft; they stay on the draft."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("退回意见"))
    version_number = models.PositiveIntegerField(_("针对版本"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")

    def __str__(self):
        return self.text[:40]


class ContactRecord(choices.Model):
    """A contact with the deputy about the handling (沟通记录), before the reply."""

    class Form(models.TextChoices):
        IN_PERSON = "in_person", _("当面")
        PHONE = "phone", _("电话")
        FORUM = "forum", _("座谈")
        SITE_VISIT = "site_visit", _("实地调研")
        LETTER = "letter", _("书面")
        OTHER = "other", _("其他")

    class Agreement(models.TextChoices):
        AGREED = "agreed", _("同意")
        PARTLY = "partly", _("基本同意")
        DISAGREED = "disagreed", _("不同意")

    assignment = models.ForeignKey("proposals.Assignment", on_delete=models.PROTECT, related_name="contacts")
    date = models.DateField(_("沟通日期"))
    form = models.CharField(_("沟通方式"), max_length=12, choices=Form.choices)
    participants = models.CharField(_("本单位参加人员"), max_length=200)
    deputy_said = models.TextField(_("代表意见"))
    agreement = models.CharField(_("代表对拟答复意见"), max_length=10, choices=Agreement.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("沟通记录")
        verbose_name_plural = _("沟通记录")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_form_display()}"


class OpinionWaiver(choices.Model):
    """A coordinator lets the lead department go on without a co-handler's missing opinion."""

    assignment = models.OneToOneField("proposals.Assignment", on_delete=models.PROTECT, related_name="opinion_waiver")
    reason = models.TextField(_("理由"))
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("协办意见免等")
        verbose_name_plural = _("协办意见免等")

    def __str__(self):
        return self.reason[:40]


class Snippet(choices.Model):
    """A reusable paragraph of a department (closing paragraphs, standard explanations)."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="snippets")
    title = models.CharField(_("名称"), max_length=40)
    text = models.TextField(_("内容"), max_length=5000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("常用语")
        verbose_name_plural = _("常用语")
        constraints = [models.UniqueConstraint(fields=["department", "title"], name="snippet_title_unique")]

    def __str__(self):
        return self.title


class Delivery(choices.Model):
    """A copy of a signed reply sent to one deputy (the lead and every confirmed co-signer)."""

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="deliveries")
    version = models.ForeignKey(ReplyVersion, on_delete=models.PROTECT, related_name="+")
    deputy = models.ForeignKey("accounts.Deputy", verbose_name=_("代表"), on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField(_("送达时间"), auto_now_add=True)

    class Meta:
        ordering = ["delivered_at", "id"]
        verbose_name = _("送达记录")
        verbose_name_plural = _("送达记录")
        constraints = [models.UniqueConstraint(fields=["version", "deputy"], name="delivery_once_per_version")]

    def __str__(self):
        return f"{self.deputy} · {self.delivered_at:%Y-%m-%d}"


class Presence(choices.Model):
    """Who has a draft open, refreshed by the editor every half minute."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reply", "user"], name="presence_once_per_user")]

    def __str__(self):
        return f"{self.user} @ {self.seen_at:%H:%M}"


class ArchiveExport(choices.Model):
    """A ZIP of every signed reply of a session (PDF and DOCX), built by a background job,
    downloadable by whoever asked for it, removed after seven days."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("出错")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("proposals.Session", verbose_name=_("会次"), on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("答复件数"), default=0)
    processed = models.PositiveIntegerField(_("已完成件数"), default=0)
    file = models.FileField(_("文件"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("答复归档导出")
        verbose_name_plural = _("答复归档导出")

    def __str__(self):
        return f"{self.session} · {self.department or _('全部单位')}"

    @property
    def percent(self):
        return int(100 * self.processed / self.total) if self.total else (100 if self.status == "done" else 0)

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Feedback(choices.Model):
    """A deputy's rating of a reply (办理情况意见反馈表): one per deputy and reply round,
    correctable until the feedback window closes. A deputy who did not answer in time gets a
    row with `responded` false (未反馈), so statistics count them."""

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    class Contacted(models.TextChoices):
        IN_PERSON = "in_person", _("当面")
        PHONE = "phone", _("电话")
        FORUM = "forum", _("座谈")
        SITE_VISIT = "site_visit", _("实地调研")
        LETTER = "letter", _("书面")
        OTHER = "other", _("其他方式")
        NOT_CONTACTED = "none", _("答复前没有联系")

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="feedback")
    deputy = models.ForeignKey("accounts.Deputy", verbose_name=_("代表"), on_delete=models.PROTECT, related_name="+")
    responded = models.BooleanField(_("已反馈"), default=True)
    attitude = models.CharField(_("办理态度"), max_length=12, choices=Rating.choices, blank=True)
    result = models.CharField(_("办理结果"), max_length=12, choices=Rating.choices, blank=True)
    contacted = models.CharField(_("答复前的沟通"), max_length=12, choices=Contacted.choices, blank=True)
    comments = models.TextField(_("意见和建议"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["reply", "id"]
        verbose_name = _("代表反馈")
        verbose_name_plural = _("代表反馈")
        constraints = [models.UniqueConstraint(fields=["reply", "deputy"], name="feedback_once_per_deputy")]

    def __str__(self):
        return f"{self.deputy} · {self.get_attitude_display() or _('未反馈')}"

    @property
    def is_dissatisfied(self):
        return self.Rating.DISSATISFIED in (self.attitude, self.result)


class RehandlingDecision(choices.Model):
    """The office's decision on a reply a deputy was dissatisfied with: handle it again (a
    new round, to the same or another department) or not (an explanation, e.g. after a
    face-to-face consultation, and the proposal can close)."""

    class Decision(models.TextChoices):
        ORDERED = "ordered", _("重新办理")
        DECLINED = "declined", _("不再重新办理")

    reply = models.OneToOneField(Reply, on_delete=models.PROTECT, related_name="rehandling")
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("重新办理单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignment = models.ForeignKey(
        "proposals.Assignment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    explanation = models.TextField(_("说明"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("重新办理决定")
        verbose_name_plural = _("重新办理决定")

    def __str__(self):
        return f"{self.reply} · {self.get_decision_display()}"


class Commitment(choices.Model):
    """A promise a B or C reply makes (跟踪办理): what, and by when. Listed while drafting,
    tracked once the reply is signed until the department marks it done."""

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="commitments")
    text = models.CharField(_("承诺事项"), max_length=300)
    due = models.DateField(_("完成时限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("承诺事项")
        verbose_name_plural = _("承诺事项")
        indexes = [
            # the follow-up list and the reminders: open items by due date
            models.Index(fields=["done_at", "due"], name="commitment_open_due"),
        ]

    def __str__(self):
        return self.text

    @property
    def is_done(self):
        return self.done_at is not None


class ProgressNote(choices.Model):
    """A department's report on a commitment's progress."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("进展情况"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("进展情况")
        verbose_name_plural = _("进展情况")

    def __str__(self):
        return self.text[:40]
