import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Delegation, Department

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


# What the keyword search reads: the title, the body and the suggestions (search_text holds
# the title and the suggestions).
SEARCHED = ("body", "search_text")


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


class ProposalFilter(django_filters.FilterSet):
    """Receives a queryset already scoped to the user (Proposal.objects.visible_to)."""

    q = SearchFilter(label=_("关键词"), method="filter_q")
    session = django_filters.ModelChoiceFilter(label=_("会次"), queryset=Session.objects.all())
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Proposal.Status.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("分类"), queryset=Category.objects.select_related("parent"), method="filter_category"
    )
    number_min = django_filters.NumberFilter(label=_("建议号从"), field_name="number", lookup_expr="gte")
    number_max = django_filters.NumberFilter(label=_("建议号到"), field_name="number", lookup_expr="lte")
    deputy = django_filters.CharFilter(label=_("代表"), method="filter_deputy")
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
    due_from = django_filters.DateFilter(
        label=_("未答复·期限从"), method="by_assignment", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_before = django_filters.DateFilter(
        label=_("未答复·期限至"), method="by_assignment", widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_from = django_filters.DateFilter(
        label=_("提交日期从"),
        field_name="submitted_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submitted_to = django_filters.DateFilter(
        label=_("提交日期到"),
        field_name="submitted_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("number", "number"), ("submitted_at", "submitted_at"), ("updated_at", "updated_at")),
        field_labels={"number": _("建议号"), "submitted_at": _("提交时间"), "updated_at": _("更新时间")},
    )

    class Meta:
        model = Proposal
        fields = []

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

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
        matches = search.matching(queryset, value, vector="search_vector", fields=SEARCHED)
        if self.form.cleaned_data.get("ordering"):
            return matches
        return search.ranked(matches, value, title="title")

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_deputy(self, queryset, name, value):
        return queryset.filter(
            Q(lead_deputy__name__icontains=value.strip())
            | Q(cosigners__deputy__name__icontains=value.strip(), cosigners__status="confirmed")
        ).distinct()
