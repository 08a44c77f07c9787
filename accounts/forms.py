from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import lockout


class LoginForm(AuthenticationForm):
    # One message for every failure, so the page never tells whether an account exists.
    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入。"),
        "inactive": _("用户名或密码不正确，请重新输入。"),
        # The same for a locked account, a locked address and a name nobody has.
        "locked": _("登录失败次数过多，请%(minutes)d分钟后再试，或联系安全管理员解锁。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})

    def _locked(self):
        return ValidationError(
            self.error_messages["locked"], code="locked", params={"minutes": settings.LOCKOUT_MINUTES}
        )

    def clean(self):
        """A locked name or address is refused before the password is looked at (so the right
        password does not help, and the time taken tells nothing)."""
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        if lockout.is_locked(self.request, username):
            raise self._locked()
        try:
            cleaned = super().clean()
        except ValidationError:
            if lockout.record_failure(self.request, username):
                raise self._locked() from None
            raise
        # The failures are cleared when the user is signed in (lockout.on_logged_in), which
        # with two-factor sign-in is only after the code: a right password alone must not reset
        # the count of wrong codes.
        return cleaned


class TestEmailForm(forms.Form):
    email = forms.EmailField(label=_("收件地址"), max_length=254)
