"""The open data API, version 1: GeoJSON and CSV, documented by OpenAPI (django-ninja).

Coordinates are in GeoJSON order, [longitude, latitude]. Only published contact points
appear. Responses may be cached briefly (hours change); anyone may call the API from any
origin (CORS, GET only); the search endpoint is rate-limited per client address.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder
from pydantic import field_validator

from core import pagecache, versions
from core.client import ClientRateThrottle
from core.spreadsheets import csv_response
from core.time import YEARS_ALLOWED, plausible
from places import geocoding, postcodes

from . import freshness, hours, prepared, search
from .models import FACILITIES, SERVICES, UNCONFIRMED, Basis, ContactPoint, Fact, Kind, Status

api = NinjaAPI(
    title="Contact Points open data API",
    version="1",
    description=(
        "Police contact points and front counters: where they are, when they are open, "
        "what they offer. Open data: reuse it freely with attribution."
    ),
    urls_namespace="api-1",
    docs_url=None,  # the human documentation is our own page at /api/
    openapi_url="/openapi.json",
)


class TooManyLookups(Exception):
    """This client reached its limit of remote geocoder look-ups."""

    def __init__(self, message: str, wait: int) -> None:
        super().__init__(message)
        self.wait = wait


@api.exception_handler(TooManyLookups)
def _too_many_lookups(request: HttpRequest, error: TooManyLookups) -> HttpResponse:
    response = api.create_response(request, {"detail": str(error)}, status=429)
    response["Retry-After"] = str(error.wait)
    return response


FacilityName = Literal[tuple(name for name, _ in FACILITIES)]  # type: ignore[valid-type]


# --- Schemas -----------------------------------------------------------------------------


class Point(Schema):
    type: Literal["Point"] = "Point"
    coordinates: list[float] = Field(..., description="[longitude, latitude] (WGS84)")


class Session(Schema):
    opens: datetime = Field(..., description="Start, with the UTC offset in force in London")
    closes: datetime
    note: str = ""


class WeeklyHours(Schema):
    weekday: int = Field(..., ge=0, le=6, description="0 = Monday")
    opens: str = Field(..., examples=["19:00"])
    closes: str = Field(..., examples=["20:00"])
    closes_next_day: bool
    recurrence: Literal["weekly", "fortnightly", "monthly"]
    week_of_month: int | None = Field(None, description="1–5, or -1 for the last")
    fortnight_anchor: str | None = Field(None, description="A date in a week it runs")
    valid_from: str | None = None
    valid_until: str | None = None
    description: str


class DatedChange(Schema):
    starts_on: str
    ends_on: str
    closed: bool
    opens: str | None = None
    closes: str | None = None
    reason: str


class FactSource(Schema):
    basis: Literal[tuple(Basis.values)]  # type: ignore[valid-type]
    checked_on: date | None = Field(None, description="When checked on site, or the source's date")
    checked_by: str = ""
    source: str = ""


class Properties(Schema):
    slug: str
    name: str
    kind: Literal[tuple(Kind.values)]  # type: ignore[valid-type]
    kind_label: str
    status: Literal[tuple(Status.values)]  # type: ignore[valid-type]
    status_line: str = Field(..., description="What a resident reads first, right now")
    open_now: bool
    borough: str
    ward: str
    address: list[str]
    postcode: str
    url: str
    facilities: dict[str, bool | None] = Field(
        ..., description="true, false, or null where it is not known (see facts)"
    )
    services: dict[str, bool | None] = Field(
        ..., description="true, false, or null where it is not known (see facts)"
    )
    opening_hours: str = Field(..., description="OpenStreetMap opening_hours")
    closed_on_bank_holidays: bool
    facts: dict[str, FactSource] = Field(
        ...,
        description="How each fact a resident relies on is known (hours, bank_holidays, "
        "entrance, each facility and each service). A fact whose basis is 'unconfirmed' is "
        "not known and must not be presented as certain.",
    )
    updated_at: datetime


class DetailProperties(Properties):
    weekly_hours: list[WeeklyHours]
    changes: list[DatedChange]
    next_sessions: list[Session]
    entrance: str
    caveats: str
    replaces: list[str] = Field(..., description="Slugs of the places it replaced")


class NearestProperties(Properties):
    distance_m: float = Field(..., description="Geodesic distance from the search point")


class Feature(Schema):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: Point | None
    properties: Properties


class DetailFeature(Feature):
    properties: DetailProperties


class NearestFeature(Feature):
    properties: NearestProperties


class FeatureCollection(Schema):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]


class NearestCollection(Schema):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    nearest_open: NearestFeature | None = Field(
        None,
        description="When none of the features is open now (and no open_at was asked "
        "for): the nearest contact point that is open now, if any within reach",
    )
    search: dict[str, Any] = Field(
        ...,
        description="The point searched from (label, source, geometry) and `within_km`: "
        "how far the search looks; nothing further away is listed",
    )
    features: list[NearestFeature]


class Error(Schema):
    detail: str


# --- Building features -------------------------------------------------------------------

# The facts' names, listed once: `Fact.values` makes the list anew at each use, a tenth of
# the API list's time when it was asked for each of a thousand places.
FACTS: tuple[str, ...] = tuple(Fact.values)


def _properties(
    request: HttpRequest, cp: ContactPoint, now: datetime, osm: dict[int, str]
) -> dict[str, Any]:
    """A feature's properties; `osm`: the places' prepared OSM hours (`prepared.osm_hours`)."""
    head, middle, tail, end = _fixed_properties(cp)
    line, is_open, _until = freshness.reading(cp, now)
    return {
        **head,
        "status_line": line,
        "open_now": is_open,
        **middle,
        "url": _page_url(request, cp.slug),
        **tail,
        "opening_hours": osm[cp.pk],
        **end,
    }


def _fixed_properties(cp: ContactPoint) -> tuple[dict[str, Any], ...]:
    """The properties that change only when the place is edited, in their order around
    the others: noted once per data version for a place a search keeps loaded."""
    return search.noted(cp, "api", lambda: (
        {"slug": cp.slug, "name": cp.name, "kind": cp.kind,
         "kind_label": cp.get_kind_display(), "status": cp.status},
        {"borough": cp.borough, "ward": cp.ward, "address": cp.address_lines,
         "postcode": cp.postcode},
        {"facilities": {f.name.removeprefix("has_"): f.value for f in cp.facilities()},
         "services": {f.name.removeprefix("offers_"): f.value for f in cp.services()}},
        {"closed_on_bank_holidays": cp.closed_on_bank_holidays, "facts": _facts(cp),
         "updated_at": cp.updated_at},
    ))  # fmt: skip


def _json(value: Any) -> str:
    """`value` as the API's JSON text: the renderer's own encoder and separators."""
    return json.dumps(value, cls=NinjaJSONEncoder)


def _feature_text(
    request: HttpRequest, cp: ContactPoint, now: datetime, osm: dict[int, str], extra: str = ""
) -> str:
    """`_feature(_properties(request, cp, now, osm), cp)` as JSON text, `extra` (encoded
    properties, each after ", ") last: the text around the words that change with time
    (status, open now, hours from today) and the host asked is encoded once per revision
    for a place a search keeps loaded, so an answer for a new address joins strings
    instead of building and encoding every feature (a third of a nearest answer's time)."""
    noted = search.noted(cp, "api-text", lambda: _fixed_text(cp))
    before_line, before_url, before_hours, after = noted
    line, is_open, _until = freshness.reading(cp, now)
    return "".join((
        before_line, _json(line), ', "open_now": ', "true" if is_open else "false",
        before_url, _json(_page_url(request, cp.slug)), before_hours, _json(osm[cp.pk]),
        after, extra, "}}",
    ))  # fmt: skip


def _fixed_text(cp: ContactPoint) -> tuple[str, str, str, str]:
    """A feature's JSON text around its changing properties (`_properties`' order)."""
    head, middle, tail, end = (_json(part)[1:-1] for part in _fixed_properties(cp))
    empty = _json(_feature({}, cp))
    assert empty.endswith('"properties": {}}')  # the properties are the feature's last key
    return (
        f'{empty[:-2]}{head}, "status_line": ',
        f', {middle}, "url": ',
        f', {tail}, "opening_hours": ',
        f", {end}",
    )


def _page_url(request: HttpRequest, slug: str) -> str:
    """The absolute address of a place's page. Made once per request and filled in with
    each slug (slugs hold only letters, digits, hyphens and underscores, which an address
    keeps as they are): resolving it for each of a thousand places was a tenth of the
    list's time."""
    pattern = request.__dict__.get("_page_url_pattern")
    if pattern is None:
        pattern = request.build_absolute_uri(reverse("contactpoints:detail", args=["-slug-"]))
        request.__dict__["_page_url_pattern"] = pattern
    return pattern.replace("/-slug-/", f"/{slug}/")


def _facts(cp: ContactPoint) -> dict[str, dict[str, Any]]:
    checks = cp.fact_checks_by_fact()
    return {fact: checks[fact].values() if fact in checks else dict(UNCONFIRMED) for fact in FACTS}


def _fact_cell(fact: dict[str, Any]) -> str:
    """'checked 2026-11-20 (PC Lee)', 'source 2026-03-03 (Met list …)', 'unconfirmed'."""
    if fact["basis"] == Basis.UNCONFIRMED:
        return "unconfirmed"
    when = fact["checked_on"].isoformat() if fact["checked_on"] else ""
    who = fact["checked_by"] or fact["source"]
    return " ".join(p for p in (fact["basis"], when, f"({who})" if who else "") if p)


def _feature(properties: dict[str, Any], cp: ContactPoint) -> dict[str, Any]:
    geometry = None
    if cp.coordinates:
        latitude, longitude = cp.coordinates
        geometry = {"type": "Point", "coordinates": [longitude, latitude]}
    return {"type": "Feature", "id": cp.slug, "geometry": geometry, "properties": properties}


def _served(
    request: HttpRequest,
    build: Callable[[datetime], tuple[Any, ...]],  # data, places shown, by open
    *,
    kind: str,
    choices: str = "",
    as_csv: bool = False,
    personal: bool = False,
) -> HttpResponse:
    """The answer from the page cache until its content can change (core.pagecache):
    `build` returns the data (or a finished response), the places whose words it holds,
    and whether who is open now decides which places it lists. `choices`: the cleaned
    parameters that made it."""

    def render(now: datetime) -> tuple[HttpResponse, datetime]:
        data, shown, by_open = build(now)
        if as_csv:
            response = data
        elif isinstance(data, str):  # JSON text already (`_feature_text`)
            response = HttpResponse(data, content_type=api.get_content_type())
        else:
            response = api.create_response(request, data, status=200)
        until = freshness.shown_changes(shown, now)
        if by_open:
            until = min(until, freshness.open_set_changes(now))
        return response, until

    return pagecache.serve(
        # The answers hold links made from the host asked.
        kind=kind, choices=f"{request.get_host()}|{choices}", depends_on=(versions.PLACES,),
        render=render, personal=personal,
    )  # fmt: skip


class DirectoryFilters(Schema):
    borough: str | None = Field(None, description="Borough name, e.g. Westminster")
    kind: Literal[tuple(Kind.values)] | None = None  # type: ignore[valid-type]
    facility: list[FacilityName] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Must have all of these"
    )
    open_now: bool = False

    @field_validator("borough")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        # PostgreSQL stores no NUL character: refused here, as Django's forms refuse it.
        if value is not None and "\x00" in value:
            raise ValueError("borough cannot contain a NUL character")
        return value


def _filtered(filters: DirectoryFilters, now: datetime) -> Any:
    queryset = ContactPoint.objects.published()
    if filters.borough:
        queryset = queryset.filter(borough=filters.borough)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.facility:
        queryset = queryset.with_facility(*filters.facility)
    if filters.open_now:
        queryset = queryset.open_at(now)
    return queryset


def _listed(filters: DirectoryFilters, now: datetime) -> list[ContactPoint]:
    """The places the filters choose, with their hours: only those edited since this
    process last listed them are read in full (contactpoints.search.load_all)."""
    return search.load_all(_filtered(filters, now), versions.current(versions.PLACES)[0])


# --- Endpoints ---------------------------------------------------------------------------


@api.get(
    "/contact-points",
    response=FeatureCollection,
    summary="All published contact points",
    tags=["contact points"],
)
def list_contact_points(request: HttpRequest, filters: Query[DirectoryFilters]) -> Any:
    def build(now: datetime) -> tuple[Any, list[ContactPoint], bool]:
        places = _listed(filters, now)
        osm = prepared.osm_hours(places, hours.local(now).date())
        features = ", ".join(_feature_text(request, cp, now, osm) for cp in places)
        text = f'{{"type": "FeatureCollection", "features": [{features}]}}'
        return text, places, filters.open_now

    return _served(request, build, kind="api-list", choices=filters.model_dump_json())


@api.get(
    "/contact-points.csv",
    summary="All published contact points as CSV",
    tags=["contact points"],
    openapi_extra={
        "responses": {
            200: {
                "description": "One row per contact point",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def contact_points_csv(request: HttpRequest, filters: Query[DirectoryFilters]) -> HttpResponse:
    return _served(request, lambda now: _csv(request, filters, now), as_csv=True,
                   kind="api-csv", choices=filters.model_dump_json())  # fmt: skip


def _csv(
    request: HttpRequest, filters: DirectoryFilters, now: datetime
) -> tuple[HttpResponse, list[ContactPoint], bool]:
    facility_names = [name for name, _ in FACILITIES]
    service_names = [name for name, _ in SERVICES]
    header = [
        "slug", "name", "kind", "status", "status_line", "borough", "ward", "address",
        "postcode", "latitude", "longitude", "opening_hours", *facility_names,
        *service_names, "url", *(f"{fact}_known" for fact in FACTS),
    ]  # fmt: skip
    rows = []
    places = _listed(filters, now)
    osm = prepared.osm_hours(places, hours.local(now).date())
    for cp in places:
        latitude, longitude = cp.coordinates or ("", "")
        facts = _facts(cp)
        rows.append(
            [
                cp.slug, cp.name, cp.kind, cp.status, freshness.reading(cp, now).line,
                cp.borough, cp.ward,
                ", ".join(cp.address_lines), cp.postcode, latitude, longitude,
                osm[cp.pk],
                # yes, no or "not known": never a bare False for a fact nobody confirmed.
                *(f.state.replace("_", " ") for f in cp.facilities()),
                *(f.state.replace("_", " ") for f in cp.services()),
                _page_url(request, cp.slug),
                *(_fact_cell(facts[fact]) for fact in FACTS),
            ]
        )  # fmt: skip
    return csv_response("contact-points.csv", header, rows), places, filters.open_now


class NearestQuery(Schema):
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude (WGS84)")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude (WGS84)")
    postcode: str | None = Field(
        None, max_length=10, description="A full postcode or a district, instead of lat/lon"
    )
    limit: int = Field(10, ge=1, le=50)
    open_at: datetime | None = Field(
        None, description="Only those open at this time (ISO 8601; without an offset, London)"
    )
    facility: list[FacilityName] = Field(  # type: ignore[valid-type]
        default_factory=list,
        description="Leaves out places known not to have these. Places where one is not "
        "confirmed are kept, in distance order: their `facts` say 'unconfirmed'.",
    )
    kind: Literal[tuple(Kind.values)] | None = None  # type: ignore[valid-type]

    @field_validator("open_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is not None and not plausible(value.date()):
            raise ValueError(f"open_at must be {YEARS_ALLOWED}")
        return value


@api.get(
    "/contact-points/nearest",
    response={200: NearestCollection, 400: Error, 404: Error, 503: Error},
    summary="The nearest open-for-business contact points to a point or postcode",
    tags=["search"],
    throttle=[ClientRateThrottle(settings.SEARCH_RATE)],
)
def nearest(request: HttpRequest, query: Query[NearestQuery]) -> Any:
    return _served(request, lambda now: _nearest(request, query, now), kind="nearest",
                   personal=True)  # fmt: skip


def _nearest(
    request: HttpRequest, query: NearestQuery, now: datetime
) -> tuple[str, list[ContactPoint], bool]:
    place = _place(request, query)
    open_at = query.open_at
    if open_at is not None and timezone.is_naive(open_at):
        open_at = timezone.make_aware(open_at, hours.LONDON)
    found = search.nearest(
        place, now=now, open_at=open_at, facilities=query.facility, kind=query.kind,
        limit=query.limit,
    )  # fmt: skip

    osm = prepared.osm_hours(found.shown, hours.local(now).date())

    def feature(cp: ContactPoint, distance: float) -> str:
        return _feature_text(request, cp, now, osm, f', "distance_m": {round(distance, 1)!r}')

    searched = _json({
        "label": place.label,
        "source": place.source,
        "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
        "within_km": found.within_km,
    })  # fmt: skip
    features = ", ".join(feature(cp, distance) for cp, distance in found.results)
    nearest_open = feature(*found.nearest_open) if found.nearest_open else "null"
    text = (
        f'{{"type": "FeatureCollection", "search": {searched}, "features": [{features}], '
        f'"nearest_open": {nearest_open}}}'
    )
    search.answered(request, found, moment=open_at or now, open_now=open_at is not None,
                    facility=bool(query.facility))  # fmt: skip
    return text, found.shown, open_at is None  # nearest_open: who is open now


def _place(request: HttpRequest, query: NearestQuery) -> geocoding.Place:
    if query.postcode:
        if not (
            postcodes.is_full_postcode(query.postcode) or postcodes.is_outward_code(query.postcode)
        ):
            raise HttpError(400, f"“{query.postcode}” is not a UK postcode or postcode district.")
        try:
            # A postcode not in the gazetteer reaches the remote geocoder: limited as the
            # finder's place-name searches are.
            return geocoding.locate(query.postcode, client=request)
        except geocoding.LocationError as error:
            if error.wait:
                raise TooManyLookups(str(error), error.wait) from error
            raise HttpError(503 if error.retryable else 404, str(error)) from error
    if query.lat is None or query.lon is None:
        raise HttpError(400, "Give lat and lon, or a postcode.")
    return geocoding.from_coordinates(query.lat, query.lon)


@api.get(
    "/contact-points/{slug}",
    response={200: DetailFeature, 404: Error},
    summary="One contact point, with structured opening hours",
    tags=["contact points"],
)
def contact_point(request: HttpRequest, slug: str) -> Any:
    return _served(request, lambda now: _contact_point(request, slug, now), kind="api-place",
                   choices=slug)  # fmt: skip


def _contact_point(
    request: HttpRequest, slug: str, now: datetime
) -> tuple[dict[str, Any], list[ContactPoint], bool]:
    cp = (
        ContactPoint.objects.published()
        .with_hours()
        .prefetch_related("replaces")
        .filter(slug=slug)
        .first()
    )
    if cp is None:
        raise HttpError(404, f"No published contact point is called “{slug}”.")
    schedule = cp.schedule()
    today = hours.local(now).date()
    properties = _properties(request, cp, now, prepared.osm_hours([cp], today)) | {
        "weekly_hours": [
            {
                "weekday": rule.weekday,
                "opens": f"{rule.opens:%H:%M}",
                "closes": f"{rule.closes:%H:%M}",
                "closes_next_day": rule.overnight,
                "recurrence": str(rule.recurrence),
                "week_of_month": rule.week_of_month,
                "fortnight_anchor": rule.anchor.isoformat() if rule.anchor else None,
                "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
                "valid_until": rule.valid_until.isoformat() if rule.valid_until else None,
                "description": hours.describe_rule(rule),
            }
            for rule in schedule.rules_valid_on(today)
        ],
        "changes": [
            {
                "starts_on": exc.starts_on.isoformat(),
                "ends_on": exc.ends_on.isoformat(),
                "closed": exc.is_closed,
                "opens": f"{exc.opens:%H:%M}" if exc.opens else None,
                "closes": f"{exc.closes:%H:%M}" if exc.closes else None,
                "reason": exc.reason,
            }
            for exc in cp.upcoming_exceptions(today, limit=20)
        ],
        "next_sessions": [
            {"opens": s.local_start, "closes": s.local_end, "note": s.note}
            for s in (schedule.next_sessions(now, 10) if cp.is_operating else [])
        ],
        "entrance": cp.entrance_description,
        "caveats": cp.caveats,
        "replaces": [old.slug for old in cp.replaces.all()],
    }
    return _feature(properties, cp), [cp], False
