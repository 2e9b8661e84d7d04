from typing import Any

from django import forms

from .models import NOT_HELD, HeardVia, Outcome, PrivateRoom, Purpose, SessionState


class VisitForm(forms.Form):
    """Tap one: why the visitor came. The key makes a retried submission harmless."""

    purpose = forms.ChoiceField(choices=Purpose.choices)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    # Sent by the counter script: when the tap was made on the device (taps wait in a queue
    # while offline). Without it, the visit is timed when the server receives it.
    tapped_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class VisitDetailsForm(forms.Form):
    """Tap two, optional: categories only, never free text."""

    private_room = forms.ChoiceField(
        choices=PrivateRoom.choices, required=False, widget=forms.RadioSelect, label="Private room"
    )
    heard_via = forms.ChoiceField(
        choices=HeardVia.choices,
        required=False,
        widget=forms.RadioSelect,
        label="How they heard of the contact point",
    )
    outcome = forms.ChoiceField(
        choices=Outcome.choices, required=False, widget=forms.RadioSelect, label="Outcome"
    )
    language_assistance = forms.TypedChoiceField(
        choices=[("", "Not recorded"), ("yes", "Yes"), ("no", "No")],
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        label="Language assistance needed",
    )

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class NotHeldForm(forms.Form):
    state = forms.ChoiceField(
        choices=[(s.value, s.label) for s in SessionState if s in NOT_HELD],
        label="What happened",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        max_length=200,
        label="Reason",
        help_text="About the session only, for example “officer called to an incident”.",
    )


class FootfallUploadForm(forms.Form):
    file = forms.FileField(
        label="Footfall sheet (CSV)", help_text="Use the template: one row per visit."
    )
