"""/coverage/: who can reach an open contact point, when — by borough and ward, as maps
drawn on the server (each with its table), a weekday × hour grid and CSV."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from core import pagecache, versions
from core.memo import BoundedMemo
from core.spreadsheets import csv_response
from core.time import local, midnight
from places import svg
from places.models import Area, AreaKind, PopulationKind

from . import london

# Named parts of the week (hours of the week: Monday 00:00–01:00 is hour 0).
WHEN = {
    "week": ("every hour of the week", list(range(168))),
    "weekday-daytime": (
        "weekdays 09:00 to 17:00",
        [d * 24 + h for d in range(5) for h in range(9, 17)],
    ),
    "weekday-evening": (
        "weekday evenings 18:00 to 22:00",
        [d * 24 + h for d in range(5) for h in range(18, 22)],
    ),
    "weekend": ("weekends 09:00 to 17:00", [d * 24 + h for d in (5, 6) for h in range(9, 17)]),
    "night": ("nights 00:00 to 06:00", [d * 24 + h for d in range(7) for h in range(6)]),
}


COUNTS = {"postcodes": "postcodes", "people": "people"}


class BadChoice(ValueError):
    pass


def _day(request: HttpRequest, name: str) -> date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadChoice(f"Enter the date like 2026-11-02 (“{value[:20]}” is not one).") from None


@dataclass(frozen=True)
class Choice:
    within: int
    when: str
    start: date | None = None  # a period of whole weeks, or None: this week
    end: date | None = None
    count: str = "postcodes"  # or "people", when a population file is loaded

    @classmethod
    def of(cls, request: HttpRequest) -> Choice:
        thresholds = london.method().thresholds
        within = request.GET.get("within", "20")
        when = request.GET.get("when", "week")
        if not within.isdigit() or int(within) not in thresholds:
            raise BadChoice(
                "Choose a walk of " + ", ".join(str(t) for t in thresholds) + " minutes."
            )
        if when not in WHEN:
            raise BadChoice("Choose one of the listed times of the week.")
        start, end = _day(request, "from"), _day(request, "to")
        if (start is None) != (end is None):
            raise BadChoice("Give both dates of the period, or neither for this week.")
        if start is not None and end is not None:
            if end < start:
                raise BadChoice("The period must end on or after the day it starts.")
            weeks = (london.week_of(end) - london.week_of(start)).days // 7 + 1
            if weeks > london.MAX_WEEKS:
                raise BadChoice(f"Choose a period of at most {london.MAX_WEEKS} weeks.")
            if start.year < 2000 or end.year > 2100:
                raise BadChoice("Choose dates between 2000 and 2100.")
        count = request.GET.get("count", "postcodes")
        if count not in COUNTS:
            raise BadChoice("Choose to count postcodes or people.")
        return cls(int(within), when, start, end, count)

    def figures(self, now: datetime) -> london.London:
        """The figures chosen; counted in people, they stand in `result` and `total`."""
        if self.start is None or self.end is None:
            found = london.london(local(now).date())
        else:
            found = london.london_range(self.start, self.end)
        if self.count == "people":
            if found.people is None:
                raise BadChoice(
                    "These figures count postcodes only: no population figures are loaded."
                )
            found = replace(found, result=found.people)
        return found

    @property
    def period_query(self) -> str:
        """The rest of the choice, for links that change one part of it."""
        found = "" if self.count == "postcodes" else f"&count={self.count}"
        if self.start is None or self.end is None:
            return found
        return f"{found}&from={self.start.isoformat()}&to={self.end.isoformat()}"

    @property
    def weeks(self) -> list[date | None]:
        """The weeks these figures read, and the weeks the pages compare them with."""
        chosen: list[date | None] = (
            [None]
            if self.start is None or self.end is None
            else list(london.mondays(self.start, self.end))
        )
        return chosen + [era.day for era in london.eras()]

    @property
    def canonical(self) -> str:
        """The choice as a page cache key."""
        return f"{self.within}|{self.when}|{self.start}|{self.end}|{self.count}"

    @property
    def unit(self) -> str:
        """What the figures count, as a plural noun."""
        return COUNTS[self.count]

    @property
    def threshold(self) -> int:
        return london.method().thresholds.index(self.within)

    @property
    def hours(self) -> list[int]:
        return WHEN[self.when][1]

    @property
    def label(self) -> str:
        return f"within {self.within} minutes' walk, {WHEN[self.when][0]}"


def _until(now: datetime) -> datetime:
    """Figures are for the current week: the page is right until midnight (and any edit)."""
    return midnight(local(now).date() + timedelta(days=1))


def _count(total: float) -> int:
    """A count of postcodes, or of people (sums of shares of an area's people: whole)."""
    return round(float(total))


def _percent(share: float) -> str:
    return "–" if np.isnan(share) else f"{share * 100:.0f}%"


def _bad(request: HttpRequest, error: BadChoice) -> HttpResponse:
    return TemplateResponse(
        request, "coverage/bad_choice.html", {"message": str(error)}, status=400
    ).render()


def _ward_rows(
    figures: london.London, where: london.Map, wards: list[int], choice: Choice
) -> list[dict[str, Any]]:
    shares = figures.result.shares()[:, :, choice.threshold][:, choice.hours].mean(axis=1)
    rows = []
    for w in wards:
        rows.append(
            {
                "code": where.ward_codes[w],
                "name": where.ward_names[w],
                "borough": where.borough_names[where.ward_borough[w]],
                "postcodes": _count(figures.result.total[w]),
                "share": float(shares[w]),
                "shown": _percent(float(shares[w])),
            }
        )
    return rows


# Wards' outlines drawn as SVG paths, by the wards and the boundaries' data version.
_drawn: BoundedMemo[tuple[dict[str, str], str]] = BoundedMemo(
    8 * 1024 * 1024, lambda found: sum(map(len, found[0].values()))
)


def _outlines(codes: list[str]) -> tuple[dict[str, str], str]:
    """These wards' outlines as SVG paths, by code (wards with none left out), and the
    picture's viewBox: read and drawn once per process for each set of wards and version
    of the boundaries — the outlines were most of the time a coverage page took to make,
    and a page after an edit of the places is made again with the same ones."""
    made_of = f"{versions.current(versions.AREAS)}|{','.join(codes)}"
    key = hashlib.sha256(made_of.encode()).hexdigest()
    found = _drawn.get(key)
    if found is None:
        outlines = {
            code: outline
            for code, outline in Area.objects.filter(
                code__in=codes, outline__isnull=False
            ).values_list("code", "outline")
            if outline
        }
        drawn = [code for code in codes if code in outlines]
        frame = svg.Frame.around([outlines[code] for code in drawn])
        paths = svg.paths([outlines[code] for code in drawn], frame) if frame else []
        found = (dict(zip(drawn, paths, strict=True)), frame.view_box if frame else "0 0 1 1")
        _drawn.keep(key, found)
    return found


def _map(rows: list[dict[str, Any]], choice: Choice) -> dict[str, Any]:
    paths, view_box = _outlines([r["code"] for r in rows])
    shapes = [
        svg.Shape(
            paths[r["code"]],
            svg.step_of(r["share"] if r["postcodes"] else None),
            f"{r['name']}: {r['shown']} of postcodes {choice.label}",
        )
        for r in rows
        if r["code"] in paths
    ]
    return {"drawn": _drawn_shapes(shapes), "view_box": view_box, "steps": svg.STEPS}


# The map's shapes and the ward table's rows are made here rather than in a template loop:
# with 649 wards, Django's template engine took most of a coverage page's time (every
# value resolved and escaped node by node); format_html escapes each value all the same.
def _drawn_shapes(shapes: list[svg.Shape]) -> SafeString:
    return format_html_join(
        "", '<path d="{}" class="cov-{}" fill-rule="evenodd"><title>{}</title></path>',
        ((s.path, "none" if s.step < 0 else s.step, s.title) for s in shapes),
    )  # fmt: skip


def _ward_table(rows: list[dict[str, Any]], *, borough: bool) -> SafeString:
    """The ward table's rows: name, (borough,) count and share."""
    if borough:
        return format_html_join(
            "", '<tr><th scope="row">{}</th><td>{}</td><td class="num">{}</td>'
            '<td class="num">{}</td></tr>',
            ((r["name"], r["borough"], r["postcodes"], r["shown"]) for r in rows),
        )  # fmt: skip
    return format_html_join(
        "", '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td></tr>',
        ((r["name"], r["postcodes"], r["shown"]) for r in rows),
    )  # fmt: skip


def _periods(overall: np.ndarray) -> list[dict[str, Any]]:
    return [
        {"label": label, "shares": [_percent(float(s)) for s in overall[hours].mean(axis=0)]}
        for _key, (label, hours) in WHEN.items()
    ]


def _share_range(low: float, high: float) -> str:
    """'28%', or '28% to 41%' where the truth lies between two bounds."""
    if round(low * 100) == round(high * 100):
        return _percent(low)
    return f"{_percent(low)} to {_percent(high)}"


def then_and_now(wards: np.ndarray | None, choice: Choice, today: datetime) -> dict[str, Any]:
    """These wards' coverage (all of them by default) in each compared week, side by side,
    and the answer to "equivalent or better?" in plain words, with what is unknown.

    Where a week counts places whose hours then are not recorded, its share is a range:
    from those places closed all week to those places open all week. The answer is yes
    or no only where the ranges of the first week and this week do not overlap."""
    columns: list[dict[str, Any]] = []
    for era in london.eras():
        figures = london.london(era.day or local(today).date())
        low = figures.result.overall(wards)
        high = figures.upper.overall(wards) if figures.upper is not None else low
        columns.append(
            {
                "label": era.label,
                "short": era.label.split(" (")[0].lower(),
                "week": figures.week,
                "places": figures.places,
                "unrecorded": [
                    f"{name} ({figures.reasons.get(name, 'hours that week not recorded')})"
                    for name in figures.unrecorded
                ],
                "unlocated": figures.unlocated,
                "low": [float(low[hours, choice.threshold].mean()) for _l, hours in WHEN.values()],
                "high": [
                    float(high[hours, choice.threshold].mean()) for _l, hours in WHEN.values()
                ],
            }
        )
    rows = [
        {"label": label, "cells": [_share_range(c["low"][i], c["high"][i]) for c in columns]}
        for i, (label, _h) in enumerate(WHEN.values())
    ]
    first, now = columns[0], columns[-1]
    at = list(WHEN).index(choice.when)
    then_low, then_high = first["low"][at], first["high"][at]
    now_low, now_high = now["low"][at], now["high"][at]
    then_text, now_text = _share_range(then_low, then_high), _share_range(now_low, now_high)
    if round(now_low * 100) >= round(then_high * 100):
        verdict, answer = "yes", "Yes: equivalent or better."
    elif round(now_high * 100) < round(then_low * 100):
        verdict, answer = "no", "No: worse."
    else:
        verdict, answer = "unknown", "We cannot say for certain."
    summary = (
        f"Averaged over {WHEN[choice.when][0]}, {then_text} of postcodes were within "
        f"{choice.within} minutes' walk of an open contact point {first['short']}, and "
        f"{now_text} this week."
    )
    unknowns = []
    for c in columns:
        if c["unrecorded"]:
            unknowns.append(
                f"{c['short'].capitalize()}: {len(c['unrecorded'])} place"
                f"{'s' if len(c['unrecorded']) != 1 else ''} across London may have been "
                "open but "
                "their hours that week are not recorded, so the share is given as a range "
                "(from all of them closed to all of them open all week)."
            )
        if c["unlocated"]:
            unknowns.append(
                f"{c['short'].capitalize()}: {len(c['unlocated'])} place"
                f"{'s' if len(c['unlocated']) != 1 else ''} across London with no recorded "
                "location "
                "cannot be counted at all: " + ", ".join(c["unlocated"]) + "."
            )
    return {
        "columns": columns,
        "rows": rows,
        "summary": summary,
        "verdict": verdict,
        "answer": answer,
        "unknowns": unknowns,
    }


# How long a reader is asked to wait for figures being prepared.
RETRY_AFTER = 10


def preparing(choice: Choice) -> tuple[str, int] | None:
    """None when the figures can be read now; else what to tell the reader, and when to come
    back. Never works anything out in the request (core.background)."""
    started = london.prepare(choice.weeks)
    if started is None:
        return None
    if started:
        return "These figures are being prepared. They will be ready in a few seconds.", RETRY_AFTER
    return (
        "Other figures are being prepared just now, so these cannot be started yet.",
        RETRY_AFTER * 3,
    )


def when_ready(
    choice: Choice,
    render: Callable[[datetime], tuple[HttpResponse, datetime]],
    now: datetime,
    waiting: Callable[[str, int], HttpResponse],
) -> tuple[HttpResponse, datetime]:
    """`render(now)` once the chosen figures are ready. While they are being worked out
    after an edit, the figures from before it stand in (london.earlier_while_updating; the
    page says so), kept a few seconds at a time so the new ones replace them once ready.
    Where nothing earlier can stand in (a period no one asked for, or new wards):
    `waiting(message, retry)`, a 503 the page cache never keeps."""
    found = preparing(choice)
    if found is None:
        return render(now)
    try:
        with london.earlier_while_updating():
            response, until = render(now)
    except london.NotReady:
        return waiting(*found), now
    return response, min(until, now + timedelta(seconds=RETRY_AFTER))


def unavailable(request: HttpRequest) -> HttpResponse | None:
    """Without wards or postcodes there is nothing to measure: say so (503), not a 500."""
    where = london.london_map()
    if where.ward_codes and len(where.homes.latitudes):
        return None
    return TemplateResponse(request, "coverage/unavailable.html", status=503).render()


def _asked(request: HttpRequest) -> Choice | HttpResponse:
    """What the request asks for, or a 400 when it is not a choice we offer."""
    try:
        return Choice.of(request)
    except BadChoice as error:
        return _bad(request, error)


def _serve(
    request: HttpRequest,
    kind: str,
    choice: Choice,
    render: Callable[[datetime], tuple[HttpResponse, datetime]],
) -> HttpResponse:
    """`core.pagecache.serve` under the cleaned choice (unknown parameters neither make
    new pages nor get past the cache), with the figures' availability checked only when a
    page is computed (a 503 is never kept)."""

    def rendered(now: datetime) -> tuple[HttpResponse, datetime]:
        try:
            return render(now)
        except BadChoice as error:  # people asked for, none loaded: never kept
            return _bad(request, error), now

    def waiting(message: str, retry: int) -> HttpResponse:
        response = TemplateResponse(
            request, "coverage/preparing.html", {"message": message, "retry": retry}, status=503
        ).render()
        response["Retry-After"] = str(retry)
        return response

    def checked(now: datetime) -> tuple[HttpResponse, datetime]:
        missing = unavailable(request)
        if missing is not None:
            return missing, now
        return when_ready(choice, rendered, now, waiting)

    return pagecache.serve(
        kind=kind, choices=choice.canonical,
        depends_on=(versions.PLACES, versions.AREAS), render=checked,
    )  # fmt: skip


def population(where: london.Map) -> dict[str, Any] | None:
    """The population figures loaded, as the pages and the API describe them, or None."""
    if where.people is None:
        return None
    return {
        "source": where.people_source,
        "kind": PopulationKind(where.people_kind).label.lower(),
        "listed": where.people_listed,
        "unplaced": where.people_unplaced,
    }


def _shown(figures: london.London, choice: Choice, where: london.Map) -> dict[str, Any]:
    """What every coverage page shows: the week's figures, the choice and the method."""
    return {
        "figures": figures,
        "choice": choice,
        "when_choices": [(key, label) for key, (label, _h) in WHEN.items()],
        "method": london.method(),
        "population": population(where),
        "earlier": london.stand_ins(),
    }


def index(request: HttpRequest) -> HttpResponse:
    choice = _asked(request)
    if isinstance(choice, HttpResponse):
        return choice

    def render(now: datetime) -> tuple[HttpResponse, datetime]:
        figures = choice.figures(now)
        where = london.london_map()
        rows = _ward_rows(figures, where, list(range(len(where.ward_codes))), choice)
        boroughs = []
        for b, (code, name) in enumerate(
            zip(where.borough_codes, where.borough_names, strict=True)
        ):
            wards = np.flatnonzero(where.ward_borough == b)
            overall = figures.result.overall(wards)
            boroughs.append(
                {
                    "code": code,
                    "name": name,
                    "postcodes": _count(figures.result.total[wards].sum()),
                    "shares": [_percent(float(s)) for s in overall.mean(axis=0)],
                    "chosen": _percent(float(overall[choice.hours, choice.threshold].mean())),
                }
            )
        context = {
            **_shown(figures, choice, where),
            "periods": _periods(figures.result.overall()),
            "boroughs": boroughs,
            "wards": rows,
            "ward_table": _ward_table(rows, borough=True),
            "map": _map(rows, choice),
            "postcodes": _count(figures.result.total.sum()),
            "outside": where.postcodes_outside,
            "then_and_now": then_and_now(None, choice, now),
        }
        return TemplateResponse(request, "coverage/index.html", context).render(), _until(now)

    return _serve(request, "coverage-index", choice, render)


def borough(request: HttpRequest, code: str) -> HttpResponse:
    area = Area.objects.filter(code=code, kind=AreaKind.BOROUGH).first()
    if area is None:
        raise Http404("No such borough.")
    try:
        choice = Choice.of(request)
    except BadChoice as error:
        return _bad(request, error)

    def render(now: datetime) -> tuple[HttpResponse, datetime]:
        figures = choice.figures(now)
        where = london.london_map()
        b = where.borough_codes.index(code)
        wards = [int(w) for w in np.flatnonzero(where.ward_borough == b)]
        rows = _ward_rows(figures, where, wards, choice)
        overall = figures.result.overall(np.array(wards, dtype=np.int64))
        grid = [
            {
                "day": london.DAY_NAMES[d],
                "cells": [
                    {
                        "hour": h,
                        "shown": _percent(float(overall[d * 24 + h, choice.threshold])),
                        "step": svg.step_of(float(overall[d * 24 + h, choice.threshold])),
                    }
                    for h in range(24)
                ],
            }
            for d in range(7)
        ]
        context = {
            **_shown(figures, choice, where),
            "area": area,
            "periods": _periods(overall),
            "wards": rows,
            "ward_table": _ward_table(rows, borough=False),
            "map": _map(rows, choice),
            "grid": grid,
            "postcodes": _count(figures.result.total[wards].sum()),
            "then_and_now": then_and_now(np.array(wards, dtype=np.int64), choice, now),
        }
        return TemplateResponse(request, "coverage/borough.html", context).render(), _until(now)

    return _serve(request, f"coverage-borough-{code}", choice, render)


def download(request: HttpRequest) -> HttpResponse:
    choice = _asked(request)
    if isinstance(choice, HttpResponse):
        return choice

    def render(now: datetime) -> tuple[HttpResponse, datetime]:
        figures = choice.figures(now)
        where = london.london_map()
        shares = figures.result.shares()
        thresholds = london.method().thresholds
        header = ["ward code", "ward", "borough code", "borough", choice.unit]
        for threshold in thresholds:
            header += [f"within {threshold} min: {label}" for label, _h in WHEN.values()]
        rows = []
        for w, code in enumerate(where.ward_codes):
            row: list[object] = [
                code, where.ward_names[w], where.borough_codes[where.ward_borough[w]],
                where.borough_names[where.ward_borough[w]], _count(figures.result.total[w]),
            ]  # fmt: skip
            for t in range(len(thresholds)):
                row += [
                    "" if np.isnan(v) else round(float(v), 4)
                    for v in (shares[w, hours, t].mean() for _l, hours in WHEN.values())
                ]
            rows.append(row)
        counted = "" if choice.count == "postcodes" else f"-{choice.count}"
        name = f"coverage{counted}-week-of-{figures.week.isoformat()}"
        if figures.last_week and figures.last_week != figures.week:
            name += f"-to-{figures.last_week.isoformat()}"
        name += ".csv"
        return csv_response(name, header, rows), _until(now)

    return _serve(request, "coverage-csv", choice, render)


def _periods_by_key(overall: np.ndarray) -> dict[str, dict[str, float | None]]:
    """{time of week: {threshold in minutes: share}} from (hours, thresholds) shares."""
    thresholds = london.method().thresholds
    found: dict[str, dict[str, float | None]] = {}
    for key, (_label, hours) in WHEN.items():
        means = overall[hours].mean(axis=0)
        found[key] = {
            str(t): None if np.isnan(v) else round(float(v), 4)
            for t, v in zip(thresholds, means, strict=True)
        }
    return found


def summary(figures: london.London, where: london.Map, unit: str = "postcodes") -> dict[str, Any]:
    """The figures as plain data: London, each borough and each ward, by time of week and
    threshold (shares of postcodes, or of people), with the method. Used by the API and
    GeoJSON."""
    m = london.method()
    shares = figures.result.shares()
    homes = "unit postcodes in the gazetteer, each counted once"
    if unit == "people" and (loaded := population(where)) is not None:
        homes = (
            f"people, from “{loaded['source']}”: each {loaded['kind']}'s people shared equally "
            "among its postcodes in the gazetteer"
        )
    return {
        "counted": unit,
        "week": figures.week.isoformat(),
        "last_week": (figures.last_week or figures.week).isoformat(),
        "period": figures.period_label,
        "method": {
            "walking_km_per_hour": round(m.speed_m_per_min * 60 / 1000, 3),
            "detour_factor": m.detour,
            "thresholds_minutes": list(m.thresholds),
            "open": "open at the middle of each hour of the week",
            "homes": homes,
            "documentation": "/coverage/#method-heading",
        },
        "times_of_week": {key: label for key, (label, _h) in WHEN.items()},
        "london": {
            unit: _count(figures.result.total.sum()),
            "shares": _periods_by_key(figures.result.overall()),
        },
        "boroughs": [
            {
                "code": code,
                "name": name,
                unit: _count(figures.result.total[where.ward_borough == b].sum()),
                "shares": _periods_by_key(
                    figures.result.overall(np.flatnonzero(where.ward_borough == b))
                ),
            }
            for b, (code, name) in enumerate(
                zip(where.borough_codes, where.borough_names, strict=True)
            )
        ],
        "wards": [
            {
                "code": code,
                "name": where.ward_names[w],
                "borough_code": where.borough_codes[where.ward_borough[w]],
                unit: _count(figures.result.total[w]),
                "shares": _periods_by_key(shares[w]),
            }
            for w, code in enumerate(where.ward_codes)
        ],
    }


def geojson(request: HttpRequest) -> HttpResponse:
    """Every ward's outline with its figures, as GeoJSON (WGS84)."""
    choice = _asked(request)
    if isinstance(choice, HttpResponse):
        return choice

    def render(now: datetime) -> tuple[HttpResponse, datetime]:
        figures = choice.figures(now)
        data = summary(figures, london.london_map(), choice.unit)
        outlines = dict(Area.objects.filter(kind=AreaKind.WARD).values_list("code", "outline"))
        collection = {
            "type": "FeatureCollection",
            "week": data["week"],
            "method": data["method"],
            "features": [
                {
                    "type": "Feature",
                    "id": ward["code"],
                    "geometry": outlines.get(ward["code"]),
                    "properties": ward,
                }
                for ward in data["wards"]
            ],
        }
        response = JsonResponse(collection, content_type="application/geo+json")
        name = f"coverage-wards-week-of-{data['week']}.geojson"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response, _until(now)

    return _serve(request, "coverage-geojson", choice, render)
