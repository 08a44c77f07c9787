import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Delegation, Department

from .models import Category, Proposal, Session


class ProposalFilter(django_filters.FilterSet):
    """Receives a queryset already scoped to the user (Proposal.objects.visible_to)."""

    q = django_filters.CharFilter(label=_("关键词"), method="filter_q")
    session = django_filters.ModelChoiceFilter(label=_("会次"), queryset=Session.objects.all())
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Proposal.Status.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("分类"), queryset=Category.objects.select_related("parent"), method="filter_category"
    )
    number_min = django_filters.NumberFilter(label=_("建议号从"), field_name="number", lookup_expr="gte")
    number_max = django_filters.NumberFilter(label=_("到"), field_name="number", lookup_expr="lte")
    deputy = django_filters.CharFilter(label=_("代表"), method="filter_deputy")
    delegation = django_filters.ModelChoiceFilter(
        label=_("代表团"), field_name="lead_deputy__delegation", queryset=Delegation.objects.all()
    )
    channel = django_filters.ChoiceFilter(label=_("提交方式"), choices=Proposal.Channel.choices)
    is_key = django_filters.BooleanFilter(label=_("重点督办"), field_name="is_key")
    department = django_filters.ModelChoiceFilter(
        label=_("承办单位"), queryset=Department.objects.filter(is_active=True), method="filter_department"
    )
    submitted_from = django_filters.DateFilter(
        label=_("提交日期从"),
        field_name="submitted_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submitted_to = django_filters.DateFilter(
        label=_("到"),
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

    def filter_q(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(title__icontains=word) | Q(search_text__icontains=word))
        return queryset

    def filter_department(self, queryset, name, value):
        return queryset.filter(assignments__department=value, assignments__is_active=True).distinct()

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_deputy(self, queryset, name, value):
        return queryset.filter(
            Q(lead_deputy__name__icontains=value.strip())
            | Q(cosigners__deputy__name__icontains=value.strip(), cosigners__status="confirmed")
        ).distinct()
