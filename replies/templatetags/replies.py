from django import template

from proposals.extraction import chinese_numeral
from replies import scaffold

register = template.Library()


@register.filter
def numeral(value):
    return chinese_numeral(int(value))


@register.filter
def body_paragraphs(body):
    return scaffold.paragraphs(body or "")


@register.filter
def chinese_date(value):
    return scaffold.chinese_date(value) if value else ""


@register.filter
def category_of(doc, categories):
    """The category mark at the top right: the code, as the document prints it."""
    return doc.effective_category([(code, label) for code, label in (categories or {}).items()])
