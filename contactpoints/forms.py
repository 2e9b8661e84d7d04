from django import forms

from .models import FACILITIES, ContactPoint, Kind


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
        boroughs = (
            ContactPoint.objects.published()
            .order_by("borough")
            .values_list("borough", flat=True)
            .distinct()
        )
        self.fields["borough"].choices = [("", "All boroughs")] + [(b, b) for b in boroughs]  # type: ignore[attr-defined]
