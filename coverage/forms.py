from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from contactpoints.models import ContactPoint
from places import postcodes
from places.models import Postcode

from .london import DAY_NAMES

DAYS = [(str(i), name) for i, name in enumerate(DAY_NAMES)]
NEAR = Decimal("0.01")  # degrees (about 1 km): a point placed must have a postcode this near


def operating() -> Any:
    return (
        ContactPoint.objects.counted()
        .operating()
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("name")
    )


class ScenarioForm(forms.Form):
    """One proposal: places closed, one place added, one place given new hours."""

    name = forms.CharField(max_length=200)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    removes = forms.ModelMultipleChoiceField(
        queryset=ContactPoint.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Close these places",
    )
    add_name = forms.CharField(required=False, max_length=200, label="New place: name")
    add_postcode = forms.CharField(required=False, max_length=10, label="New place: postcode")
    add_latitude = forms.DecimalField(
        required=False, min_value=-90, max_value=90, max_digits=9, decimal_places=6,
        label="or its latitude (set by a click on the map)",
    )  # fmt: skip
    add_longitude = forms.DecimalField(
        required=False, min_value=-180, max_value=180, max_digits=9, decimal_places=6,
        label="and longitude",
    )  # fmt: skip
    add_days = forms.MultipleChoiceField(
        choices=DAYS, required=False, widget=forms.CheckboxSelectMultiple,
        label="New place: open on",
    )  # fmt: skip
    add_opens = forms.TimeField(required=False, label="New place: opens (HH:MM)")
    add_closes = forms.TimeField(required=False, label="New place: closes (HH:MM)")
    add_cost = forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=2,
        label="New place: cost a year (£, if known)",
    )  # fmt: skip
    change_place = forms.ModelChoiceField(
        queryset=ContactPoint.objects.none(), required=False, label="New hours for"
    )
    change_days = forms.MultipleChoiceField(
        choices=DAYS, required=False, widget=forms.CheckboxSelectMultiple, label="Open on"
    )
    change_opens = forms.TimeField(required=False, label="Opens (HH:MM)")
    change_closes = forms.TimeField(required=False, label="Closes (HH:MM)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["removes"].queryset = operating()  # type: ignore[attr-defined]
        self.fields["change_place"].queryset = operating()  # type: ignore[attr-defined]

    def _hours(self, prefix: str, cleaned: dict[str, Any]) -> None:
        days, opens, closes = (cleaned.get(f"{prefix}_{k}") for k in ("days", "opens", "closes"))
        if not days:
            self.add_error(f"{prefix}_days", "Choose the days it opens.")
        if opens is None:
            self.add_error(f"{prefix}_opens", "Enter when it opens, like 10:00.")
        if closes is None:
            self.add_error(f"{prefix}_closes", "Enter when it closes, like 14:00.")
        if opens is not None and closes is not None and closes <= opens:
            self.add_error(f"{prefix}_closes", "It must close after it opens, the same day.")

    def _where(self, cleaned: dict[str, Any]) -> None:
        """The new place's position: its latitude and longitude when given (a click on the
        map sets them), else its postcode's."""
        lat, lon = cleaned.get("add_latitude"), cleaned.get("add_longitude")
        if lat is not None or lon is not None:
            if lat is None or lon is None:
                self.add_error("add_longitude", "Give both the latitude and the longitude.")
                return
            near = Postcode.objects.filter(
                latitude__range=(lat - NEAR, lat + NEAR), longitude__range=(lon - NEAR, lon + NEAR)
            )
            if not near.exists():
                self.add_error("add_latitude", "That point is not near any postcode we know.")
                return
            cleaned["add_coordinates"] = (float(lat), float(lon))
            return
        if not cleaned.get("add_postcode"):
            self.add_error("add_postcode", "Give its postcode, or click the map to place it.")
            return
        try:
            code = postcodes.normalise(cleaned["add_postcode"])
        except postcodes.InvalidPostcode as error:
            self.add_error("add_postcode", str(error))
            return
        found = Postcode.objects.filter(postcode=code).first()
        if found is None:
            self.add_error("add_postcode", f"{code} is not in our postcode list.")
        else:
            cleaned["add_coordinates"] = found.coordinates

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        adding = any(
            cleaned.get(f) not in (None, "", [])
            for f in ("add_name", "add_postcode", "add_latitude", "add_longitude", "add_days",
                      "add_opens", "add_closes")
        )  # fmt: skip
        if adding:
            if not cleaned.get("add_name"):
                self.add_error("add_name", "Name the new place.")
            self._hours("add", cleaned)
            self._where(cleaned)
        if cleaned.get("change_place"):
            self._hours("change", cleaned)
        if not (cleaned.get("removes") or adding or cleaned.get("change_place")):
            raise forms.ValidationError(
                "Change something: close a place, add one, or give one new hours."
            )
        return cleaned

    def additions(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        found = []
        if data.get("add_coordinates"):
            lat, lon = data["add_coordinates"]
            found.append({
                "name": data["add_name"], "latitude": lat, "longitude": lon,
                "postcode": postcodes.normalise(data["add_postcode"])
                if data.get("add_postcode") and data.get("add_latitude") is None else "",
                "weekdays": [int(d) for d in data["add_days"]],
                "opens": data["add_opens"].strftime("%H:%M"),
                "closes": data["add_closes"].strftime("%H:%M"),
                "annual_cost": None if data.get("add_cost") is None else float(data["add_cost"]),
                "replaces": None,
            })  # fmt: skip
        place = data.get("change_place")
        if place is not None:
            found.append({
                "name": f"{place.name} (new hours)", "latitude": float(place.latitude),
                "longitude": float(place.longitude), "postcode": place.postcode,
                "weekdays": [int(d) for d in data["change_days"]],
                "opens": data["change_opens"].strftime("%H:%M"),
                "closes": data["change_closes"].strftime("%H:%M"),
                "annual_cost": None, "replaces": place.pk,
            })  # fmt: skip
        return found
