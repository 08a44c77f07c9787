"""Two-factor sign-in (等保 2.0 level 3, 身份鉴别): a time-based one-time password (TOTP, RFC 6238:
HMAC-SHA1, 6 digits, 30-second steps) from an authenticator app, and single-use recovery codes.

Written here rather than taken from django-otp: the whole algorithm is the few lines of `code_at`,
and the sign-in flow (accounts.two_factor_views) has to fit the login lockout and the audit log
anyway. What matters for security:

- a code is accepted for the current step and one step either side (clock drift), and each step
  only once: `verify` moves `last_step` forward with one conditional UPDATE, so a replayed or
  concurrently re-used code is refused;
- recovery codes are random (50 bits), shown once, stored only as an HMAC keyed with SECRET_KEY,
  and spent by one conditional UPDATE;
- wrong codes count as failed sign-ins for the login lockout (accounts.lockout), so six digits
  cannot be guessed.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import RecoveryCode, TwoFactorDevice

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
# Letters and digits that cannot be mistaken for one another when typed from paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def required_for(user) -> bool:
    return user.role in settings.TWO_FACTOR_REQUIRED_ROLES


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def provisioning_uri(device: TwoFactorDevice) -> str:
    """The otpauth:// address the QR code carries (Google Authenticator's key-URI format, which
    every authenticator app reads)."""
    issuer = settings.TWO_FACTOR_ISSUER
    label = quote(f"{issuer}:{device.user.username}")
    query = urlencode({"secret": device.secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(device: TwoFactorDevice) -> str:
    import segno

    qr = segno.make(provisioning_uri(device), error="m")
    # Inline SVG markup (not a data: URL) so the page needs nothing beyond img-src 'self'.
    return qr.svg_inline(scale=5, dark="#111", light="#fff", title="", omitsize=True)


def normalise_code(text: str) -> str:
    return "".join(ch for ch in str(text or "") if not ch.isspace() and ch != "-").lower()


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    if len(code) != DIGITS or not code.isdigit():
        return None
    step = current_step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, candidate), code):
            return candidate
    return None


def verify(device: TwoFactorDevice, code: str, now: float | None = None) -> bool:
    """Whether the code is right for this device and not used before; spends it."""
    step = _matching_step(device.secret, normalise_code(code), now)
    if step is None:
        return False
    spent = TwoFactorDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
    if spent:
        device.last_step = step
    return bool(spent)


def confirmed_device(user) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def start_enrolment(user) -> TwoFactorDevice:
    """A new, unconfirmed device for the user (replacing an unconfirmed one from before). The
    secret stays the same while the user is on the page: it is kept until confirmed or replaced."""
    device = TwoFactorDevice.objects.filter(user=user).first()
    if device is None:
        device = TwoFactorDevice.objects.create(user=user, secret=new_secret())
    device.user = user
    return device


@transaction.atomic
def confirm(device: TwoFactorDevice, code: str) -> list[str] | None:
    """Turns the device on when the code is right; returns the new recovery codes (shown once)."""
    locked = TwoFactorDevice.objects.select_for_update().filter(pk=device.pk, confirmed_at__isnull=True).first()
    if locked is None or not verify(locked, code):
        return None
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["confirmed_at"])
    device.confirmed_at = locked.confirmed_at
    return new_recovery_codes(device.user)


def remove(user) -> bool:
    """Turns two-factor sign-in off for the user: the device and the recovery codes go."""
    removed, _ = TwoFactorDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    return bool(removed)


# --- recovery codes ---------------------------------------------------------------------------


def _digest(code: str) -> str:
    key = f"{settings.SECRET_KEY}:jianyi.recovery-code".encode()
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def _random_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replaces the user's recovery codes with RECOVERY_CODES new ones; the old ones stop working."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_random_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(code)) for code in codes)
    return codes


def use_recovery_code(user, code: str) -> bool:
    normal = normalise_code(code)
    if len(normal) != 10:
        return False
    return bool(
        RecoveryCode.objects.filter(user=user, digest=_digest(normal), used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
