"""{% csp_nonce %}: the nonce the Content-Security-Policy of this response allows, for the
few inline <style> elements (see accounts.security)."""

from django import template

from accounts.security import current_nonce

register = template.Library()


@register.simple_tag
def csp_nonce():
    return current_nonce()
