"""Deputies' personal data (个人信息保护, 等保 2.0): phone numbers and addresses.

Everywhere but two places they are shown masked (138****5678, 吉林省长春市****): only
coordinators and the deputy themself see them in full, and each full view by someone other
than the deputy is written to the audit log. The public portal never selects them
(portal.queries defers both fields), and no export or log line carries them.
"""

import re

from . import audit
from .models import AuditAction, Role

VIEWED = AuditAction.PERSONAL_DATA_VIEWED  # a full view of a deputy's contact details

_LANDLINE = re.compile(r"(0\d{2,3})[-\s]?(\d{7,8})")
MASK = "****"


def mask_phone(value) -> str:
    """138****5678 for a mobile (first 3 and last 4 digits), 0431-****0000 for a landline with
    its area code; shorter numbers keep only their last 2 digits; empty stays empty."""
    text = str(value or "").strip()
    if not text:
        return ""
    landline = _LANDLINE.fullmatch(text)
    if landline:
        area, local = landline.groups()
        return f"{area}-{MASK}{local[-4:]}"
    digits = re.sub(r"\D", "", text)
    if len(digits) == 13 and digits.startswith("86"):  # +86 country code
        digits = digits[2:]
    if len(digits) >= 8:
        return f"{digits[:3]}{MASK}{digits[-4:]}"
    if len(digits) >= 5:
        return f"{MASK}{digits[-2:]}"
    return MASK


def mask_address(value) -> str:
    """The first 6 characters, then ****; a shorter address keeps only its first half."""
    text = str(value or "").strip()
    if not text:
        return ""
    keep = 6 if len(text) > 6 else len(text) // 2
    return f"{text[:keep]}{MASK}"


def sees_in_full(user, deputy) -> bool:
    """Coordinators and the deputy themself; everyone else sees masked values."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.COORDINATOR or (deputy.user_id is not None and deputy.user_id == user.pk)


def reveal(request, deputy, **details) -> bool:
    """Whether this request shows `deputy`'s phone and address in full. A full view by anyone
    but the deputy is audited (one entry per page shown), with `details` saying where."""
    if not sees_in_full(request.user, deputy):
        return False
    if deputy.user_id != request.user.pk and (deputy.phone or deputy.address):
        shown = [name for name in ("phone", "address") if getattr(deputy, name)]
        audit.record(request, VIEWED, obj=deputy, personal_data=shown, **details)
    return True
