from django import template

from proposals.extraction import chinese_numeral
from replies import rendering

register = template.Library()


@register.filter
def numeral(value):
    return chinese_numeral(int(value))


@register.filter
def layout(doc, categories):
    """The document's blocks (replies.rendering.layout); `categories` as {code: label}."""
    return rendering.layout(doc, list((categories or {}).items())) if doc else []
