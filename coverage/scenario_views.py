"""Staff pages for scenarios: build one, see what it changes, cite it in a draft review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_otp.decorators import otp_required

from core.time import LONDON, local
from places import svg
from places.models import Area, AreaKind

from . import london, scenarios
from .forms import ScenarioForm, operating
from .models import Scenario
from .views import unavailable

staff_required = otp_required(if_configured=False)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


@staff_required
@permission_required("coverage.view_scenario", raise_exception=True)
def scenario_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "coverage/scenario_list.html",
        {"scenarios": Scenario.objects.select_related("created_by", "review")},
    )


def _area(code: str) -> Area | None:
    return Area.objects.filter(code=code, kind=AreaKind.BOROUGH).first() if code else None


def _frame(area: Area | None) -> tuple[list[Area], svg.Frame | None]:
    """The wards of the map a place is picked on (a borough's, or London's), and where the
    picture puts each point."""
    wards = Area.objects.filter(kind=AreaKind.WARD).order_by("code")
    if area is not None:
        wards = wards.filter(borough=area)
    found = list(wards)
    return found, svg.Frame.around([w.outline or {} for w in found])


def _picking(request: HttpRequest) -> tuple[ScenarioForm, dict[str, Any]]:
    """The form as it was filled in, with the new place put where the map was clicked (or
    the map zoomed to a borough): nothing is saved until the form is sent."""
    post = request.POST
    form = ScenarioForm()
    initial: dict[str, Any] = {}
    for name, field in form.fields.items():
        many = isinstance(field, forms.MultipleChoiceField)
        initial[name] = post.getlist(name) if many else post.get(name, "")
    area = _area(post.get("map_area", ""))
    note = ""
    if "place.x" in post:
        try:
            x, y = float(post["place.x"]), float(post["place.y"])
        except (KeyError, ValueError):
            x = y = 0.0
        _wards, frame = _frame(area)
        if (x, y) == (0.0, 0.0) or frame is None:
            # Enter on the map sends its corner: not a place anyone chose.
            note = "Click on the map where the new place would be, or type its position."
        else:
            lat, lon = frame.lat_lon(x, y)
            initial["add_latitude"] = f"{lat:.6f}"
            initial["add_longitude"] = f"{lon:.6f}"
            note = f"Placed at {lat:.5f}, {lon:.5f}. Check it on the map, then send the form."
    form = ScenarioForm(initial=initial)
    return form, {"area": area, "note": note}


@staff_required
@permission_required("coverage.add_scenario", raise_exception=True)
def scenario_map(request: HttpRequest) -> HttpResponse:
    """The map a new place is picked on: wards, the places open for business, and the
    point chosen — an SVG image, so a click on it in the form sends where it was."""
    wards, frame = _frame(_area(request.GET.get("area", "")))
    if frame is None:
        return HttpResponse(status=404)
    outlines = svg.paths([w.outline or {} for w in wards], frame)
    places = operating().values_list("latitude", "longitude")
    dots = [frame.xy(float(lon), float(lat)) for lat, lon in places]
    try:
        chosen = frame.xy(float(request.GET["lon"]), float(request.GET["lat"]))
    except (KeyError, ValueError):
        chosen = None
    context = {"outlines": outlines, "dots": dots, "chosen": chosen, "view_box": frame.view_box}
    return render(request, "coverage/scenario_map.svg", context, content_type="image/svg+xml")


def _map_context(area: Area | None, form: ScenarioForm) -> dict[str, Any]:
    _wards, frame = _frame(area)
    query = f"area={area.code}" if area is not None else ""
    lat, lon = form["add_latitude"].value(), form["add_longitude"].value()
    if lat and lon:
        query += f"&lat={lat}&lon={lon}"
    return {
        "map_src": f"{reverse('coverage:scenario-map')}?{query}",
        "map_height": 0 if frame is None else round(frame.height),
        "boroughs": Area.objects.filter(kind=AreaKind.BOROUGH).order_by("name"),
        "map_area": area,
    }


@staff_required
@permission_required("coverage.add_scenario", raise_exception=True)
def scenario_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and ("place.x" in request.POST or "zoom" in request.POST):
        form, picked = _picking(request)
        context = {"form": form, "note": picked["note"], **_map_context(picked["area"], form)}
        return render(request, "coverage/scenario_new.html", context)
    form = ScenarioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scenario = Scenario.objects.create(
            name=form.cleaned_data["name"],
            notes=form.cleaned_data["notes"],
            week=london.week_of(local(datetime.now(tz=LONDON)).date()),
            additions=form.additions(),
            created_by=request.user,  # type: ignore[misc]  # signed in: staff_required
        )
        scenario.removes.set(form.cleaned_data["removes"])
        return redirect("coverage:scenario", pk=scenario.pk)
    status = 400 if request.method == "POST" else 200
    area = _area(request.POST.get("map_area", "")) if request.method == "POST" else None
    context = {"form": form, **_map_context(area, form)}
    return render(request, "coverage/scenario_new.html", context, status=status)


@staff_required
@permission_required("coverage.view_scenario", raise_exception=True)
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_object_or_404(Scenario, pk=pk)
    if scenario.frozen is None and (missing := unavailable(request)) is not None:
        return missing
    if scenario.frozen is not None:
        data = scenario.frozen
        seconds = None
    else:
        result = scenarios.outcome(scenario)
        data = scenarios.summary(scenario, result)
        seconds = result.seconds
    thresholds = data["thresholds"]

    def rows(before: list[float], after: list[float]) -> list[dict[str, Any]]:
        return [
            {"minutes": t, "before": _pct(b), "after": _pct(a),
             "change": f"{(a - b) * 100:+.1f} points"}
            for t, b, a in zip(thresholds, before, after, strict=True)
        ]  # fmt: skip

    context = {
        "scenario": scenario,
        "data": data,
        "london_rows": rows(data["london"]["before"], data["london"]["after"]),
        "boroughs": [
            {"name": b["name"], "rows": rows(b["before"], b["after"])} for b in data["boroughs"]
        ],
        "wards": [
            {
                **w,
                "before": _pct(w["before"]),
                "after": _pct(w["after"]),
                "change": f"{(w['after'] - w['before']) * 100:+.1f} points",
            }
            for w in data["wards"]
        ],
        "days": [
            {
                "day": london.DAY_NAMES[d],
                "cells": [
                    f"{data['hours']['before'][d * 24 + h] * 100:.0f}→"
                    f"{data['hours']['after'][d * 24 + h] * 100:.0f}"
                    for h in range(24)
                ],
            }
            for d in range(7)
        ],
        "hours": [f"{h:02d}" for h in range(24)],
        "seconds": seconds,
        "middle": thresholds[len(thresholds) // 2],
    }
    return render(request, "coverage/scenario_detail.html", context)
