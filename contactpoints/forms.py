import re
from typing import Any

from django import forms

from core.time import YEARS_ALLOWED, plausible

from .models import FACILITIES, ContactPoint, Kind, Wrong, WrongInformation


class DirectoryFilterForm(forms.Form):
    """The directory's filters. GET parameters; every field optional."""

    SORT_CHOICES = [("name", "Name"), ("borough", "Borough, then name")]

    borough = forms.ChoiceField(required=False, label="Borough")
    kind = forms.ChoiceField(
        required=False, label="Type", choices=[("", "Any type"), *Kind.choices]
    )
    facilities = forms.MultipleChoiceField(
        required=False,
        label="Must have",
        choices=FACILITIES,
        widget=forms.CheckboxSelectMultiple,
    )
    open_now = forms.BooleanField(required=False, label="Only show places open now")
    sort = forms.ChoiceField(required=False, label="Sort by", choices=SORT_CHOICES)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Read only when needed (a borough to check, or the form drawn): a kept directory
        # page is served without asking for them.
        self.fields["borough"].choices = _borough_choices  # type: ignore[attr-defined]


def _borough_choices() -> list[tuple[str, str]]:
    boroughs = (
        ContactPoint.objects.published().order_by("borough").values_list("borough", flat=True)
    )
    return [("", "All boroughs")] + [(b, b) for b in boroughs.distinct()]


class SearchForm(forms.Form):
    """The finder: a postcode or place, or coordinates from "use my location"."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Postcode or place",
        help_text="For example, WC2N 4JP, W2 or Paddington",
        error_messages={"max_length": "Use at most %(limit_value)d characters."},
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    open_now = forms.BooleanField(required=False, label="Only show places open now")
    open_at = forms.DateTimeField(
        required=False,
        label="Or open at",
        help_text="A day and time, London time",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter a day and time, like 2026-12-03 19:00."},
    )
    facilities = forms.MultipleChoiceField(
        required=False, label="Must have", choices=FACILITIES, widget=forms.CheckboxSelectMultiple
    )

    def clean_open_at(self) -> Any:
        when = self.cleaned_data.get("open_at")
        if when is not None and not plausible(when.date()):
            raise forms.ValidationError(f"Choose a day {YEARS_ALLOWED}.")
        return when

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_place = bool((data.get("q") or "").strip())
        has_position = data.get("lat") is not None and data.get("lon") is not None
        if not has_place and not has_position and not self.errors:
            self.add_error("q", forms.ValidationError("Enter a postcode or the name of a place."))
        return data


# A note that carries someone's contact details is about a person, not the place.
CONTACT_DETAILS = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}|(?:\d[\s-]?){9,}", re.IGNORECASE)


class WrongInformationForm(forms.ModelForm):  # type: ignore[type-arg]
    """What is wrong on a place's page, and an optional note about the place."""

    what = forms.ChoiceField(
        label="What is wrong?", choices=Wrong.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="What did you find? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="About the place only: please do not name or describe anyone, or give "
        "phone numbers or email addresses. At most 500 characters.",
    )
    website = forms.CharField(required=False, label="Leave this empty")  # a trap for robots

    class Meta:
        model = WrongInformation
        fields = ["what", "note"]

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if CONTACT_DETAILS.search(note):
            raise forms.ValidationError(
                "Please take out the phone number or email address: the note is only about "
                "the place."
            )
        return note
