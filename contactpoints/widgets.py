from typing import Any

from django import forms

from .maps import map_config


class LocationPickerWidget(forms.NumberInput):
    """The latitude input, followed by a map: clicking the map (or dragging the marker)
    fills in latitude and longitude. Uses the Leaflet bundled with django-leaflet, without
    GeoDjango. The inputs stay usable on their own when the map cannot load."""

    template_name = "contactpoints/widgets/location_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"step": "0.000001", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["map_config"] = map_config()
        return context

    class Media:
        css = {"all": ["leaflet/leaflet.css", "css/admin-location.css"]}
        js = ["leaflet/leaflet.js", "js/admin-location.js"]
