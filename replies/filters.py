"""The filters of the reply, feedback and follow-up lists (django-filter FilterSets built on
proposals.filters.ListFilterSet), and each list's rows before filtering: what the user may
see, with everything a row shows, in the list's default order. The list pages and their
Excel exports (reports.exports) use the same two pieces, so an export holds exactly the
filtered rows."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filters import DATE_WIDGET, IntegerFilter, ListFilterSet, date_range, number_range
from accounts.models import Delegation, Department, Role
from proposals import search
from proposals.filters import SearchFilter
from proposals.models import RESULT_CATEGORIES, Assignment, Category, Session

from . import followup
from .models import Feedback, Reply

DEPARTMENT = (Role.CLERK, Role.LEADER)
NUMBER_RANGE = ("number_min", "number_max", _("建议号“从”不能大于“到”。"))


def result_category_choices():
    """The result categories (A–D by default): codes in the usual order, each with its label."""
    return [(code, f"{code}类") for code, _label in RESULT_CATEGORIES]


def _category_filter(prefix):
    return django_filters.ModelChoiceFilter(
        label=_("分类"),
        queryset=Category.objects.select_related("parent"),
        method="filter_category",
        field_name=prefix,
    )


class _ProposalFields:
    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(**{f"{name}__category": value}) | Q(**{f"{name}__category__parent": value}))


# --- replies ------------------------------------------------------------------------------------


class ReplyFilter(_ProposalFields, ListFilterSet):
    PRIMARY = ("q", "session", "department", "status", "category", "number_min", "number_max", "ordering")
    RANGES = (NUMBER_RANGE, ("signed_from", "signed_to", _("签发日期的开始日期不能晚于结束日期。")))
    COORDINATOR_ONLY = ("department",)

    q = SearchFilter(label=_("全文关键词"), method="filter_q")
    session = django_filters.ModelChoiceFilter(
        label=_("会次"), field_name="assignment__proposal__session", queryset=Session.objects.all()
    )
    department = django_filters.ModelChoiceFilter(label=_("单位"), queryset=Department.objects.all())
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Reply.Status.choices)
    category = django_filters.ChoiceFilter(label=_("办理结果类别"), choices=result_category_choices())
    number_min, number_max = number_range("assignment__proposal__number", _("建议号从"), _("建议号到"))
    kind = django_filters.ChoiceFilter(label=_("文种"), choices=Reply.Kind.choices)
    mode = django_filters.ChoiceFilter(
        label=_("办理方式"), field_name="assignment__mode", choices=Assignment.Mode.choices
    )
    proposal_category = _category_filter("assignment__proposal")
    is_key = django_filters.BooleanFilter(label=_("重点督办"), field_name="assignment__proposal__is_key")
    deputy = django_filters.CharFilter(
        label=_("领衔代表"),
        field_name="assignment__proposal__lead_deputy__name",
        lookup_expr="icontains",
        max_length=30,
    )
    delegation = django_filters.ModelChoiceFilter(
        label=_("代表团"), field_name="assignment__proposal__lead_deputy__delegation", queryset=Delegation.objects.all()
    )
    satisfaction = django_filters.ChoiceFilter(
        label=_("代表满意度（任一方面）"), choices=Feedback.Rating.choices, method="filter_satisfaction"
    )
    signed_from, signed_to = date_range("signed_at", _("签发日期从"), _("签发日期到"))
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("assignment__proposal__number", "number"), ("signed_at", "signed_at"), ("updated_at", "updated_at")),
        field_labels={"number": _("建议号"), "signed_at": _("签发时间"), "updated_at": _("更新时间")},
    )

    class Meta(ListFilterSet.Meta):
        model = Reply
        fields = []

    def filter_q(self, queryset, name, value):
        return search.matching(queryset, value, vector="search_vector", document="search_document")

    def filter_satisfaction(self, queryset, name, value):
        rated = Feedback.objects.filter(reply=OuterRef("pk"), responded=True).filter(
            Q(attitude=value) | Q(result=value)
        )
        return queryset.filter(Exists(rated))


def reply_rows(user):
    """The reply list: the department's own replies and opinions (every department's for the
    office), most recently changed first."""
    rows = Reply.objects.visible_to(user).for_list()
    if user.role in DEPARTMENT:
        rows = rows.filter(department_id=user.department_id)
    return rows.order_by("-updated_at", "-id")


# --- feedback ------------------------------------------------------------------------------------


class FeedbackFilter(_ProposalFields, ListFilterSet):
    PRIMARY = ("session", "department", "attitude", "result", "responded", "ordering")
    RANGES = (NUMBER_RANGE, ("date_from", "date_to", _("反馈日期的开始日期不能晚于结束日期。")))

    session = django_filters.ModelChoiceFilter(
        label=_("会次"), field_name="reply__assignment__proposal__session", queryset=Session.objects.all()
    )
    department = django_filters.ModelChoiceFilter(
        label=_("承办单位"), field_name="reply__department", queryset=Department.objects.all()
    )
    attitude = django_filters.ChoiceFilter(label=_("办理态度"), choices=Feedback.Rating.choices)
    result = django_filters.ChoiceFilter(label=_("办理结果"), choices=Feedback.Rating.choices)
    responded = django_filters.BooleanFilter(label=_("已反馈"))
    category = django_filters.ChoiceFilter(
        label=_("办理结果类别"), field_name="reply__category", choices=result_category_choices()
    )
    number_min, number_max = number_range("reply__assignment__proposal__number", _("建议号从"), _("建议号到"))
    contacted = django_filters.ChoiceFilter(label=_("答复前的沟通"), choices=Feedback.Contacted.choices)
    proposal_category = _category_filter("reply__assignment__proposal")
    deputy = django_filters.CharFilter(
        label=_("反馈代表"), field_name="deputy__name", lookup_expr="icontains", max_length=30
    )
    delegation = django_filters.ModelChoiceFilter(
        label=_("代表团"), field_name="deputy__delegation", queryset=Delegation.objects.all()
    )
    date_from, date_to = date_range("updated_at", _("反馈日期从"), _("反馈日期到"))
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("reply__assignment__proposal__number", "number"), ("updated_at", "updated_at")),
        field_labels={"number": _("建议号"), "updated_at": _("反馈时间")},
    )

    class Meta(ListFilterSet.Meta):
        model = Feedback
        fields = []


def feedback_rows(user):
    """Deputies' feedback on the replies the user may see (the office: all), newest first."""
    return (
        Feedback.objects.filter(reply__in=Reply.objects.visible_to(user).filter(kind=Reply.Kind.REPLY))
        .select_related(
            "deputy__delegation",
            "reply__department",
            "reply__assignment__proposal__session",
        )
        .order_by("-updated_at", "-id")
    )


# --- follow-up (commitments) ----------------------------------------------------------------------


class CommitmentFilter(_ProposalFields, ListFilterSet):
    """跟踪办理: by default this year's open items (with the open ones of earlier years)."""

    PRIMARY = ("year", "state", "session", "department", "overdue", "ordering")
    RANGES = (NUMBER_RANGE, ("due_from", "due_to", _("完成时限的开始日期不能晚于结束日期。")))
    COORDINATOR_ONLY = ("department",)
    STATES = (("open", _("未完成")), ("done", _("已完成")), ("all", _("全部")))

    year = IntegerFilter(label=_("年度"), method="filter_year", min_value=2000, max_value=2100)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=STATES, method="filter_state", empty_label=None)
    session = django_filters.ModelChoiceFilter(
        label=_("会次"), field_name="reply__assignment__proposal__session", queryset=Session.objects.all()
    )
    department = django_filters.ModelChoiceFilter(
        label=_("单位"), field_name="reply__department", queryset=Department.objects.all()
    )
    overdue = django_filters.BooleanFilter(label=_("已逾期"), method="filter_overdue")
    category = django_filters.ChoiceFilter(
        label=_("办理结果类别"), field_name="reply__category", choices=result_category_choices()
    )
    number_min, number_max = number_range("reply__assignment__proposal__number", _("建议号从"), _("建议号到"))
    proposal_category = _category_filter("reply__assignment__proposal")
    deputy = django_filters.CharFilter(
        label=_("领衔代表"),
        field_name="reply__assignment__proposal__lead_deputy__name",
        lookup_expr="icontains",
        max_length=30,
    )
    due_from = django_filters.DateFilter(label=_("完成时限从"), field_name="due", lookup_expr="gte", **DATE_WIDGET)
    due_to = django_filters.DateFilter(label=_("完成时限到"), field_name="due", lookup_expr="lte", **DATE_WIDGET)
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("due", "due"), ("reply__assignment__proposal__number", "number")),
        field_labels={"due": _("完成时限"), "number": _("建议号")},
    )

    class Meta(ListFilterSet.Meta):
        model = followup.Commitment
        fields = []

    def __init__(self, data=None, *args, today=None, **kwargs):
        today = today or timezone.localdate()
        data = data.copy() if data is not None else QueryDict(mutable=True)
        for name, default in (("year", str(today.year)), ("state", "open")):
            if not data.get(name):
                data[name] = default
        super().__init__(data, *args, today=today, **kwargs)

    @property
    def is_filtered(self):
        return any(v for k, v in self.data.items() if k not in ("page", "year", "state"))

    def filter_year(self, queryset, name, value):
        return followup.of_year(queryset, value)

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(done_at__isnull=True)
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset

    def filter_overdue(self, queryset, name, value):
        late = Q(done_at__isnull=True, due__lt=self.today)
        return queryset.filter(late) if value else queryset.exclude(late)


def commitment_rows(user):
    """Commitments of signed replies the user may see (a department: its own), by due date."""
    rows = followup.tracked().filter(reply__in=Reply.objects.visible_to(user))
    if user.role in DEPARTMENT:
        rows = rows.filter(reply__department_id=user.department_id)
    return followup.for_list(rows).order_by("due", "id")
