"""Form widgets written for speed (docs/performance.md, "Filter bars")."""

from django import forms
from django.core.exceptions import EmptyResultSet
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import caching
from .renderers import attrs as write_attrs
from .renderers import escape, option_html


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
    """A model choice field's options as plain (value, label) pairs, kept a minute in this
    process (accounts.caching): sessions, departments, categories and delegations change
    seldom, and every list page offers them (four queries and 300 model instances a page
    otherwise). Only for rows of the model's own table (`sql`, from _sql_of_one_table): a list
    that depends on other tables (the portal's departments with published replies) is read
    each time."""
    model = field.queryset.model
    identity = (model._meta.label, get_language(), *sql, type(field), field.empty_label)
    return caching.cached("choices", identity, lambda: [(str(v), str(lb)) for v, lb in field.choices], models=[model])
