from django import template

from replies.publication import State
from replies.scaffold import Disclosure

register = template.Library()


@register.simple_tag
def publication_state(reply):
    """The reply's publication state (replies.publication.State), read from its own fields:
    no query."""
    return State(reply)


@register.filter
def disclosure_label(code):
    """此件公开发布, 此件摘要公开, … for a Disclosure code."""
    return dict(Disclosure.CHOICES).get(code, "")
