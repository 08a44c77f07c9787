"""The form renderer (settings.FORM_RENDERER): Django's widget markup, written in Python.

Django renders every widget through templates: an <input> is three templates (text.html,
input.html, attrs.html), a <select> one more per <option>. A filter bar of twenty fields spent
more time there than the list page spent on its rows (docs/performance.md, "Filter bars").
For the widget templates below, this renderer writes the same markup directly from the
context the widget built; every other template (a form's layout, a widget of a third-party
app) goes through Django's templates as before. accounts/tests/test_renderers.py compares
the output with Django's, byte for byte.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
OPTION = f"{WIDGETS}select_option.html"


# The same text as Django's conditional_escape() and stringformat, without the lazy-string
# wrapper around them, which costs more than the escaping itself.
def escape(value):
    """`{{ value }}`"""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def text(value):
    """`{{ value|stringformat:'s' }}`: str() of it, escaped unless already safe."""
    return value if isinstance(value, SafeData) else html.escape(str(value))


def attrs(attributes):
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{text(value)}"'
        for name, value in attributes.items()
        if value is not False
    )


def _input(widget):
    value = "" if widget["value"] is None else f' value="{text(widget["value"])}"'
    kind, name = escape(widget["type"]), escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{attrs(widget["attrs"])}>'


def _textarea(widget):
    value = escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option):
    return option_html(option["value"], attrs(option["attrs"]), option["label"])


def option_html(value, attributes, label):
    """django/forms/widgets/select_option.html, `attributes` already written."""
    return f'<option value="{text(value)}"{attributes}>{escape(label)}</option>'


def _plain_options(widget):
    groups = widget["optgroups"]
    return all(option["template_name"] == OPTION for _name, options, _index in groups for option in options)


def _select(widget):
    parts = [f'<select name="{escape(widget["name"])}"{attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        parts.extend(f"\n  {_option(option)}\n" for option in options)  # the option template's own last line end
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


# The widget templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = ("text", "number", "email", "url", "password", "hidden", "date", "time", "datetime", "search", "tel", "color")
WRITERS = {
    **{f"{WIDGETS}{kind}.html": _input for kind in ("input", *INPUTS, "checkbox", "file")},
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}select.html": _select,
    OPTION: _option,
}


class FastRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        if write is _select and not _plain_options(context["widget"]):
            write = None  # a select whose options have templates of their own
        if write is None:
            return super().render(template_name, context, request=request)
        return write(context["widget"])
