"""/hsds/: the Open Referral HSDS 3.0 API (its OpenAPI document: /hsds/openapi.json).
Read-only, paged, cached like every public answer (core.pagecache); every bad parameter
gets a 400 with a JSON message naming it. The mapping is in `hsds` and docs/exports.md."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_date, parse_datetime

from contactpoints import geo
from contactpoints.models import ContactPoint
from core import pagecache, versions
from core.time import LONDON, local
from places import postcodes
from places.models import Postcode

from . import hsds

PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PROXIMITY_M = 50_000
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class BadParameter(ValueError):
    pass


@dataclass(frozen=True)
class Asked:
    """The cleaned parameters of a list request."""

    page: int = 1
    per_page: int = PER_PAGE
    search: str = ""
    modified_after: datetime | None = None
    taxonomy_term_id: str = ""
    taxonomy_id: str = ""
    organization_id: str = ""
    minimal: bool = False
    full: bool = False
    full_service: bool = False
    postcode: str = ""
    proximity: float | None = None

    @classmethod
    def of(cls, request: HttpRequest, allowed: set[str]) -> Asked:
        given = request.GET
        unknown = sorted(set(given) - allowed - {"page", "per_page", "format"})
        if unknown:
            raise BadParameter(f"Unknown parameter(s): {', '.join(unknown)}.")
        if given.get("format", "json") != "json":
            raise BadParameter("format: only json is offered.")
        values: dict[str, Any] = {
            "page": _integer(given, "page", 1, 1, 1_000_000),
            "per_page": _integer(given, "per_page", PER_PAGE, 1, MAX_PER_PAGE),
        }
        text = given.get("search", "").strip()
        if len(text) > 100 or "\x00" in text:
            raise BadParameter("search: at most 100 characters of plain text.")
        values["search"] = text
        if "modified_after" in given:
            values["modified_after"] = _moment(given["modified_after"])
        for name in ("taxonomy_term_id", "taxonomy_id", "organization_id"):
            if name in given:
                values[name] = _uuid(given[name], name)
        for name in ("minimal", "full", "full_service"):
            if name in given:
                if given[name].lower() not in BOOLEANS:
                    raise BadParameter(f"{name}: true or false.")
                values[name] = BOOLEANS[given[name].lower()]
        if "postcode" in given:
            try:
                values["postcode"] = postcodes.normalise(given["postcode"])
            except postcodes.InvalidPostcode as error:
                raise BadParameter(
                    f"postcode: “{given['postcode'][:20]}” is not a UK postcode."
                ) from error
        if "proximity" in given:
            try:
                proximity = float(given["proximity"])
            except ValueError as error:
                raise BadParameter("proximity: a distance in metres.") from error
            if not (0 < proximity <= MAX_PROXIMITY_M) or not math.isfinite(proximity):
                raise BadParameter(
                    f"proximity: more than 0 and at most {MAX_PROXIMITY_M:,} metres."
                )
            if "postcode" not in given:
                raise BadParameter("proximity: give a postcode to measure it from.")
            values["proximity"] = proximity
        return cls(**values)

    def key(self) -> str:
        return repr(self)


def _integer(given: Any, name: str, default: int, low: int, high: int) -> int:
    if name not in given:
        return default
    try:
        value = int(given[name])
    except ValueError as error:
        raise BadParameter(f"{name}: a whole number from {low} to {high:,}.") from error
    if not low <= value <= high:
        raise BadParameter(f"{name}: a whole number from {low} to {high:,}.")
    return value


def _moment(text: str) -> datetime:
    problem = "modified_after: a date (2026-11-01) or date and time (ISO 8601)."
    try:  # Django's parsers raise ValueError for well-formed but impossible dates
        found = parse_datetime(text) if "T" in text or " " in text else None
        day = parse_date(text) if found is None and len(text) == 10 else None
    except ValueError as error:
        raise BadParameter(problem) from error
    if found is None:
        if day is None:
            raise BadParameter(problem)
        found = datetime.combine(day, time(0))
    if found.year < 1900 or found.year > 2199:
        raise BadParameter("modified_after: a date between 1900 and 2199.")
    return found if timezone.is_aware(found) else found.replace(tzinfo=LONDON)


def _uuid(text: str, name: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError as error:
        raise BadParameter(f"{name}: a UUID.") from error


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _paged(items: list[Any], asked: Asked) -> dict[str, Any]:
    total = len(items)
    pages = max(1, math.ceil(total / asked.per_page))
    start = (asked.page - 1) * asked.per_page
    contents = items[start : start + asked.per_page]
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": asked.page,
        "size": len(contents),
        "first_page": asked.page == 1,
        "last_page": asked.page >= pages,
        "empty": total == 0,
        "contents": contents,
    }


def _serve(
    request: HttpRequest, kind: str, choices: str, make: Callable[[date], Any]
) -> HttpResponse:
    """A cached JSON answer, right until the next data change or midnight (schedules and
    status lines are worked out for today)."""

    def render(now: datetime) -> tuple[HttpResponse, datetime]:
        today = local(now).date()
        data = make(today)
        if isinstance(data, HttpResponse):
            return data, now
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
        response["Access-Control-Allow-Origin"] = "*"
        tomorrow = datetime.combine(today, time(0), tzinfo=LONDON) + timedelta(days=1)
        return response, min(tomorrow, now + timedelta(minutes=10))

    return pagecache.serve(kind=f"hsds-{kind}", choices=f"{request.get_host()}|{choices}",
                           depends_on=(versions.PLACES,), render=render)  # fmt: skip


def _places() -> list[ContactPoint]:
    """The places published as HSDS locations: published and open for business."""
    return list(ContactPoint.objects.published().operating().with_hours().order_by("name"))


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _modified(places: Iterable[ContactPoint]) -> datetime | None:
    return max((cp.updated_at for cp in places), default=None)


# --- Endpoints -------------------------------------------------------------------------


def about(request: HttpRequest) -> HttpResponse:
    base = _base(request)
    return JsonResponse({
        "version": "3.0",
        "profile": "https://docs.openreferral.org/en/latest/hsds/",
        "openapi_url": f"{base}/hsds/openapi.json",
    })  # fmt: skip


def _guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in {"GET", "HEAD"}:
            return _bad("Only GET: this API is read-only.", 405)
        try:
            return view(request, *args, **kwargs)
        except BadParameter as error:
            return _bad(str(error))

    return wrapped


def _fixed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For answers made from the code alone (the taxonomy and its terms: no query): public,
    reusable for as long as any kept answer (a deploy may change them)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=pagecache.MAX_AGE)
        return response

    return wrapped


def _service_matches(kind: hsds.Service, asked: Asked, *, by_name: bool = True) -> bool:
    """Whether a service passes the filters (`by_name`: the search words too)."""
    if by_name and asked.search and asked.search.lower() not in kind.name.lower():
        return False
    if asked.taxonomy_term_id and asked.taxonomy_term_id != kind.term_id:
        return False
    if asked.taxonomy_id and asked.taxonomy_id != hsds.taxonomy()["id"]:
        return False
    return not (asked.organization_id and asked.organization_id != hsds.organization_id())


@_guarded
def services(request: HttpRequest) -> HttpResponse:
    asked = Asked.of(request, {"search", "taxonomy_term_id", "taxonomy_id", "organization_id",
                               "modified_after", "minimal", "full"})  # fmt: skip

    def make(today: date) -> dict[str, Any]:
        places = _places()
        modified = _modified(places)
        kinds = [k for k in hsds.KINDS if _service_matches(k, asked)]
        if asked.modified_after and (modified is None or modified < asked.modified_after):
            kinds = []
        if asked.minimal:
            items = [
                {"id": k.id, "last_modified": modified.isoformat() if modified else None}
                for k in kinds
            ]
        else:
            items = [hsds.service(k, modified, full=asked.full) for k in kinds]
        return _paged(items, asked)

    return _serve(request, "services", asked.key(), make)


@_guarded
def service(request: HttpRequest, id: str) -> HttpResponse:
    kind = hsds.BY_ID.get(_uuid_or_none(id) or "")
    if kind is None:
        return _bad(f"No service has the id “{id[:40]}”.", 404)

    def make(today: date) -> dict[str, Any]:
        every = _places()
        places = [cp for cp in every if kind.field in hsds.offered(cp)]
        record = hsds.service(kind, _modified(every), full=True)
        located = hsds.locations(places, _base(request))
        record["service_at_locations"] = [
            hsds.service_at_location(
                kind, cp, hsds.offered(cp)[kind.field], today, location=located[cp.pk]
            )
            for cp in places
        ]
        return record

    return _serve(request, "service", kind.id, make)


def _uuid_or_none(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _near(asked: Asked, places: list[ContactPoint]) -> list[ContactPoint]:
    """Those within `proximity` metres of the postcode's centre (geodesic), nearest first."""
    if not asked.postcode:
        return places
    found = Postcode.objects.filter(postcode=asked.postcode).first()
    if found is None:
        raise BadParameter(f"postcode: {asked.postcode} is not in our postcode data.")
    reach = asked.proximity or 5_000.0
    measured = [
        (geo.distance_m(found.coordinates, cp.coordinates), cp.name, cp)
        for cp in places
        if cp.coordinates
    ]
    return [
        cp for metres, _name, cp in sorted(measured, key=lambda m: (m[0], m[1])) if metres <= reach
    ]


@_guarded
def service_at_locations(request: HttpRequest) -> HttpResponse:
    asked = Asked.of(request, {"search", "taxonomy_term_id", "taxonomy_id", "organization_id",
                               "modified_after", "full", "postcode", "proximity"})  # fmt: skip

    def make(today: date) -> dict[str, Any]:
        places = _near(asked, _places())
        if asked.modified_after:
            places = [cp for cp in places if cp.updated_at >= asked.modified_after]
        kinds = {k.field: k for k in hsds.KINDS if _service_matches(k, asked, by_name=False)}
        words = asked.search.lower()
        found = [
            (kinds[name], cp, fact)
            for cp in places
            for name, fact in hsds.offered(cp).items()
            if name in kinds
            and (not words or words in cp.name.lower() or words in kinds[name].name.lower())
        ]
        page = _paged(found, asked)
        shown = page["contents"]
        located = (
            hsds.locations(list({cp.pk: cp for _k, cp, _f in shown}.values()), _base(request))
            if asked.full
            else {}
        )
        page["contents"] = [
            hsds.service_at_location(kind, cp, fact, today, location=located.get(cp.pk))
            for kind, cp, fact in shown
        ]
        return page

    return _serve(request, "service_at_locations", asked.key(), make)


@_guarded
def service_at_location(request: HttpRequest, id: str) -> HttpResponse:
    wanted = _uuid_or_none(id)

    def make(today: date) -> Any:
        for cp in _places():
            for name, fact in hsds.offered(cp).items():
                kind = hsds.BY_FIELD[name]
                if hsds.service_at_location_id(kind, cp) == wanted:
                    located = hsds.locations([cp], _base(request))[cp.pk]
                    return hsds.service_at_location(kind, cp, fact, today, location=located)
        return _bad(f"No service_at_location has the id “{id[:40]}”.", 404)

    return _serve(request, "service_at_location", str(wanted), make)


def _organization(full_service: bool) -> dict[str, Any]:
    record = hsds.organization()
    places = _places()
    record["services"] = [hsds.service(k, _modified(places), full=full_service) for k in hsds.KINDS]
    return record


@_guarded
def organizations(request: HttpRequest) -> HttpResponse:
    asked = Asked.of(request, {"search", "full_service", "full"})

    def make(today: date) -> dict[str, Any]:
        record = _organization(asked.full_service)
        if not (asked.full or asked.full_service):
            record.pop("services")
        match = not asked.search or asked.search.lower() in record["name"].lower()
        return _paged([record] if match else [], asked)

    return _serve(request, "organizations", asked.key(), make)


@_guarded
def organization(request: HttpRequest, id: str) -> HttpResponse:
    asked = Asked.of(request, {"full_service"})
    if _uuid_or_none(id) != hsds.organization_id():
        return _bad(f"No organization has the id “{id[:40]}”.", 404)
    return _serve(request, "organization", asked.key(),
                  lambda today: _organization(asked.full_service))  # fmt: skip


@_guarded
@_fixed
def taxonomies(request: HttpRequest) -> HttpResponse:
    asked = Asked.of(request, {"search"})
    found = hsds.taxonomy()
    match = not asked.search or asked.search.lower() in found["name"].lower()
    return JsonResponse(_paged([found] if match else [], asked))


@_guarded
@_fixed
def taxonomy(request: HttpRequest, id: str) -> HttpResponse:
    if _uuid_or_none(id) != hsds.taxonomy()["id"]:
        return _bad(f"No taxonomy has the id “{id[:40]}”.", 404)
    return JsonResponse(hsds.taxonomy())


@_guarded
@_fixed
def taxonomy_terms(request: HttpRequest) -> HttpResponse:
    asked = Asked.of(request, {"search", "taxonomy_id", "top_only", "parent_id"})
    if request.GET.get("top_only", "true").lower() not in BOOLEANS:
        raise BadParameter("top_only: true or false.")
    if "parent_id" in request.GET:
        _uuid(request.GET["parent_id"], "parent_id")
    terms = [hsds.taxonomy_term(k) for k in hsds.KINDS]
    if asked.taxonomy_id and asked.taxonomy_id != hsds.taxonomy()["id"]:
        terms = []
    if "parent_id" in request.GET:
        terms = []  # every term is at the top
    if asked.search:
        terms = [t for t in terms if asked.search.lower() in t["name"].lower()]
    return JsonResponse(_paged(terms, asked))


@_guarded
@_fixed
def taxonomy_term(request: HttpRequest, id: str) -> HttpResponse:
    for kind in hsds.KINDS:
        if kind.term_id == _uuid_or_none(id):
            return JsonResponse(hsds.taxonomy_term(kind))
    return _bad(f"No taxonomy term has the id “{id[:40]}”.", 404)
