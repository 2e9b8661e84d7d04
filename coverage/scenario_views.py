"""Staff pages for scenarios: build one, see what it changes, cite it in a draft review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp.decorators import otp_required

from contactpoints.hours import LONDON, local
from reviews.models import Review, ReviewStatus

from . import london, scenarios
from .forms import ScenarioForm
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


@staff_required
@permission_required("coverage.add_scenario", raise_exception=True)
def scenario_new(request: HttpRequest) -> HttpResponse:
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
    return render(request, "coverage/scenario_new.html", {"form": form}, status=status)


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
        "drafts": Review.objects.filter(status=ReviewStatus.DRAFT),
        "middle": thresholds[len(thresholds) // 2],
    }
    return render(request, "coverage/scenario_detail.html", context)


@staff_required
@require_POST
@permission_required("coverage.change_scenario", raise_exception=True)
def scenario_cite(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_object_or_404(Scenario, pk=pk, frozen__isnull=True)
    review = Review.objects.filter(
        pk=request.POST.get("review") or 0, status=ReviewStatus.DRAFT
    ).first()
    scenario.review = review
    scenario.save(update_fields=["review", "updated_at"])
    return redirect("coverage:scenario", pk=scenario.pk)
