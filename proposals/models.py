from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts import choices
from accounts.models import CongressLevel, Department, Deputy, Role

from .search import NormalizedDocument, SearchDocument

RESULT_CATEGORIES = [
    ["A", "所提问题已经解决或者基本解决"],
    ["B", "所提问题正在解决或者列入规划逐步解决"],
    ["C", "所提问题因目前条件限制或者其他原因需待以后解决"],
    ["D", "所提问题留作参考"],
]


def default_result_categories():
    return [list(pair) for pair in RESULT_CATEGORIES]


class Session(choices.Model):
    """A session of a people's congress (届次/会次), e.g. 省十四届人大三次会议, with the
    deadline policy that later steps read (defaults from DOMAIN.md)."""

    class Period(models.TextChoices):
        DURING = "during", _("大会期间")
        BETWEEN = "between", _("闭会期间")

    name = models.CharField(_("会议全称"), max_length=60, unique=True, help_text=_("如：省十四届人大三次会议"))
    level = models.CharField(_("人大层级"), max_length=20, choices=CongressLevel.choices)
    term = models.PositiveSmallIntegerField(_("届"))
    session_no = models.PositiveSmallIntegerField(_("次"))
    period = models.CharField(_("提出时段"), max_length=10, choices=Period.choices, default=Period.DURING)
    opens_on = models.DateField(_("开幕日期"))
    closes_on = models.DateField(_("闭幕日期"))
    submission_deadline = models.DateTimeField(_("建议提交截止时间"))
    # The last official number handed out (第N号). Read and advanced only under a row lock
    # (services.accept_proposal), which keeps numbers gap-free with any number of servers.
    last_number = models.PositiveIntegerField(_("已编建议号"), default=0, editable=False)

    # Deadline policy (办理时限), per session.
    reply_months = models.PositiveSmallIntegerField(_("答复期限（月）"), default=3)
    extended_reply_months = models.PositiveSmallIntegerField(_("延期后最长期限（月）"), default=6)
    cohandler_opinion_months = models.PositiveSmallIntegerField(_("协办意见期限（月）"), default=1)
    assign_within_workdays = models.PositiveSmallIntegerField(_("闭会期间交办时限（工作日）"), default=7)
    sign_for_workdays = models.PositiveSmallIntegerField(_("签收期限（工作日）"), default=3)
    reassign_window_workdays = models.PositiveSmallIntegerField(_("申请调整期限（工作日）"), default=7)
    rehandling_months = models.PositiveSmallIntegerField(_("重新办理期限（月）"), default=1)
    feedback_window_months = models.PositiveSmallIntegerField(_("反馈期限（月）"), default=1)
    due_soon_days = models.PositiveSmallIntegerField(_("临期提醒（天）"), default=15)
    publish_within_workdays = models.PositiveSmallIntegerField(_("公开期限（工作日）"), default=20)
    # When a public reply appears on the portal by itself; a coordinator may release it sooner.
    auto_publish_workdays = models.PositiveSmallIntegerField(
        _("签发后自动公开（工作日）"),
        default=0,
        help_text=_("标注公开的答复签发后满多少个工作日在公开平台自动发布；0 表示签发即发布。"),
    )
    count_from_close = models.BooleanField(
        _("自闭会之日起计算答复期限"), default=False, help_text=_("不勾选时自交办之日起计算。")
    )
    cc_congress_office = models.CharField(
        _("抄送人大机构"), max_length=60, default="省人大常委会代表工作委员会", blank=True
    )
    cc_government_office = models.CharField(_("抄送政府机构"), max_length=60, default="省政府办公厅", blank=True)
    contact_required = models.BooleanField(
        _("签发前须有沟通记录"), default=True, help_text=_("勾选后，承办单位须先记录与代表的沟通情况才能签发答复。")
    )
    # The result categories (办理结果类别) replies choose from: [[code, label], …] in order
    # from most to least resolved. Some places use A–C or 甲乙丙.
    result_categories = models.JSONField(_("办理结果类别"), default=default_result_categories)

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("会次")
        verbose_name_plural = _("会次")
        constraints = [
            models.CheckConstraint(
                name="session_closes_after_it_opens",
                condition=Q(closes_on__gte=models.F("opens_on")),
                violation_error_message=_("闭幕日期不能早于开幕日期。"),
            ),
            models.CheckConstraint(
                name="session_extension_not_shorter",
                condition=Q(extended_reply_months__gte=models.F("reply_months")),
                violation_error_message=_("延期后最长期限不能短于答复期限。"),
            ),
        ]

    def __str__(self):
        return self.name


class Category(choices.Model):
    """The two-level topic taxonomy: an aspect (方面, no parent) holds classes (类)."""

    name = models.CharField(_("名称"), max_length=40)
    parent = models.ForeignKey(
        "self", verbose_name=_("所属方面"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("分类")
        verbose_name_plural = _("分类")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_in_parent"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent__isnull=True), name="aspect_name_unique"),
        ]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name


def deputy_proposal_ids(user, cosign_statuses):
    """The ids of the proposals `user` leads or co-signs (in one of `cosign_statuses`), as a
    UNION subquery: PostgreSQL starts from the deputy's few rows through the indexes, where
    `lead OR EXISTS(co-signed)` made it test every proposal (or reply) in the database."""
    led = Proposal.objects.filter(lead_deputy__user=user).order_by().values("pk")
    cosigned = CoSigner.objects.filter(deputy__user=user, status__in=cosign_statuses).order_by().values("proposal_id")
    return led.union(cosigned)


def confirmed_cosigners(proposal):
    """The number of confirmed co-signers of `proposal` (an OuterRef), as a subquery."""
    counted = (
        CoSigner.objects.filter(proposal=proposal, status="confirmed")
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Deputies see the proposals they lead or are invited to co-sign; coordinators see
        all; department users see what is assigned to their department (in force); the
        administrators see no proposal content."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.COORDINATOR:
            return self.exclude(status=Proposal.Status.DRAFT)  # a draft is the deputy's own business
        if user.role == Role.DEPUTY:
            return self.filter(pk__in=deputy_proposal_ids(user, (CoSigner.Status.INVITED, CoSigner.Status.CONFIRMED)))
        if user.role in (Role.CLERK, Role.LEADER) and user.department_id:
            assigned = Assignment.objects.filter(
                proposal=OuterRef("pk"), department_id=user.department_id, is_active=True
            )
            return self.filter(Exists(assigned))
        return self.none()

    def with_signer_count(self):
        # A correlated subquery, not a JOIN with GROUP BY: a page of 25 rows counts 25 rows'
        # co-signers, where the GROUP BY grouped every visible proposal before the LIMIT.
        return self.annotate(confirmed_cosigners=confirmed_cosigners(OuterRef("pk")))

    def for_home(self):
        return self.select_related("session", "lead_deputy").with_signer_count()

    def for_list(self):
        """The review queue and proposal lists: everything a row shows, in a fixed number of
        queries."""
        return self.select_related("session", "lead_deputy__delegation", "category__parent").with_signer_count()

    def for_detail(self):
        """The proposal page's proposal with what it shows. Whether it has attachments or
        proposals merged into it is read with it (most have neither); load_detail_extras()
        then reads them only when there are some."""
        return (
            self.select_related("session", "lead_deputy__delegation", "lead_deputy__user", "category__parent")
            .select_related("created_by", "merged_into")
            .annotate(
                has_attachments=Exists(Attachment.objects.filter(proposal=OuterRef("pk"))),
                has_merged=Exists(Proposal.objects.filter(merged_into=OuterRef("pk"))),
            )
            .prefetch_related(
                "suggestions",
                "hoped_departments",
                Prefetch("cosigners", queryset=CoSigner.objects.select_related("deputy__delegation")),
            )
        )


def load_detail_extras(proposal):
    """The attachments and merged proposals of a proposal read with for_detail(): a query each
    where it has some, none where it has none."""
    attachments = Attachment.objects.select_related("uploaded_by")
    merged = Proposal.objects.select_related("lead_deputy").order_by("number")
    prefetch_related_objects(
        [proposal],
        Prefetch("attachments", queryset=attachments if proposal.has_attachments else attachments.none()),
        Prefetch("merged", queryset=merged if proposal.has_merged else merged.none()),
    )


class Proposal(choices.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审查")
        RETURNED = "returned", _("退回修改")
        ACCEPTED = "accepted", _("已立案")
        NOT_ACCEPTED = "not_accepted", _("不予立案")
        WITHDRAWN = "withdrawn", _("已撤回")
        ASSIGNED = "assigned", _("已交办")
        CLOSED = "closed", _("已办结")

    class Channel(models.TextChoices):
        ONLINE = "online", _("代表网上提交")
        PAPER = "paper", _("工作人员代录")
        IMPORT = "import", _("表格导入")

    class NotAcceptedReason(models.TextChoices):
        PERSONAL = "personal", _("涉及代表本人及其亲属个人事务")
        LITIGATION = "litigation", _("涉及正在进行的诉讼、仲裁案件")
        PETITION = "petition", _("转交的来信来访材料")
        ACADEMIC = "academic", _("学术探讨或产品推介")
        NO_CONTENT = "no_content", _("没有实际内容")
        OUT_OF_REMIT = "out_of_remit", _("不属于本行政区域职权范围")
        OTHER = "other", _("其他")

    class Disposition(models.TextChoices):
        RETURNED_TO_DEPUTY = "returned", _("退回代表")
        AS_LETTER = "letter", _("作代表来信处理")

    session = models.ForeignKey(Session, verbose_name=_("会次"), on_delete=models.PROTECT, related_name="proposals")
    number = models.PositiveIntegerField(_("建议号"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    lead_deputy = models.ForeignKey(
        Deputy, verbose_name=_("领衔代表"), on_delete=models.PROTECT, related_name="led_proposals"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    hoped_departments = models.ManyToManyField(
        Department, verbose_name=_("希望承办单位"), blank=True, related_name="hoped_proposals"
    )
    agrees_to_publish = models.BooleanField(_("同意公开"), default=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField(_("提交方式"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    external_number = models.CharField(
        _("外部编号"), max_length=40, blank=True, help_text=_("导入表格中的编号，用于识别重复导入。")
    )
    # 并案办理: the proposals merged into this one are handled with it, each still answered.
    merged_into = models.ForeignKey(
        "self", verbose_name=_("并入"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    # The latest review outcome, for display; the events keep the whole history.
    review_message = models.TextField(_("审查意见"), blank=True)
    not_accepted_reason = models.CharField(
        _("不予立案理由"), max_length=20, choices=NotAcceptedReason.choices, blank=True
    )
    disposition = models.CharField(_("处理方式"), max_length=10, choices=Disposition.choices, blank=True)
    withdrawal_requested_at = models.DateTimeField(_("申请撤回时间"), null=True, blank=True)
    # 重点督办: chosen by the chairperson meeting, tracked more closely.
    is_key = models.BooleanField(_("重点督办"), default=False)
    supervising_leader = models.CharField(_("督办领导"), max_length=60, blank=True)
    key_note = models.TextField(_("督办说明"), blank=True)
    # Title and suggestions in one text, kept by the services, for full-text search.
    search_text = models.TextField(editable=False, default="")
    # The full-text index of title, body and suggestions (proposals.search), computed by
    # PostgreSQL whenever the row is written.
    search_vector = models.GeneratedField(
        expression=SearchDocument("body", "search_text"), output_field=SearchVectorField(), db_persist=True
    )
    search_document = models.GeneratedField(
        expression=NormalizedDocument("body", "search_text"), output_field=models.TextField(), db_persist=True
    )
    # Optimistic concurrency: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1, editable=False)
    # The token of the form that created it, so a double-clicked submit creates one proposal.
    client_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    # 办结: when and why the handling ended (every reply issued and accepted, the feedback
    # window passed, or the office closed it with an explanation).
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closing_note = models.TextField(_("办结说明"), blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("建议")
        verbose_name_plural = _("建议")
        constraints = [
            # 第N号 is unique within a session; numbers come from Session.last_number under a lock.
            models.UniqueConstraint(fields=["session", "number"], name="proposal_number_unique_in_session"),
            # An imported row is identified by its external number: re-importing changes nothing.
            models.UniqueConstraint(
                fields=["session", "external_number"],
                condition=~Q(external_number=""),
                name="proposal_external_number_unique",
            ),
            models.CheckConstraint(
                name="accepted_proposals_have_a_number",
                condition=~Q(status="accepted") | Q(number__isnull=False),
            ),
            models.CheckConstraint(name="proposal_not_merged_into_itself", condition=~Q(merged_into=models.F("pk"))),
        ]
        indexes = [
            # the deputy's home page: their proposals, most recently changed first
            models.Index(fields=["lead_deputy", "-updated_at"], name="proposal_deputy_recent"),
            # the review queue: a session's proposals by status
            models.Index(fields=["session", "status"], name="proposal_session_status"),
            # the coordinator's proposal list, newest submission first (filters.proposal_rows):
            # the first page is read from the index instead of sorting every proposal
            models.Index(
                models.F("submitted_at").desc(nulls_last=True),
                models.F("id").desc(),
                condition=~Q(status="draft"),
                name="proposal_list_order",
            ),
            # similar proposals while drafting and reviewing (similarity.py: pg_trgm % on the title)
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="proposal_title_trgm"),
            # full-text search (proposals.search.matching): the bigram pieces of a query
            GinIndex(fields=["search_vector"], name="proposal_search_vector"),
        ]

    def __str__(self):
        return self.title

    @property
    def quoted_title(self):
        return f"《{self.title}》"

    NEXT_STEPS = {
        Status.DRAFT: _("完善后提交"),
        Status.SUBMITTED: _("等待交办机构审查"),
        Status.RETURNED: _("按修改意见完善后重新提交"),
        Status.ACCEPTED: _("等待交办承办单位"),
        Status.NOT_ACCEPTED: "",
        Status.WITHDRAWN: "",
        Status.ASSIGNED: _("承办单位办理中"),
        Status.CLOSED: "",
    }

    @property
    def next_step(self):
        """What happens next, as the deputy's home page and list say it."""
        return self.NEXT_STEPS[self.status]

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def signers_label(self, confirmed_count=None):
        """王宇辉, or 王宇辉等N位代表 counting the lead and every confirmed co-signer."""
        if confirmed_count is None:
            confirmed_count = getattr(self, "confirmed_cosigners", None)
        if confirmed_count is None:
            confirmed_count = sum(1 for c in self.cosigners.all() if c.status == CoSigner.Status.CONFIRMED)
        if not confirmed_count:
            return self.lead_deputy.name
        return _("%(name)s等%(n)s位代表") % {"name": self.lead_deputy.name, "n": confirmed_count + 1}


class Suggestion(choices.Model):
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


class CoSigner(choices.Model):
    """A deputy invited to co-sign (联名/附议). Only confirmed co-signers count."""

    class Status(models.TextChoices):
        INVITED = "invited", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DECLINED = "declined", _("已谢绝")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="cosigners")
    deputy = models.ForeignKey(Deputy, verbose_name=_("代表"), on_delete=models.PROTECT, related_name="cosignatures")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # A joint proposal is withdrawn only when every confirmed co-signer agrees.
    agreed_to_withdraw_at = models.DateTimeField(_("同意撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        verbose_name = _("联名代表")
        verbose_name_plural = _("联名代表")
        constraints = [models.UniqueConstraint(fields=["proposal", "deputy"], name="cosigner_once_per_proposal")]
        indexes = [
            # a deputy's pending invitations on their home page
            models.Index(fields=["deputy", "status"], name="cosigner_deputy_status"),
        ]

    def __str__(self):
        return f"{self.deputy} · {self.get_status_display()}"


class Attachment(choices.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    # Stored under a random name outside the web root; served only by the download view.
    file = models.FileField(_("文件"), max_length=200)
    original_name = models.CharField(_("文件名"), max_length=120)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name


class ProposalEvent(choices.Model):
    """Append-only log of everything that happened to a proposal (a database trigger refuses
    updates and deletes). The timeline and the statistics read it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建草稿")
        EDITED = "edited", _("修改")
        SUBMITTED = "submitted", _("提交")
        ENTERED_BY_STAFF = "entered", _("工作人员代录")
        IMPORTED = "imported", _("表格导入")
        COSIGNER_INVITED = "cosigner_invited", _("邀请联名")
        COSIGNER_CONFIRMED = "cosigner_confirmed", _("确认联名")
        COSIGNER_DECLINED = "cosigner_declined", _("谢绝联名")
        ATTACHMENT_ADDED = "attachment_added", _("上传附件")
        ATTACHMENT_REMOVED = "attachment_removed", _("删除附件")
        RETURNED = "returned", _("退回修改")
        ACCEPTED = "accepted", _("立案")
        NOT_ACCEPTED = "not_accepted", _("不予立案")
        MERGED = "merged", _("并案")
        WITHDRAWAL_REQUESTED = "withdrawal_requested", _("申请撤回")
        WITHDRAWAL_AGREED = "withdrawal_agreed", _("同意撤回")
        WITHDRAWN = "withdrawn", _("撤回")
        ASSIGNED = "assigned", _("交办")
        SIGNED = "signed", _("签收")
        REASSIGNMENT_REQUESTED = "reassignment_requested", _("申请调整")
        REASSIGNMENT_APPROVED = "reassignment_approved", _("同意调整")
        REASSIGNMENT_REFUSED = "reassignment_refused", _("不同意调整")
        EXTENSION_REQUESTED = "extension_requested", _("申请延期")
        EXTENSION_APPROVED = "extension_approved", _("同意延期")
        EXTENSION_REFUSED = "extension_refused", _("不同意延期")
        CHASED = "chased", _("催办")
        KEY_MARKED = "key_marked", _("列为重点督办")
        KEY_UNMARKED = "key_unmarked", _("取消重点督办")
        DEADLINES_RECOMPUTED = "deadlines_recomputed", _("期限重新计算")
        CONTACT_RECORDED = "contact_recorded", _("记录沟通")
        REPLY_SUBMITTED = "reply_submitted", _("答复送审")
        REPLY_RETURNED = "reply_returned", _("答复退回修改")
        REPLY_SIGNED = "reply_signed", _("答复签发")
        REPLY_CORRECTED = "reply_corrected", _("答复更正")
        OPINION_SIGNED = "opinion_signed", _("协办意见签发")
        OPINION_WAIVED = "opinion_waived", _("免于等待协办意见")
        FEEDBACK = "feedback", _("代表反馈")
        REHANDLING_ORDERED = "rehandling_ordered", _("重新办理")
        REHANDLING_DECLINED = "rehandling_declined", _("不再重新办理")
        CLOSED = "closed", _("办结")
        COMMITMENT_DONE = "commitment_done", _("承诺事项完成")

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事项"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    message = models.TextField(_("说明"), blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    def from_status_label(self):
        return _status_label(self.from_status)

    def to_status_label(self):
        return _status_label(self.to_status)


def _status_label(value):
    # Events written before the extension and reassignment approvals kept their old and new
    # values in details held a date or a department name here; the log is append-only, so they
    # stay and are shown as written.
    return Proposal.Status(value).label if value in Proposal.Status.values else value


class ImportBatch(choices.Model):
    """One uploaded spreadsheet of proposals: validated first, imported all or nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        INVALID = "invalid", _("校验未通过")
        DONE = "done", _("已导入")
        FAILED = "failed", _("出错")

    class Kind(models.TextChoices):
        PROPOSALS = "proposals", _("建议")
        ASSIGNMENTS = "assignments", _("交办方案")

    kind = models.CharField(_("导入内容"), max_length=12, choices=Kind.choices, default=Kind.PROPOSALS)
    file = models.FileField(_("文件"), max_length=200)
    original_name = models.CharField(_("文件名"), max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新建"), default=0)
    unchanged_count = models.PositiveIntegerField(_("已存在未变"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self):
        return self.original_name

    @property
    def percent(self):
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def is_finished(self):
        return self.status in (self.Status.INVALID, self.Status.DONE, self.Status.FAILED)


class WorkCalendarDay(choices.Model):
    """The official working-day calendar (工作日历): public holidays and the weekend days made
    working days (调休). Seeded from the chinesecalendar package, edited by coordinators.
    A year with no rows falls back to Monday–Friday and its deadlines are provisional."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("系统预置")
        MANUAL = "manual", _("人工修改")
        IMPORT = "import", _("导入")

    date = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(
        _("名称"), max_length=30, blank=True, help_text=_("节假日或调休名称，如“春节”“国庆节调休上班”")
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.PACKAGE)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {'班' if self.is_workday else '休'} {self.name}".strip()


class CalendarChange(choices.Model):
    """A change to the calendar, and how many open deadlines it moved."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    summary = models.CharField(_("内容"), max_length=300)
    days_changed = models.PositiveIntegerField(_("修改天数"), default=0)
    deadlines_recomputed = models.PositiveIntegerField(_("重新计算的期限数"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("日历修改记录")
        verbose_name_plural = _("日历修改记录")

    def __str__(self):
        return self.summary


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Department users see their department's assignments; coordinators all."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.COORDINATOR:
            return self
        if user.role in (Role.CLERK, Role.LEADER) and user.department_id:
            return self.filter(department_id=user.department_id)
        return self.none()

    def current(self):
        """Assignments in force: not moved to another department by a reassignment."""
        return self.filter(is_active=True)

    def for_inbox(self):
        return self.select_related("proposal__session", "proposal__lead_deputy", "department").annotate(
            confirmed_cosigners=confirmed_cosigners(OuterRef("proposal_id"))
        )

    def with_proposal_counts(self):
        """for_inbox() rows, each proposal carrying its co-signer count for signers_label()."""
        rows = list(self)
        for a in rows:
            a.proposal.confirmed_cosigners = a.confirmed_cosigners
        return rows

    def with_state(self, today):
        """Annotate `due` and the tracking `state` on `today` in SQL, so that counts and filters
        by state are aggregates rather than Python loops. Mirrors deadlines.tracking_state rule
        for rule (same precedence; a test pins the two together); `due` as deadlines.due_of."""
        from django.db.models import Case, DateField, ExpressionWrapper, F, Value, When
        from django.db.models.functions import TruncDate

        from .deadlines import CHINA, COHANDLER, REFERENCE, REPLY_MODES, TrackingState

        due = Case(
            When(mode__in=REPLY_MODES, then=F("reply_due")),
            When(mode=COHANDLER, then=F("opinion_due")),
            default=None,
            output_field=DateField(),
        )
        # due - today <= due_soon_days  ⇔  due <= today + due_soon_days (date + integer in SQL)
        soon_until = ExpressionWrapper(
            Value(today, output_field=DateField()) + F("proposal__session__due_soon_days"), output_field=DateField()
        )
        state = Case(
            When(mode=REFERENCE, then=Value(TrackingState.REFERENCE)),
            When(replied_at__isnull=False, replied_on__gt=F("due"), then=Value(TrackingState.REPLIED_LATE)),
            When(replied_at__isnull=False, then=Value(TrackingState.REPLIED_ON_TIME)),
            When(due__lt=today, then=Value(TrackingState.OVERDUE)),
            When(signed_at__isnull=True, then=Value(TrackingState.UNSIGNED)),
            When(due__lte=soon_until, then=Value(TrackingState.DUE_SOON)),
            default=Value(TrackingState.IN_PROGRESS),
            output_field=models.CharField(),
        )
        return self.annotate(due=due, replied_on=TruncDate("replied_at", tzinfo=CHINA)).annotate(state=state)


class Assignment(choices.Model):
    """A proposal handed to one department (交办), in one mode, with its deadlines.

    Deadlines are stored (they are decided at assignment and change only by a recorded
    decision: an extension, a reassignment, a calendar change) together with how each was
    computed. The tracking state (未签收, 办理中, 临期, 逾期, 已答复…) is computed from them
    when read, never stored."""

    class Mode(models.TextChoices):
        LEAD = "lead", _("主办")
        COHANDLER = "cohandler", _("协办")
        SEPARATE = "separate", _("分办")
        REFERENCE = "reference", _("参阅")

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="assignments")
    department = models.ForeignKey(
        Department, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    mode = models.CharField(_("办理方式"), max_length=10, choices=Mode.choices)
    assigned_at = models.DateTimeField(_("交办时间"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("有效"), default=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Deadlines (dates in Asia/Shanghai) and how each was computed, shown on hover.
    sign_due = models.DateField(_("签收期限"))
    reassign_until = models.DateField(_("申请调整截止"))
    reply_due = models.DateField(_("答复期限"), null=True, blank=True)
    max_reply_due = models.DateField(_("最长答复期限"), null=True, blank=True)
    opinion_due = models.DateField(_("协办意见期限"), null=True, blank=True)
    deadline_basis = models.JSONField(_("期限计算依据"), default=dict, blank=True)
    provisional = models.BooleanField(
        _("期限为临时计算"), default=False, help_text=_("工作日历未覆盖的年份按周一至周五计算。")
    )
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # 重新办理 makes a new assignment of the next round; the earlier one keeps its record.
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    last_chased_at = models.DateTimeField(_("最近催办时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["proposal", "mode", "id"]
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        constraints = [
            # A department appears once per proposal among the assignments in force.
            models.UniqueConstraint(
                fields=["proposal", "department"], condition=Q(is_active=True), name="assignment_department_once"
            ),
        ]
        indexes = [
            # the department inbox: its assignments in force, newest first
            models.Index(fields=["department", "is_active", "-assigned_at"], name="assignment_inbox"),
            # reminders and the dashboard: open assignments by due date
            models.Index(fields=["is_active", "replied_at", "reply_due"], name="assignment_open_due"),
        ]

    def __str__(self):
        return f"{self.proposal} → {self.department} ({self.get_mode_display()})"

    @property
    def owes_reply(self):
        return self.mode in (self.Mode.LEAD, self.Mode.SEPARATE)


class AssignmentRequest(choices.Model):
    """A department's request to the office: reassignment (申请调整) or extension (申请延期)."""

    class Kind(models.TextChoices):
        REASSIGN = "reassign", _("申请调整")
        EXTEND = "extend", _("申请延期")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("未同意")

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("理由"))
    suggested_department = models.ForeignKey(
        Department, verbose_name=_("建议承办单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_until = models.DateField(_("申请延期至"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    new_department = models.ForeignKey(
        Department, verbose_name=_("调整至"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_due = models.DateField(_("延期至"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("交办申请")
        verbose_name_plural = _("交办申请")
        constraints = [
            # One open request of a kind per assignment: a second click does not file twice.
            models.UniqueConstraint(
                fields=["assignment", "kind"], condition=Q(status="pending"), name="one_pending_request_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.assignment}"
