"""get_FOO_display() without translating every choice on each call.

Django's own builds a dict of the field's (value, label) pairs on every call, hashing each
lazy label, which translates it: on a proposal page with its events, co-signers and
requests that was some 1,200 gettext calls, a fifth of the page's time. Here the pairs are
kept per field, untranslated, and only the label shown is translated."""

import functools

from django.db import models
from django.utils.encoding import force_str


@functools.cache
def _labels(field) -> dict:
    return dict(field.flatchoices)


class Model(models.Model):
    """The base of every model of the project (abstract: no table, no migration)."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value (a list): Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
