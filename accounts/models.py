import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import choices


class Role(models.TextChoices):
    DEPUTY = "deputy", _("人大代表")
    CLERK = "clerk", _("承办人")
    LEADER = "leader", _("单位负责人")
    COORDINATOR = "coordinator", _("交办工作人员")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITOR = "auditor", _("安全审计员")


DEPARTMENT_ROLES = (Role.CLERK, Role.LEADER)
# 三员分立: the three administrators, who never handle proposal content.
ADMIN_ROLES = (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR)


class CongressLevel(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇")


class Department(choices.Model):
    """A handling department (承办单位), or the office a coordinator works for."""

    name = models.CharField(_("单位全称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30)
    doc_code = models.CharField(_("机关代字"), max_length=30, help_text=_("发文字号中的机关代字，如“吉科发规划”。"))
    is_government = models.BooleanField(
        _("政府组成部门"), default=True, help_text=_("政府部门的答复默认抄送政府办公厅。")
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self):
        return self.name


class Delegation(choices.Model):
    """代表团: the group of deputies of a city or constituency."""

    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("代表团")
        verbose_name_plural = _("代表团")

    def __str__(self):
        return self.name


class JianyiUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`manage.py createsuperuser` makes the first system administrator: a sysadmin by
        role, not a Django superuser, so no account bypasses the role checks."""
        extra_fields.update(role=Role.SYSADMIN, is_staff=False, is_superuser=False)
        return self.create_user(username, email, password, **extra_fields)

    def for_security_list(self, query: str = ""):
        """The security administrator's account list (强制下线), optionally searched by
        username or name; one query per page whatever the number of accounts."""
        # The account's lock, if it is locked now (解除锁定), in the same query.
        lock = LoginLock.objects.active().filter(kind=LockKind.USERNAME, key=Lower(OuterRef("username")))
        # Whether two-factor sign-in is on (重置双因素认证), in the same query too.
        enrolled = TwoFactorDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
        users = (
            self.select_related("department")
            .annotate(lock_id=Subquery(lock.values("pk")[:1]), has_two_factor=Exists(enrolled))
            .order_by("username")
        )
        if query:
            users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
        return users


class User(AbstractUser):
    # Chinese names are not split into first and last names.
    first_name = None
    last_name = None
    full_name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # The notification kinds this user does not want by email (they stay in-app).
    email_opt_out = models.JSONField(_("不接收邮件的通知"), default=list, blank=True)
    # Password policy (等保 2.0 level 3; accounts.middleware.PasswordPolicyMiddleware): staff
    # passwords expire PASSWORD_MAX_AGE_DAYS after this moment, and a password an administrator
    # set for the user (a new account, a reset) must be changed at the next sign-in.
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"),
        default=False,
        help_text=_("由管理员设置的初始密码或重置的密码，须由本人修改后才能使用系统。"),
    )
    # Part of the session hash (get_session_auth_hash): raising it ends every session of the
    # user. Raised by end_sessions() (强制下线) and whenever the role, department or active
    # state changes through save().
    security_stamp = models.PositiveIntegerField(_("会话版本"), default=0, editable=False)

    objects = JianyiUserManager()
    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="department_users_have_a_department",
                condition=~Q(role__in=DEPARTMENT_ROLES) | Q(department__isnull=False),
                violation_error_message=_("承办人和单位负责人必须属于一个单位。"),
            ),
            models.CheckConstraint(
                name="deputies_and_admins_have_no_department",
                condition=~Q(role__in=(Role.DEPUTY, *ADMIN_ROLES)) | Q(department__isnull=True),
                violation_error_message=_("代表和管理员不属于承办单位。"),
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name

    def has_role(self, *roles) -> bool:
        return self.is_active and self.role in roles

    # --- password age and sessions -----------------------------------------------------------

    # A change of any of these is a change of privilege: the user's sessions end.
    PRIVILEGE_FIELDS = ("role", "department_id", "is_active")

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._privileges_loaded = user._privileges()
        return user

    def _privileges(self):
        loaded = self.__dict__
        if any(name not in loaded for name in self.PRIVILEGE_FIELDS):  # deferred: not tracked
            return None
        return tuple(loaded[name] for name in self.PRIVILEGE_FIELDS)

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_privileges_loaded", None)
        current = self._privileges()
        update_fields = kwargs.get("update_fields")
        saves_privileges = update_fields is None or bool(
            {"role", "department", "department_id", "is_active"} & set(update_fields)
        )
        if loaded is not None and current is not None and loaded != current and saves_privileges:
            self.security_stamp += 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "security_stamp"}
        super().save(*args, **kwargs)
        self._privileges_loaded = current

    def set_password(self, raw_password):
        """Every new password starts a new password age and counts as the user's own choice;
        where an administrator sets it (accounts.admin), must_change_password is set again
        afterwards."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False

    def check_password(self, raw_password):
        # Django re-hashes a password on sign-in when the hasher changed; that is no new
        # password, so the age and the flag stay as they were.
        from django.contrib.auth.hashers import check_password

        def setter(raw):
            super(User, self).set_password(raw)
            self._password = None
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, setter)

    def _get_session_auth_hash(self, secret=None):
        # Django signs the session with a hash of the password hash, so a new password ends the
        # other sessions; the security stamp joins it so an administrator can end them too.
        # Stamp 0 keeps Django's own value (sessions from before the stamp stay valid).
        if not self.security_stamp:
            return super()._get_session_auth_hash(secret=secret)
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "jianyi.accounts.User.session_auth_hash",
            f"{self.password}:{self.security_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def end_sessions(self):
        """强制下线: every session of this user ends at its next request."""
        User.objects.filter(pk=self.pk).update(security_stamp=models.F("security_stamp") + 1)
        self.refresh_from_db(fields=["security_stamp"])

    @property
    def is_staff_account(self) -> bool:
        """Staff (工作人员): every role but deputies; their passwords expire (等保 2.0)."""
        return self.role != Role.DEPUTY

    def password_change_reason(self, now=None) -> str:
        """Why this user must change their password before going on: "initial", "expired" or ""."""
        from django.conf import settings

        if self.must_change_password:
            return "initial"
        max_age = settings.PASSWORD_MAX_AGE_DAYS
        if (
            self.is_staff_account
            and max_age
            and (now or timezone.now()) - self.password_changed_at >= datetime.timedelta(days=max_age)
        ):
            return "expired"
        return ""


class Deputy(choices.Model):
    """A deputy (人大代表). Deputies who file on paper need no account, so the login is optional.

    Phone and address are personal data: only the deputy, coordinators and the departments
    handling their proposals see them, never the public.
    """

    user = models.OneToOneField(
        User, verbose_name=_("登录账号"), on_delete=models.PROTECT, null=True, blank=True, related_name="deputy"
    )
    name = models.CharField(_("姓名"), max_length=50)
    delegation = models.ForeignKey(
        Delegation, verbose_name=_("代表团"), on_delete=models.PROTECT, null=True, blank=True, related_name="deputies"
    )
    level = models.CharField(
        _("代表层级"), max_length=20, choices=CongressLevel.choices, default=CongressLevel.PROVINCIAL
    )
    term = models.PositiveSmallIntegerField(_("届次"), help_text=_("第几届人民代表大会的代表，如 14。"))
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在任"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("代表")
        verbose_name_plural = _("代表")

    def __str__(self):
        return self.name


class NotificationKind(models.TextChoices):
    """What a notification is about: each kind has its own email (templates/emails/<kind>_*),
    and users choose per kind whether they want it by email. Everything else is OTHER."""

    PROPOSAL_ACCEPTED = "proposal_accepted", _("建议立案")
    PROPOSAL_RETURNED = "proposal_returned", _("建议退回修改")
    PROPOSAL_NOT_ACCEPTED = "proposal_not_accepted", _("建议不予立案")
    ASSIGNED = "assigned", _("建议交办")
    COSIGN_INVITATION = "cosign_invitation", _("联名邀请")
    REPLY_ISSUED = "reply_issued", _("收到答复")
    FEEDBACK_REMINDER = "feedback_reminder", _("反馈提醒")
    REHANDLING_ORDERED = "rehandling_ordered", _("重新办理")
    COMMITMENT_DONE = "commitment_done", _("承诺事项完成")
    OTHER = "other", _("其他通知")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(choices.Model):
    """An in-app message to one user (站内通知); the header shows the unread count."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    kind = models.CharField(_("类别"), max_length=30, choices=NotificationKind.choices, default=NotificationKind.OTHER)
    # Set by the email job when it claims the notification, so a rerun sends nothing twice.
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            # the header's unread count and the notification list, per user
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_unread"),
        ]

    def __str__(self):
        return self.message


class DigestLog(choices.Model):
    """One row per digest sent (to a department, or the coordinators' summary) per day. The
    daily reminder job claims a row before sending, so running it twice sends nothing twice."""

    kind = models.CharField(max_length=30)
    target = models.CharField(max_length=30)
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "target", "day"], name="digest_once_a_day")]

    def __str__(self):
        return f"{self.kind}:{self.target}@{self.day}"


# --- the audit log (审计日志) ------------------------------------------------------------------
# It lives in accounts because most of what it records happens here (sign-in, passwords, roles,
# the lockout and two-factor sign-in), and accounts may import no app to its
# right; proposals, replies and reports call accounts.audit.record() for their own events.


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出登录")
    # 强制下线: the security administrator ended every session of a user.
    FORCED_LOGOUT = "forced_logout", _("强制下线")
    # Written by the lockout and two-factor features through accounts.audit.record().
    LOCKOUT = "lockout", _("账号锁定")
    UNLOCK = "unlock", _("解除锁定")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("启用双因素认证")
    TWO_FACTOR_REMOVED = "2fa_removed", _("停用双因素认证")
    TWO_FACTOR_FAILED = "2fa_failed", _("双因素认证失败")
    # A single-use recovery code let the user in instead of an authenticator code.
    RECOVERY_CODE_USED = "recovery_code_used", _("使用恢复码登录")
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("重新生成恢复码")
    PASSWORD_CHANGED = "password_changed", _("修改密码")
    USER_CREATED = "user_created", _("创建用户")
    USER_CHANGED = "user_changed", _("修改用户角色、单位或状态")
    USER_DELETED = "user_deleted", _("删除用户")
    # 三员分立: roles are granted by the security administrator (accounts.roles).
    ROLE_CHANGED = "role_changed", _("变更角色")
    # The system administrator set another user's password.
    PASSWORD_RESET = "password_reset", _("重置密码")
    # Departments, delegations and deputies changed in 系统管理 (details: op, model, changes).
    RECORD_CHANGED = "record_changed", _("修改基础数据")
    DENIED = "denied", _("拒绝访问")
    DOWNLOAD = "download", _("下载")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("查看个人信息")
    WORKFLOW = "workflow", _("办理操作")
    SETTINGS_CHANGED = "settings_changed", _("修改设置")
    AUDIT_EXPORTED = "audit_exported", _("导出审计日志")
    AUDIT_ARCHIVED = "audit_archived", _("归档审计日志")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AuditEntryQuerySet(models.QuerySet):
    def for_list(self):
        # The viewer and the export show the user's full name beside the kept username.
        return self.select_related("user").order_by("-time", "-id")


class AuditEntry(choices.Model):
    """One security-relevant event: who, from where, did what to which object, with what
    outcome. Append-only: a database trigger refuses UPDATE and DELETE (migration
    0007_audit_append_only), except inside `archive_audit`, which moves old rows to a signed
    file (accounts.audit_archive)."""

    time = models.DateTimeField(_("时间"), default=timezone.now)
    # No database constraint and nothing done on delete: the id and the username stay as they
    # were when the user is removed (an update here would be refused by the trigger anyway).
    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    source_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=30, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_label = models.CharField(_("对象"), max_length=200, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [
            # the viewer's newest-first page and time range; archive_audit's `time < cutoff`
            models.Index(fields=["-time", "-id"], name="audit_time"),
            # 按用户: everything one account did
            models.Index(fields=["user", "-time"], name="audit_user_time"),
            # 按操作: e.g. every failed login or denial in a period
            models.Index(fields=["action", "-time"], name="audit_action_time"),
            # who touched this proposal / reply / attachment
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"


# --- login lockout (accounts.lockout) ------------------------------------------------------------


class LockKind(models.TextChoices):
    USERNAME = "username", _("账号")
    ADDRESS = "address", _("来源地址")


class LoginFailure(choices.Model):
    """One failed sign-in: the name as typed (lower-cased) and where it came from. Rows are only
    inserted and counted, never updated in place, so concurrent attempts all count; a successful
    sign-in blanks the name on that account's rows (they still count for the address)."""

    username = models.CharField(_("用户名"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_username"),
            models.Index(fields=["address", "at"], name="login_failure_address"),
            models.Index(fields=["at"], name="login_failure_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.address or ''}"


class LoginLockQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(locked_until__gt=now or timezone.now())


class LoginLock(choices.Model):
    """A lock on a user name or a source address. One row per key, reused: it is locked while
    locked_until is in the future; once it has passed (or the security administrator unlocked
    it, which sets it to that moment) failures before it no longer count."""

    kind = models.CharField(_("类型"), max_length=10, choices=LockKind.choices)
    key = models.CharField(_("账号或地址"), max_length=150)
    locked_at = models.DateTimeField(_("锁定时间"))
    locked_until = models.DateTimeField(_("锁定至"))
    failures = models.PositiveIntegerField(_("失败次数"), default=0)

    objects = LoginLockQuerySet.as_manager()

    class Meta:
        ordering = ["-locked_at"]
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="login_lock_one_per_key")]
        indexes = [models.Index(fields=["locked_until"], name="login_lock_until")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key}"


# --- two-factor sign-in (accounts.two_factor) -----------------------------------------------------


class TwoFactorDevice(choices.Model):
    """The user's authenticator app (TOTP, RFC 6238). Unconfirmed until the user has typed one
    valid code from it; only a confirmed device is asked for at sign-in."""

    user = models.OneToOneField(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="two_factor")
    # Base32, as the authenticator app receives it in the QR code.
    secret = models.CharField(_("密钥"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    # The last 30-second time step a code was accepted for: a code is good once (no replay).
    last_step = models.BigIntegerField(default=-1)

    class Meta:
        verbose_name = _("双因素认证设备")
        verbose_name_plural = _("双因素认证设备")

    def __str__(self):
        return f"{self.user} TOTP"


class RecoveryCode(choices.Model):
    """A single-use code for when the authenticator is lost; only its keyed hash is stored."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="recovery_code_unique")]

    def __str__(self):
        return f"{self.user} recovery code"


class FiguresSnapshot(choices.Model):
    """A page's figures as last rendered (accounts.figures): shared by every worker and host,
    so a session's dashboard or statistics are computed once a minute for all of them. One
    row per page, session, day and language, replaced in place; a nightly job removes the
    rows of earlier days."""

    key = models.CharField(max_length=200, unique=True)
    html = models.TextField()
    computed_at = models.DateTimeField()

    def __str__(self):
        return self.key
