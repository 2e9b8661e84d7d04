from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


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
        self.cleaned_data = super().clean()
        self.clean_otp(self.get_user())
        return self.cleaned_data
