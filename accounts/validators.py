"""Password composition (等保 2.0 level 3): at least PASSWORD_MIN_LENGTH characters from at
least PASSWORD_MIN_CLASSES of the four classes upper-case letters, lower-case letters, digits
and symbols. Wired in AUTH_PASSWORD_VALIDATORS beside Django's similarity and common-password
validators. OWASP ASVS discourages composition rules; the platform follows 等保 for every
account (docs/security.md)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> int:
    """How many of the four classes the password uses. Any character that is not an ASCII
    letter or digit (punctuation, a space, a Chinese character) counts as a symbol."""
    upper = lower = digit = symbol = False
    for char in password:
        if "A" <= char <= "Z":
            upper = True
        elif "a" <= char <= "z":
            lower = True
        elif "0" <= char <= "9":
            digit = True
        else:
            symbol = True
    return upper + lower + digit + symbol


class CompositionValidator:
    """Length and character classes. Without OPTIONS the numbers come from the settings
    PASSWORD_MIN_LENGTH (8) and PASSWORD_MIN_CLASSES (3), read when a password is checked."""

    def __init__(self, min_length=None, min_classes=None):
        self._min_length = min_length
        self._min_classes = min_classes

    @property
    def min_length(self) -> int:
        return self._min_length if self._min_length is not None else settings.PASSWORD_MIN_LENGTH

    @property
    def min_classes(self) -> int:
        return self._min_classes if self._min_classes is not None else settings.PASSWORD_MIN_CLASSES

    def validate(self, password, user=None):
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "密码太短，至少需要 %(min_length)d 个字符。",
                        "密码太短，至少需要 %(min_length)d 个字符。",
                        self.min_length,
                    ),
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        if character_classes(password) < self.min_classes:
            errors.append(
                ValidationError(
                    _("密码须包含大写字母、小写字母、数字和符号四类中的至少 %(min_classes)d 类。"),
                    code="password_too_few_classes",
                    params={"min_classes": self.min_classes},
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return _(
            "密码至少 %(min_length)d 个字符，须包含大写字母、小写字母、数字和符号四类中的至少 %(min_classes)d 类。"
        ) % {"min_length": self.min_length, "min_classes": self.min_classes}
