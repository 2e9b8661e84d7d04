"""Showing published figures: a rate or share that rests on a suppressed count is shown as
the range the published figures allow ("1.1–1.3"), never as a single made-up value."""

from __future__ import annotations

from typing import Any

from django import template

from publishing.disclosure import Span

register = template.Library()


@register.filter
def span(value: Span | None, places: int = 1) -> str:
    """A rate, exact or as a range; "–" when there is none."""
    return "–" if value is None else value.format(int(places))


@register.filter
def span_pct(value: Span | None) -> str:
    """A share as a whole percentage, exact or as a range."""
    if value is None:
        return "–"
    return Span(value.low * 100, value.high * 100).format(0) + "%"


@register.filter
def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def money(value: Span | None) -> str:
    if value is None:
        return "–"
    low, high = f"£{value.low:,.2f}", f"£{value.high:,.2f}"
    return low if low == high else f"{low}–{high}"


@register.filter
def get(mapping: Any, key: str) -> Any:
    """mapping[key] for keys a template cannot spell ("weekday-evening"); None if absent."""
    return mapping.get(key) if isinstance(mapping, dict) else None
