"""The filter bars' <select>, written in Python for speed, must be Django's markup exactly."""

import re

import pytest
from django import forms

from accounts.filters import ListFilterForm
from accounts.models import Department
from accounts.widgets import FastSelect

CHOICES = [
    ("", "---------"),
    ("a", "甲 & <乙>"),
    ("组", [("b", "丙"), ("c", '丁"')]),
]


@pytest.mark.parametrize("value", ["", "a", "c", None])
def test_fast_select_writes_the_markup_django_writes(value):
    attrs = {"id": "id_x", "aria-invalid": "true", "required": True, "disabled": False}
    django = forms.Select(choices=CHOICES).render("x", value, attrs=attrs)
    # the same but for the white space between the tags, which HTML ignores there
    assert FastSelect(choices=CHOICES).render("x", value, attrs=attrs) == re.sub(r">\s+<", "><", django)
    assert "&lt;乙&gt;" in django


def test_filter_forms_render_their_single_selects_with_the_fast_widget():
    class Form(ListFilterForm):
        one = forms.ChoiceField(choices=CHOICES, required=False)
        many = forms.MultipleChoiceField(choices=CHOICES, required=False)

    form = Form({"one": "b"})
    assert type(form.fields["one"].widget) is FastSelect
    assert type(form.fields["many"].widget) is forms.SelectMultiple  # left as Django makes it
    assert '<option value="b" selected>丙</option>' in str(form["one"])


def test_a_department_added_shows_in_the_filters_at_once(client, coordinator, department_a):
    client.force_login(coordinator)
    assert "吉林省科学技术厅" in client.get("/proposals/").content.decode()  # cached now
    Department.objects.create(name="新设的单位", short_name="新单位", doc_code="新")
    assert "新设的单位" in client.get("/proposals/").content.decode()


def test_choice_lists_of_all_rows_are_cached_and_filtered_ones_are_not(client, coordinator, department_a):
    from proposals.filters import ProposalFilter

    everything = ProposalFilter(user=coordinator).form.fields["department"]
    assert everything.widget.choices[-1] == (str(department_a.pk), str(department_a))
    Department.objects.filter(pk=department_a.pk).update(name="改名不发信号")  # no signal: the cache stands
    assert ProposalFilter(user=coordinator).form.fields["department"].widget.choices == everything.widget.choices

    class Form(ListFilterForm):
        some = forms.ModelChoiceField(queryset=Department.objects.filter(name__startswith="改名"), required=False)

    assert Form().fields["some"].widget.choices[-1][1] == "改名不发信号"  # read each time


def test_two_filters_choosing_from_the_same_rows_keep_their_own_empty_labels(db, category):
    from portal.filters import PublicReplyFilter
    from proposals.filters import ProposalFilter
    from proposals.models import Proposal
    from replies.models import Reply

    listed = ProposalFilter(queryset=Proposal.objects.none()).form.fields["category"].widget.choices
    public = PublicReplyFilter(queryset=Reply.objects.none(), departments=Department.objects.none())
    public = public.form.fields["category"].widget.choices
    assert listed[0] == ("", "---------") and public[0] == ("", "全部分类")
    assert listed[1:] == public[1:]
