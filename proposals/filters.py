import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import DATE_WIDGET, ListFilterSet, date_range, number_range
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
