from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

SIGN_IN_FAILED = (
    "Those details did not work. Check your username, password and security code, and "
    "try again. Each wrong try counts towards a pause in signing in."
)


class StaffSignInForm(OTPAuthenticationFormMixin, AuthenticationForm):
    """Password and second factor on one page. The code is matched against all of the
    user's devices (authenticator app or a single-use backup code)."""

    otp_token = forms.CharField(
        label="Security code",
        help_text="The code from your authenticator app, or one of your single-use codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )
    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_challenge = forms.CharField(required=False, widget=forms.HiddenInput)

    def _update_form(self, user: Any) -> None:
        """django-otp would re-show the typed password after a wrong code; we never do."""

    def _chosen_device(self, user: Any) -> Any:
        """One box for either kind of code: six digits are an authenticator app's code,
        anything else a single-use security code."""
        device = super()._chosen_device(user)
        if device is not None:
            return device
        token = (self.cleaned_data.get("otp_token") or "").strip()
        if token.isdigit() and len(token) == 6:
            return TOTPDevice.objects.filter(user=user, confirmed=True).first()
        return StaticDevice.objects.filter(user=user, confirmed=True).first()

    def clean(self) -> dict:
        """One plain message for a wrong username, password or code, so the page never
        tells someone that the password they guessed was right; a wrong code counts
        towards the pause in signing in like a wrong password (users/throttle.py listens
        to `user_login_failed`)."""
        try:
            self.cleaned_data = super().clean()
        except ValidationError as error:
            if error.code == "inactive":
                raise
            raise ValidationError(SIGN_IN_FAILED, code="invalid_login") from error
        try:
            self.clean_otp(self.get_user())
        except ValidationError as error:
            user_login_failed.send(
                sender=type(self),
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
            )
            self.user_cache = None
            raise ValidationError(SIGN_IN_FAILED, code="invalid_login") from error
        return self.cleaned_data
