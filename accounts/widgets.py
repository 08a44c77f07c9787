"""Form widgets written for speed (docs/performance.md, "Filter bars")."""

import hashlib

from django import forms
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models.signals import post_delete, post_save
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .renderers import attrs as write_attrs
from .renderers import escape, option_html

CHOICES_SECONDS = 60
_versions: dict = {}  # model → how many times it was saved or deleted in this process


def fast_selects(form):
    """Give the form's single selects the FastSelect widget, and a model choice of reference
    data (rows of one table, no subquery) its cached choices."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            sql = _sql_of_one_table(field)
            choices = cached_choices(field, sql) if sql else field.widget.choices
            field.widget = FastSelect(attrs=field.widget.attrs, choices=choices)


def _sql_of_one_table(field):
    """A model choice field's query (sql, params) when it reads its model's table alone."""
    if not isinstance(field, forms.ModelChoiceField):
        return None
    query = field.queryset.query
    table = field.queryset.model._meta.db_table
    try:
        sql, params = query.sql_with_params()
    except EmptyResultSet:  # .none(): nothing to read, nothing to cache
        return None
    if all(join.table_name == table for join in query.alias_map.values()) and sql.count("SELECT") == 1:
        return sql, params
    return None


class FastSelect(forms.Select):
    """A <select> written in Python, with Django's markup but for the white space between
    tags. Django builds a dictionary for every <option> (Select.get_context) before its
    template writes it: a filter bar's 300 options (210 departments, the sessions, categories
    and delegations) were most of a list page's time (docs/performance.md)."""

    def render(self, name, value, attrs=None, renderer=None):
        wanted = self.format_value(value)
        found = False
        parts = [f'<select name="{escape(name)}"{write_attrs(self.build_attrs(self.attrs, attrs))}>']
        for group_value, group_label in self.choices:
            grouped = isinstance(group_label, (list, tuple))
            if grouped:
                parts.append(f'<optgroup label="{escape(group_value)}">')
            for option_value, label in group_label if grouped else [(group_value, group_label)]:
                option_value = "" if option_value is None else str(option_value)
                selected = not found and option_value in wanted
                found |= selected
                parts.append(option_html(option_value, " selected" if selected else "", label))
            if grouped:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above  # nosec B308 B703


def cached_choices(field, sql):
    """A model choice field's options as plain (value, label) pairs, kept CHOICES_SECONDS in
    this process: sessions, departments, categories and delegations change seldom, and every
    list page offers them (four queries and 300 model instances a page otherwise). A change
    saved in this process shows at once; other processes show it within CHOICES_SECONDS.
    Only for rows of the model's own table (`sql`, from _sql_of_one_table): a list that depends
    on other tables (the portal's departments with published replies) is read each time."""
    model = field.queryset.model
    _watch(model)
    identity = "|".join(
        map(str, (model._meta.label, _versions[model], get_language(), *sql, type(field), field.empty_label))
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
