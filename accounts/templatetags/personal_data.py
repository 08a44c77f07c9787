"""{% load personal_data %}: {{ deputy.phone|mask_phone }}, {{ deputy.address|mask_address }}.

Use them wherever a deputy's contact details appear for someone who may not see them in full
(accounts.personal_data.sees_in_full / reveal decide who may)."""

from django import template

from accounts import personal_data

register = template.Library()

register.filter("mask_phone", personal_data.mask_phone)
register.filter("mask_address", personal_data.mask_address)
