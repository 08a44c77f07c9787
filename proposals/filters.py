import django_filters
from django import forms
from django.core import validators
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Delegation, Department, Role

from . import search
from .deadlines import TrackingState
from .models import Assignment, Category, Proposal, Session

# Groups of tracking states the dashboard counts together, offered beside the single states.
STATE_GROUPS = {
    "owing": [s for s in TrackingState.values if s != TrackingState.REFERENCE],
    "replied": [TrackingState.REPLIED_ON_TIME, TrackingState.REPLIED_LATE],
}
STATE_CHOICES = [
    *TrackingState.choices,
    ("owing", _("需办理（不含参阅）")),
    ("replied", _("已答复（全部）")),
]
# These all describe one assignment: combined, they must hold for the same assignment
# (承办单位 A 逾期, not 有单位逾期 and A 承办).
ASSIGNMENT_FILTERS = ("department", "state", "mode", "due_from", "due_before")


class SearchQueryField(forms.CharField):
    """A search query parsed into terms (proposals.search.Query), or a Chinese message."""

    def __init__(self, **kwargs):
        super().__init__(max_length=None, **kwargs)

    def to_python(self, value):
        try:
            return search.parse(super().to_python(value))
        except search.QueryError as exc:
            raise forms.ValidationError(str(exc)) from None


class SearchFilter(django_filters.CharFilter):
    field_class = SearchQueryField


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


def date_range(field_name, label_from, label_to):
    """A date range on a DateTimeField (as a China date) or a DateField."""
    suffix = "date__" if field_name.endswith("_at") else ""
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


class ProposalFilter(ListFilterSet):
    """Receives a queryset already scoped to the user (Proposal.objects.visible_to).

    Result category and satisfaction are not offered here: they are recorded on replies and
    feedback, which proposals may not read (DESIGN.md layers); the reply and feedback lists
    filter by them."""

    PRIMARY = ("q", "session", "status", "number_min", "number_max", "department", "state", "ordering")
    RANGES = (
        ("number_min", "number_max", _("建议号“从”不能大于“到”。")),
        ("due_from", "due_before", _("答复期限的开始日期不能晚于结束日期。")),
        ("submitted_from", "submitted_to", _("提交日期的开始日期不能晚于结束日期。")),
    )

    q = SearchFilter(label=_("关键词"), method="filter_q")
    session = django_filters.ModelChoiceFilter(label=_("会次"), queryset=Session.objects.all())
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Proposal.Status.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("分类"), queryset=Category.objects.select_related("parent"), method="filter_category"
    )
    number_min, number_max = number_range("number", _("建议号从"), _("建议号到"))
    deputy = django_filters.CharFilter(label=_("代表"), method="filter_deputy", max_length=30)
    delegation = django_filters.ModelChoiceFilter(
        label=_("代表团"), field_name="lead_deputy__delegation", queryset=Delegation.objects.all()
    )
    channel = django_filters.ChoiceFilter(label=_("提交方式"), choices=Proposal.Channel.choices)
    is_key = django_filters.BooleanFilter(label=_("重点督办"), field_name="is_key")
    department = django_filters.ModelChoiceFilter(
        # every department, not only active ones: a department closed since still has its
        # assignments in force, and the dashboard links to them
        label=_("承办单位"),
        queryset=Department.objects.all(),
        method="by_assignment",
    )
    state = django_filters.ChoiceFilter(label=_("办理状态"), choices=STATE_CHOICES, method="by_assignment")
    mode = django_filters.ChoiceFilter(label=_("办理方式"), choices=Assignment.Mode.choices, method="by_assignment")
    due_from = django_filters.DateFilter(label=_("未答复·期限从"), method="by_assignment", **DATE_WIDGET)
    due_before = django_filters.DateFilter(label=_("未答复·期限至"), method="by_assignment", **DATE_WIDGET)
    submitted_from, submitted_to = date_range("submitted_at", _("提交日期从"), _("提交日期到"))
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("number", "number"), ("submitted_at", "submitted_at"), ("updated_at", "updated_at")),
        field_labels={"number": _("建议号"), "submitted_at": _("提交时间"), "updated_at": _("更新时间")},
    )

    class Meta(ListFilterSet.Meta):
        model = Proposal
        fields = []

    def by_assignment(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        given = {name: self.form.cleaned_data.get(name) for name in ASSIGNMENT_FILTERS}
        if not any(given.values()):
            return queryset
        assignments = Assignment.objects.current().filter(proposal=OuterRef("pk"))
        if given["department"]:
            assignments = assignments.filter(department=given["department"])
        if given["mode"]:
            assignments = assignments.filter(mode=given["mode"])
        if given["state"] or given["due_from"] or given["due_before"]:
            assignments = assignments.with_state(self.today)
        if given["state"]:
            assignments = assignments.filter(state__in=STATE_GROUPS.get(given["state"], [given["state"]]))
        if given["due_from"] or given["due_before"]:
            # a date range on what is still owed: replied assignments are done, whatever their date
            assignments = assignments.filter(replied_at__isnull=True).exclude(mode=Assignment.Mode.REFERENCE)
        if given["due_from"]:
            assignments = assignments.filter(due__gte=given["due_from"])
        if given["due_before"]:
            assignments = assignments.filter(due__lte=given["due_before"])
        return queryset.filter(Exists(assignments))

    def filter_q(self, queryset, name, value):
        # The list keeps its own order; the search page (/search/) ranks by relevance.
        return search.matching(queryset, value, vector="search_vector", document="search_document")

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_deputy(self, queryset, name, value):
        return queryset.filter(
            Q(lead_deputy__name__icontains=value.strip())
            | Q(cosigners__deputy__name__icontains=value.strip(), cosigners__status="confirmed")
        ).distinct()


def proposal_rows(user):
    """The proposal list's rows before filtering: what the user may see, with what a row
    shows, in the list's default order (the export uses the same)."""
    rows = Proposal.objects.visible_to(user).for_list()
    if user.role == Role.DEPUTY:
        return rows.order_by("-updated_at", "-id")
    return rows.order_by(F("submitted_at").desc(nulls_last=True), "-id")


# --- the department inbox ------------------------------------------------------------------------


class AssignmentFilter(ListFilterSet):
    """The department inbox: its assignments in force (Assignment.objects.visible_to), each
    annotated with its tracking state on `today` (AssignmentQuerySet.with_state)."""

    PRIMARY = ("session", "state", "mode", "number_min", "number_max", "ordering")
    RANGES = (
        ("number_min", "number_max", _("建议号“从”不能大于“到”。")),
        ("assigned_from", "assigned_to", _("交办日期的开始日期不能晚于结束日期。")),
        ("due_from", "due_to", _("期限的开始日期不能晚于结束日期。")),
    )

    session = django_filters.ModelChoiceFilter(
        label=_("会次"), field_name="proposal__session", queryset=Session.objects.all()
    )
    state = django_filters.ChoiceFilter(label=_("办理状态"), choices=STATE_CHOICES, method="filter_state")
    mode = django_filters.ChoiceFilter(label=_("办理方式"), choices=Assignment.Mode.choices)
    number_min, number_max = number_range("proposal__number", _("建议号从"), _("建议号到"))
    category = django_filters.ModelChoiceFilter(
        label=_("分类"), queryset=Category.objects.select_related("parent"), method="filter_category"
    )
    is_key = django_filters.BooleanFilter(label=_("重点督办"), field_name="proposal__is_key")
    signed = django_filters.BooleanFilter(label=_("已签收"), field_name="signed_at", lookup_expr="isnull", exclude=True)
    deputy = django_filters.CharFilter(
        label=_("领衔代表"), field_name="proposal__lead_deputy__name", lookup_expr="icontains", max_length=30
    )
    delegation = django_filters.ModelChoiceFilter(
        label=_("代表团"), field_name="proposal__lead_deputy__delegation", queryset=Delegation.objects.all()
    )
    assigned_from, assigned_to = date_range("assigned_at", _("交办日期从"), _("交办日期到"))
    due_from, due_to = date_range("due", _("期限从"), _("期限到"))
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("assigned_at", "assigned_at"), ("due", "due"), ("proposal__number", "number")),
        field_labels={"assigned_at": _("交办时间"), "due": _("期限"), "number": _("建议号")},
    )

    class Meta(ListFilterSet.Meta):
        model = Assignment
        fields = []

    def filter_state(self, queryset, name, value):
        return queryset.filter(state__in=STATE_GROUPS.get(value, [value]))

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(proposal__category=value) | Q(proposal__category__parent=value))


def inbox_rows(user, today):
    """The inbox's rows before filtering: the department's assignments in force with what a
    row shows and their tracking state on `today`, newest first."""
    return Assignment.objects.visible_to(user).current().for_inbox().with_state(today).order_by("-assigned_at", "-id")
