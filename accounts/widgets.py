"""Form widgets written for speed (docs/performance.md, "Filter bars")."""

import hashlib

from django import forms
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models.signals import post_delete, post_save
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

CHOICES_SECONDS = 60
_versions: dict = {}  # model → how many times it was saved or deleted in this process


def fast_selects(form):
    """Give the form's single selects the FastSelect widget, and a model choice of reference
    data (rows of one table, no subquery) its cached choices."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            choices = cached_choices(field) if _of_one_table(field) else field.widget.choices
            field.widget = FastSelect(attrs=field.widget.attrs, choices=choices)


def _of_one_table(field):
    if not isinstance(field, forms.ModelChoiceField):
        return False
    query = field.queryset.query
    table = field.queryset.model._meta.db_table
    try:
        sql = str(query)
    except EmptyResultSet:  # .none(): nothing to read, nothing to cache
        return False
    return all(join.table_name == table for join in query.alias_map.values()) and sql.count("SELECT") == 1


def _attrs(attrs):
    """Attributes as django/forms/widgets/attrs.html writes them (flatatt reorders them)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", k) if v is True else format_html(' {}="{}"', k, v),)
            for k, v in attrs.items()
            if v is not False
        ),
    )


class FastSelect(forms.Select):
    """A <select> written in Python, with Django's markup. Django renders every <option>
    through a template of its own, after building a dictionary for it: a filter bar's 300
    options (210 departments, the sessions, categories and delegations) were most of a list
    page's time (docs/performance.md)."""

    def render(self, name, value, attrs=None, renderer=None):
        wanted = self.format_value(value)
        found = False
        parts = [format_html('<select name="{}"{}>', name, _attrs(self.build_attrs(self.attrs, attrs)))]
        for group_value, group_label in self.choices:
            grouped = isinstance(group_label, (list, tuple))
            if grouped:
                parts.append(format_html('<optgroup label="{}">', group_value))
            for option_value, label in group_label if grouped else [(group_value, group_label)]:
                option_value = "" if option_value is None else option_value
                selected = not found and str(option_value) in wanted
                found |= selected
                parts.append(
                    format_html(
                        '<option value="{}"{}>{}</option>', option_value, " selected" if selected else "", label
                    )
                )
            if grouped:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above  # nosec B308 B703


def cached_choices(field):
    """A model choice field's options as plain (value, label) pairs, kept CHOICES_SECONDS in
    this process: sessions, departments, categories and delegations change seldom, and every
    list page offers them (four queries and 300 model instances a page otherwise). A change
    saved in this process shows at once; other processes show it within CHOICES_SECONDS.
    Only for rows of the model's own table (_of_one_table): a list that depends on other
    tables (the portal's departments with published replies) is read each time."""
    model = field.queryset.model
    _watch(model)
    sql, params = field.queryset.query.sql_with_params()
    identity = "|".join(
        map(str, (model._meta.label, _versions[model], get_language(), sql, params, type(field), field.empty_label))
    )
    key = "jianyi:choices:" + hashlib.sha256(identity.encode()).hexdigest()
    choices = cache.get(key)
    if choices is None:
        choices = [(str(value), str(label)) for value, label in field.choices]
        cache.set(key, choices, CHOICES_SECONDS)
    return choices


def _watch(model):
    if model not in _versions:
        _versions[model] = 0

        def changed(**kwargs):
            _versions[model] += 1

        for signal in (post_save, post_delete):
            signal.connect(changed, sender=model, weak=False, dispatch_uid=f"jianyi-choices-{model._meta.label}")
