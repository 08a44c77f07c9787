import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import ListFilterForm
from proposals.filters import SearchFilter
from proposals.models import Category

from . import queries


class PublicReplyFilter(django_filters.FilterSet):
    """The portal's search and filters over published replies. `category` is the proposal's
    topic (分类: an aspect includes its classes); `result` the reply's result category
    (办理结果类别 A–D, as each session names them)."""

    q = SearchFilter(label=_("关键词"), method="filter_q")
    session = django_filters.ChoiceFilter(label=_("会次"), method="filter_session", empty_label=_("全部会次"))
    department = django_filters.ModelChoiceFilter(
        label=_("承办单位"), queryset=None, field_name="department", empty_label=_("全部单位")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("建议分类"),
        queryset=Category.objects.select_related("parent"),
        method="filter_category",
        empty_label=_("全部分类"),
    )
    result = django_filters.ChoiceFilter(label=_("办理结果"), field_name="category", empty_label=_("全部类别"))

    class Meta:
        form = ListFilterForm  # the lists' Chinese messages and fast, cached choice lists

    def __init__(self, data=None, *args, sessions=(), departments=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["session"].extra["choices"] = [(str(s.pk), s.name) for s in sessions]
        self.filters["department"].queryset = departments
        labels = {}
        for session in sessions:
            for code, label in session.result_categories:
                labels.setdefault(code, f"{code} {label}")
        self.filters["result"].extra["choices"] = list(labels.items())

    def filter_q(self, queryset, name, value):
        return queries.search(queryset, value)

    def filter_session(self, queryset, name, value):
        return queryset.filter(assignment__proposal__session_id=value)

    def filter_category(self, queryset, name, value):
        in_aspect = Q(assignment__proposal__category__parent=value)
        return queryset.filter(Q(assignment__proposal__category=value) | in_aspect)
