from django import template
from django.utils.safestring import mark_safe

from accounts.renderers import escape

register = template.Library()


@register.simple_tag
def deadline(date, basis="", provisional=False):
    """A deadline as the inbox, the home page and the proposal page show it: the date, how it
    was computed on hover, and * when the work calendar it came from is provisional. A tag,
    not an include: the inbox shows two on each of its rows."""
    if not date:
        return "—"
    css = "deadline deadline--provisional" if provisional else "deadline"
    mark = "*" if provisional else ""
    html = f'<span title="{escape(basis)}" class="{css}">{date:%Y-%m-%d}{mark}</span>'
    return mark_safe(html)  # noqa: S308 - the one value in it escaped  # nosec B308 B703
