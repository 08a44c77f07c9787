"""What every list's filter shares (django-filter): Chinese messages for bad input, ranges
refused when reversed, the most used fields first and the rest under 更多筛选条件. Here at
the bottom of the layers so that the audit viewer (accounts) and the lists of proposals and
replies use the same base."""

import django_filters
from django import forms
from django.core import validators
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Role
from .widgets import fast_selects

# The largest proposal number a filter accepts: beyond it a typed value is a mistake, and
# PostgreSQL's integer would overflow.
MAX_NUMBER = 99999
# Bad filter input is answered with these messages next to the form (and that field alone
# is left out of the filter), never with an error page.
FILTER_MESSAGES = {
    "invalid_choice": _("所选的值无效，请从列表中选择。"),
    "invalid_date": _("请填写有效的日期，如2024-05-14。"),
    "invalid_number": _("请填写整数。"),
    "max_value": _("数字不能大于%(limit_value)s。"),
    "min_value": _("数字不能小于%(limit_value)s。"),
    "max_length": _("内容太长，请控制在%(limit_value)d个字以内。"),
    "null_characters_not_allowed": _("含有无效字符。"),
}
DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"})}


def _in_chinese(validator):
    """The same validator with the filter's own message."""
    for kind, key in (
        (validators.MaxLengthValidator, "max_length"),
        (validators.MaxValueValidator, "max_value"),
        (validators.MinValueValidator, "min_value"),
    ):
        if isinstance(validator, kind):
            return kind(validator.limit_value, message=FILTER_MESSAGES[key])
    if isinstance(validator, validators.ProhibitNullCharactersValidator):
        return validators.ProhibitNullCharactersValidator(message=FILTER_MESSAGES["null_characters_not_allowed"])
    return validator


class ListFilterForm(forms.Form):
    """The form behind every list's FilterSet: Chinese messages for bad input, and ranges
    whose start lies after their end refused (neither end is applied then)."""

    ranges: tuple = ()  # (start field, end field, message), set by ListFilterSet

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fast_selects(self)
        for field in self.fields.values():
            messages = field.error_messages
            for key in ("invalid_choice", "max_value", "min_value", "max_length", "null_characters_not_allowed"):
                if key in messages:
                    messages[key] = FILTER_MESSAGES[key]
            if isinstance(field, forms.DateField):
                messages["invalid"] = FILTER_MESSAGES["invalid_date"]
            elif isinstance(field, forms.IntegerField):
                messages["invalid"] = FILTER_MESSAGES["invalid_number"]
            field.validators = [_in_chinese(v) for v in field.validators]

    def clean(self):
        data = super().clean()
        for start, end, message in self.ranges:
            first, last = data.get(start), data.get(end)
            if first is not None and last is not None and first > last:
                self.add_error(start, message)
                data.pop(end, None)
        return data

    def full_clean(self):
        super().full_clean()
        # tie each message to its field for screen readers
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-error"}
                )


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def number_range(field_name, label_from, label_to):
    """建议号从 … 到: two integer filters on `field_name`."""
    bounds = {"min_value": 1, "max_value": MAX_NUMBER}
    return (
        IntegerFilter(label=label_from, field_name=field_name, lookup_expr="gte", **bounds),
        IntegerFilter(label=label_to, field_name=field_name, lookup_expr="lte", **bounds),
    )


def date_range(field_name, label_from, label_to, *, on_datetime=None):
    """A date range on a DateTimeField (compared as a China date) or a DateField; a name
    ending in _at is taken for a DateTimeField unless `on_datetime` says otherwise."""
    on_datetime = field_name.endswith("_at") if on_datetime is None else on_datetime
    suffix = "date__" if on_datetime else ""
    return (
        django_filters.DateFilter(label=label_from, field_name=field_name, lookup_expr=f"{suffix}gte", **DATE_WIDGET),
        django_filters.DateFilter(label=label_to, field_name=field_name, lookup_expr=f"{suffix}lte", **DATE_WIDGET),
    )


class ListFilterSet(django_filters.FilterSet):
    """A list's filter: receives a queryset already scoped to the user (visible_to), lives
    in the URL, and shows its most used fields first (PRIMARY), the rest under 更多筛选条件.

    RANGES: (start, end, message) pairs refused when reversed. COORDINATOR_ONLY: fields a
    department user does not get (their list is their department's already)."""

    PRIMARY: tuple = ()
    RANGES: tuple = ()
    COORDINATOR_ONLY: tuple = ()

    class Meta:
        form = ListFilterForm

    def __init__(self, data=None, queryset=None, *, user=None, today=None, **kwargs):
        if data is not None:  # NUL bytes are never meant: drop them before anything reads the values
            data = data.copy()
            for key in list(data.keys()):
                data.setlist(key, [str(v).replace("\x00", "") for v in data.getlist(key)])
        super().__init__(data, queryset, **kwargs)
        self.user = user
        self.today = today or timezone.localdate()
        if user is not None and user.role != Role.COORDINATOR:
            for name in self.COORDINATOR_ONLY:
                self.filters.pop(name, None)

    def get_form_class(self):
        form_class = super().get_form_class()
        form_class.ranges = self.RANGES
        return form_class

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
        """Open 更多筛选条件 when one of its fields is in use or wrong."""
        data = self.data or {}
        return any(data.get(f.name) or f.errors for f in self.more_fields) if self.is_bound else False

    @property
    def is_filtered(self):
        return self.is_bound and any(v for k, v in self.data.items() if k != "page")
