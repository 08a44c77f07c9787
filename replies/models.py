from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department


class DocumentSeries(models.Model):
    """A department's numbering series for one year (发文字号): 吉科发规划〔2024〕56号.

    `last_number` is read and advanced only under a row lock in the signing transaction
    (replies.numbering.take_number), so numbers stay gap-free and unique with any number of
    app servers. Some departments keep a separate series for co-handler opinions."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("答复")
        OPINION = "opinion", _("协办意见")

    department = models.ForeignKey(Department, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="series")
    kind = models.CharField(_("文种"), max_length=10, choices=Kind.choices, default=Kind.REPLY)
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("机关代字"), max_length=30, help_text=_("如“吉科发规划”，年份和序号自动加上。"))
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
        return f"{self.code}〔{self.year}〕"
