"""The audit viewer's filter (django-filter), with Chinese messages for bad input.

On the lists' shared base (accounts.filters.ListFilterSet), so it renders through
includes/filter_form.html like every list.
"""

import django_filters
from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .filters import ListFilterSet, date_range
from .models import AuditAction, AuditOutcome


def object_types():
    """Every model, by its Chinese name: the values object_type holds."""
    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name)) for m in apps.get_models()), key=lambda choice: choice[1]
    )


class AuditFilter(ListFilterSet):
    PRIMARY = ("date_from", "date_to", "user", "action", "outcome")
    RANGES = (("date_from", "date_to", _("开始日期不能晚于结束日期。")),)

    date_from, date_to = date_range("time", _("开始日期"), _("结束日期"), on_datetime=True)
    user = django_filters.CharFilter(label=_("用户"), method="filter_user", max_length=150)
    action = django_filters.ChoiceFilter(label=_("操作"), choices=AuditAction.choices, empty_label=_("全部"))
    outcome = django_filters.ChoiceFilter(label=_("结果"), choices=AuditOutcome.choices, empty_label=_("全部"))
    object_type = django_filters.ChoiceFilter(label=_("对象类型"), choices=object_types, empty_label=_("全部"))
    object_id = django_filters.CharFilter(label=_("对象编号"), max_length=64)
    # a prefix finds a whole network (10.1.)
    source_address = django_filters.CharFilter(label=_("来源地址"), lookup_expr="istartswith", max_length=45)

    class Meta(ListFilterSet.Meta):
        fields = ()

    def filter_user(self, queryset, name, value):
        """The username kept in the entry, or the current full name of the account."""
        return queryset.filter(Q(username__icontains=value) | Q(user__full_name__icontains=value))
