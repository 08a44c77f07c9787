"""The form renderer writes widgets in Python: its markup must be Django's, byte for byte."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from accounts.renderers import FastRenderer

ATTRS = {"id": "id_x", "required": True, "disabled": False, "aria-describedby": "x-error", "title": 'a "b" <c>'}
CHOICES = [("", "---------"), ("a", "甲 & <乙>"), ("组", [("b", "丙"), (3, '丁"')])]
WIDGETS = [
    (forms.TextInput(), "大 <b>&'\""),
    (forms.TextInput(attrs={"maxlength": 30, "placeholder": gettext_lazy("关键词")}), None),
    (forms.TextInput(), mark_safe("<i>safe</i>")),  # nosec B308 B703 - the case under test
    (forms.NumberInput(attrs={"min": 1}), 12),
    (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), datetime.date(2024, 5, 14)),
    (forms.DateInput(attrs={"type": "date"}), "2024-13-40"),
    (forms.HiddenInput(), 7),
    (forms.PasswordInput(render_value=True), "s3cret&"),
    (forms.EmailInput(), "a@b.cn"),
    (forms.SearchInput(), "教育 医疗"),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.Textarea(attrs={"rows": 3}), "第一行\n<第二行> & 'x'"),
    (forms.Textarea(), ""),
    (forms.Select(choices=CHOICES), "b"),
    (forms.Select(choices=CHOICES), None),
    (forms.NullBooleanSelect(), True),
    (forms.SelectMultiple(choices=CHOICES), ["a", "3"]),
]


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda w: type(w).__name__)
def test_each_widget_is_written_as_djangos_templates_write_it(widget, value):
    django = widget.render("x", value, attrs=ATTRS, renderer=DjangoTemplates())
    assert widget.render("x", value, attrs=ATTRS, renderer=FastRenderer()) == django


def test_widgets_without_a_writer_still_go_through_the_templates():
    widget = forms.RadioSelect(choices=[("a", "甲"), ("b", "乙")])
    django = widget.render("x", "a", renderer=DjangoTemplates())
    assert widget.render("x", "a", renderer=FastRenderer()) == django
    assert 'type="radio"' in django and "checked" in django


def test_a_select_whose_options_have_their_own_template_goes_through_the_templates():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = Custom(choices=[("a", "甲")])
    assert widget.render("x", "a", renderer=FastRenderer()) == widget.render("x", "a", renderer=DjangoTemplates())


def test_the_project_renders_its_forms_with_the_fast_renderer(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "accounts.renderers.FastRenderer"
    assert isinstance(get_default_renderer(), FastRenderer)
