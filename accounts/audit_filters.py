"""The audit viewer's filter (django-filter), with Chinese messages for bad input.

accounts sits below proposals, so this does not reuse proposals.filters.ListFilterSet; it
offers the same attributes (primary_fields, more_fields, more_open) to the shared
includes/filter_form.html.
"""

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import AuditAction, AuditOutcome

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
MESSAGES = {
    "invalid_choice": _("所选的值无效，请从列表中选择。"),
    "invalid_date": _("请填写有效的日期，如2024-05-14。"),
}


def object_types():
    """Every model, by its Chinese name: the values object_type holds."""
    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name)) for m in apps.get_models()), key=lambda choice: choice[1]
    )


class AuditFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            errors = field.error_messages
            if "invalid_choice" in errors:
                errors["invalid_choice"] = MESSAGES["invalid_choice"]
            if isinstance(field, forms.DateField):
                errors["invalid"] = MESSAGES["invalid_date"]

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first is not None and last is not None and first > last:
            # neither end is applied: the message says why
            self.add_error("date_from", _("开始日期不能晚于结束日期。"))
            data.pop("date_to", None)
        return data


class AuditFilter(django_filters.FilterSet):
    PRIMARY = ("date_from", "date_to", "user", "action", "outcome")

    date_from = django_filters.DateFilter(
        label=_("开始日期"), field_name="time", lookup_expr="date__gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("结束日期"), field_name="time", lookup_expr="date__lte", widget=DATE_WIDGET
    )
    user = django_filters.CharFilter(label=_("用户"), method="filter_user", max_length=150)
    action = django_filters.ChoiceFilter(label=_("操作"), choices=AuditAction.choices, empty_label=_("全部"))
    outcome = django_filters.ChoiceFilter(label=_("结果"), choices=AuditOutcome.choices, empty_label=_("全部"))
    object_type = django_filters.ChoiceFilter(label=_("对象类型"), choices=object_types, empty_label=_("全部"))
    object_id = django_filters.CharFilter(label=_("对象编号"), max_length=64)
    # a prefix finds a whole network (10.1.)
    source_address = django_filters.CharFilter(label=_("来源地址"), lookup_expr="istartswith", max_length=45)

    class Meta:
        form = AuditFilterForm
        fields = ()

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:  # NUL bytes are never meant (PostgreSQL refuses them)
            data = data.copy()
            for key in list(data.keys()):
                data.setlist(key, [str(v).replace("\x00", "") for v in data.getlist(key)])
        super().__init__(data, *args, **kwargs)

    def filter_user(self, queryset, name, value):
        """The username kept in the entry, or the current full name of the account."""
        return queryset.filter(Q(username__icontains=value) | Q(user__full_name__icontains=value))

    def _fields(self, primary):
        return [self.form[name] for name in self.filters if (name in self.PRIMARY) == primary]

    @property
    def primary_fields(self):
        return self._fields(True)

    @property
    def more_fields(self):
        return self._fields(False)

    @property
    def more_open(self):
        data = self.data or {}
        return any(data.get(f.name) or f.errors for f in self.more_fields) if self.is_bound else False
