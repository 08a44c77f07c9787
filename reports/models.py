from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import choices


class ListExport(choices.Model):
    """An Excel export of a filtered list (reports.exports.LISTS), built by a background job
    that re-applies the filter to what the requester may see when it runs, downloadable by
    the requester alone, removed after KEEP_DAYS days."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("出错")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_name = models.CharField(_("列表"), max_length=20)
    # The list page's query string (its filter and ordering), as the requester saw it.
    query = models.TextField(_("筛选条件"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    processed = models.PositiveIntegerField(_("已导出行数"), default=0)
    file = models.FileField(_("文件"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("列表导出")
        verbose_name_plural = _("列表导出")
        indexes = [
            # "my exports", newest first
            models.Index(fields=["requested_by", "-created_at"], name="list_export_requester"),
        ]

    def __str__(self):
        return f"{self.list_name} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self):
        if self.total:
            return int(100 * self.processed / self.total)
        return 100 if self.status == self.Status.DONE else 0

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
