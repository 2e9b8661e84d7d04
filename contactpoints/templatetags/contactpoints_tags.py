import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# The same escapes as Django's json_script: the JSON cannot close the <script> element.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def jsonld(data: dict[str, Any]) -> SafeString:
    """Render structured data as a JSON-LD block. It is data, not script, so a strict
    Content Security Policy does not need to allow it."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308 (escaped above)


@register.filter
def miles(metres: float) -> str:
    """A distance as residents read it: '1.6 miles (2.6 km)', 'less than 0.1 miles'."""
    value = metres / 1609.344
    if value < 0.1:
        return "less than 0.1 miles"
    unit = "mile" if f"{value:.1f}" == "1.0" else "miles"
    return f"{value:.1f} {unit} ({metres / 1000:.1f} km)"
