from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import segno
from csp.decorators import csp_replace
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.generic import DetailView, ListView, TemplateView

from core import pagecache, versions
from core.client import ClientRateThrottle, held_back
from places import geocoding
from places.geocoding import Place

from . import exports, freshness, hours, prepared
from . import search as search_module
from .forms import DirectoryFilterForm, SearchForm, WrongInformationForm
from .maps import map_config
from .models import FACILITIES, ContactPoint, Fact

CALENDAR_DAYS = 90


def map_points(contact_points: list[ContactPoint]) -> list[dict[str, Any]]:
    return [
        {"name": cp.name, "url": cp.get_absolute_url(), "lat": lat, "lon": lon}
        for cp in contact_points
        if cp.coordinates
        for lat, lon in [cp.coordinates]
    ]


class HomeView(TemplateView):
    """The finder's front door: one search box and "use my location"."""

    template_name = "contactpoints/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(form=SearchForm(), **kwargs)


class ApiDocsView(TemplateView):
    """Human documentation of the open data API, beside the OpenAPI document."""

    template_name = "contactpoints/api_docs.html"
    extra_context = {
        "rate": settings.SEARCH_RATE,
        "geocoder_rate": settings.GEOCODER_RATE,
        "within_km": settings.SEARCH_WITHIN_KM,
    }


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def embed(request: HttpRequest) -> HttpResponse:
    """The finder for other websites to put in an iframe: same search, compact page,
    links open in a new tab."""
    return _search(request, "contactpoints/embed.html", limit=5, target="_blank")


class EmbedCodeView(TemplateView):
    """How to put the finder on another website."""

    template_name = "contactpoints/embed_code.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            embed_url=self.request.build_absolute_uri(reverse("embed")), **kwargs
        )


# The short names residents read in a result's "not confirmed" note.
LABELS = {
    "has_private_room": "Private room",
    "has_step_free_access": "Step-free access",
    "has_hearing_loop": "Hearing loop",
    "has_interpreter": "Interpreter",
    "has_toilets": "Toilets",
}
# As a sentence names them: "known to have a private room".
PHRASES = {
    "has_private_room": "a private room",
    "has_step_free_access": "step-free access",
    "has_hearing_loop": "a hearing loop",
    "has_interpreter": "an interpreter",
    "has_toilets": "toilets",
}
assert set(LABELS) == set(PHRASES) == {name for name, _label in FACILITIES}


@dataclass(frozen=True)
class Result:
    contact_point: ContactPoint
    distance_m: float
    status_line: str
    is_open: bool
    directions_url: str
    # Labels of the facilities asked for that are not confirmed at this place.
    not_confirmed: tuple[str, ...] = ()
    # The parts of its card that are the same for every search (`card_parts`).
    card: tuple[str, str] = ("", "")


def card_parts(cp: ContactPoint, target: str = "") -> tuple[str, str]:
    """A result card's heading (its name, linked) and its foot (address, kind, the
    facilities confirmed there), as HTML: what `includes/search_results.html` places
    around the search's own lines (distance, status, directions). Noted once per data
    version (`search.noted`), not drawn for each search: a search's page spent about a
    third of its time drawing cards."""

    def draw() -> tuple[str, str]:
        link_target = format_html(' target="{}"', target) if target else ""
        head = format_html(
            '<h3><a href="{}"{}>{}</a></h3>', cp.get_absolute_url(), link_target, cp.name
        )
        return head, render_to_string("includes/result_card_foot.html", {"cp": cp})

    return search_module.noted(cp, f"card|{target}", draw)


def directions_url(origin: tuple[float, float], cp: ContactPoint) -> str:
    """Walking directions on OpenStreetMap from the searched place to the contact point."""
    assert cp.coordinates is not None
    route = f"{origin[0]:.5f},{origin[1]:.5f};{cp.coordinates[0]:.5f},{cp.coordinates[1]:.5f}"
    return "https://www.openstreetmap.org/directions?" + urlencode(
        {"engine": "fossgis_osrm_foot", "route": route}
    )


def find_nearest(
    place: Place,
    *,
    now: datetime,
    open_at: datetime | None = None,
    facilities: Sequence[str] = (),
    limit: int = 10,
    target: str = "",
) -> dict[str, Any]:
    """The nearest search (`search.nearest`) as the finder pages show it; `target`: where
    the cards' links open."""
    found = search_module.nearest(
        place, now=now, open_at=open_at, facilities=facilities, limit=limit
    )
    # Results are described at the moment searched for ("open at"), or now.
    moment = open_at or now
    searched = open_at is not None and open_at != now

    def status(cp: ContactPoint) -> tuple[str, bool]:
        if searched:
            return cp.status_line(moment, searched=True), cp.is_open_at(moment)
        line, is_open, _until = freshness.reading(cp, now)  # kept until it changes
        return line, is_open

    results = [
        Result(
            cp,
            distance,
            *status(cp),
            directions_url(place.coordinates, cp),
            tuple(LABELS[name] for name in found.not_confirmed.get(cp.pk, ())),
            card_parts(cp, target),
        )
        for cp, distance in found.results
    ]
    confirmed = None
    if found.nearest_confirmed:
        cp, distance = found.nearest_confirmed
        confirmed = Result(cp, distance, *status(cp), directions_url(place.coordinates, cp))
    fallback = None
    if found.nearest_open:
        cp, distance = found.nearest_open
        line, _is_open, _until = freshness.reading(cp, now)
        fallback = Result(cp, distance, line, True, directions_url(place.coordinates, cp))
    points = [
        {
            "name": f"You searched for {place.label}",
            "lat": place.latitude,
            "lon": place.longitude,
            "you": True,
        }
    ]
    points += map_points([r.contact_point for r in results])
    return {
        "place": place,
        "results": results,
        "fallback": fallback,
        "confirmed": confirmed,
        "nearest_unsure": bool(results and results[0].not_confirmed),
        "asked_for": [PHRASES[name] for name in facilities],
        "map_points": points,
        "within_km": found.within_km,
        "found": found,
    }


def search(request: HttpRequest) -> HttpResponse:
    """/search/?q=… or ?lat=…&lon=…: the nearest contact points, nearest first."""
    return _search(request, "contactpoints/search.html")


# Per client address, shared with the API's search (the same library, rate and counts):
# a generous budget for searches answered here (postcodes, coordinates); searches that
# reach the remote geocoder have their own, smaller limit (geocoding.locate).
_search_throttle = ClientRateThrottle(settings.SEARCH_RATE)


def _search(request: HttpRequest, template: str, limit: int = 10, target: str = "") -> HttpResponse:
    """The finder's answer in `template`; `target`: where its links open (the embedded
    widget's open a new tab)."""
    if not request.GET:
        return render(request, template, {"form": SearchForm()})
    if not _search_throttle.allow_request(request):
        context = {"form": SearchForm(request.GET), "map_config": map_config()}
        context["location_error"] = (
            "You have searched many times in a short while. Wait a minute, then try again."
        )
        context["location_error_retryable"] = True
        response = render(request, template, context, status=429)
        response["Retry-After"] = str(int(_search_throttle.wait() or 60) + 1)
        return response
    return pagecache.serve(
        kind="search", choices="", depends_on=(), personal=True,
        render=lambda now: _search_results(request, template, limit, now, target),
    )  # fmt: skip


def _search_results(
    request: HttpRequest, template: str, limit: int, now: datetime, target: str = ""
) -> tuple[HttpResponse, datetime]:
    """The results page, and until when it is right: the places on it may change, and
    who is open (filters, the nearest open place) changes when any place opens or closes."""
    form = SearchForm(request.GET)
    context: dict[str, Any] = {"form": form, "map_config": map_config()}
    if not form.is_valid():
        return render(request, template, context, status=400), now
    data = form.cleaned_data
    try:
        if data["lat"] is not None and data["lon"] is not None:
            place = geocoding.from_coordinates(data["lat"], data["lon"])
        else:
            place = geocoding.locate(data["q"], client=request)
    except geocoding.LocationError as error:
        context["location_error"] = str(error)
        context["location_error_retryable"] = error.retryable
        status = 429 if error.wait else 503 if error.retryable else 400
        response = render(request, template, context, status=status)
        if error.wait:
            response["Retry-After"] = str(error.wait)
        return response, now
    open_at = data["open_at"] or (now if data["open_now"] else None)
    context |= find_nearest(
        place, now=now, open_at=open_at, facilities=data["facilities"], limit=limit,
        target=target,
    )  # fmt: skip
    context |= {"now": now, "open_at": data["open_at"], "open_now": data["open_now"]}
    shown = [r.contact_point for r in context["results"]]
    if context["fallback"]:
        shown.append(context["fallback"].contact_point)
    until = min(freshness.shown_changes(shown, now), freshness.open_set_changes(now))
    response = render(request, template, context)
    search_module.answered(
        request, context["found"], moment=open_at or now, open_now=open_at is not None,
        facility=bool(data["facilities"]),
    )  # fmt: skip
    return response, until


def _directory_choices(request: HttpRequest) -> str | None:
    """The directory page asked for, as the key it is kept under: the cleaned filters
    (junk parameters neither multiply pages nor get past the cache) and the page number;
    None when the filters are not valid. No form for the plain directory, the most
    asked-for page, nor for filters this process has cleaned before: making a form copies
    its fields, and a bound one checks the borough against the places — a fifth of a
    kept page's time."""
    number = f"|page={request.GET.get('page', '1')}"
    if not request.GET:
        return number

    def clean() -> str | None:
        form = DirectoryFilterForm(request.GET)
        return f"{sorted(form.cleaned_data.items())}" if form.is_valid() else None

    found = pagecache.cleaned_choices(
        "directory", request.GET.urlencode(), clean, depends_on=(versions.PLACES,)
    )
    return None if found is None else found + number


class DirectoryView(ListView):
    """Every published contact point, filterable; the map shows the current page."""

    template_name = "contactpoints/directory.html"
    context_object_name = "contact_points"
    paginate_by = 20

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        def page(now: datetime) -> tuple[HttpResponse, datetime]:
            self.form = DirectoryFilterForm(request.GET or None)  # reads the boroughs
            self.now = now
            response = super(DirectoryView, self).get(request, *args, **kwargs)
            if self.form.is_bound and not self.form.is_valid():
                response.status_code = 400
            response.render()  # type: ignore[attr-defined]
            until = freshness.shown_changes(self.shown, now)
            if self.form.is_bound and self.form.is_valid() and self.form.cleaned_data["open_now"]:
                until = min(until, freshness.open_set_changes(now))
            return response, until

        with versions.pinned():  # the choices and the page from one version
            choices = _directory_choices(request)
            if choices is None:
                return page(timezone.now())[0]  # a 400: made for the asker, not kept
            return pagecache.serve(
                kind="directory", choices=choices, depends_on=(versions.PLACES,), render=page
            )

    def get_queryset(self) -> QuerySet[ContactPoint]:
        queryset = ContactPoint.objects.published().with_hours()
        if not self.form.is_bound:
            return queryset
        if not self.form.is_valid():
            return queryset.none()
        data = self.form.cleaned_data
        if data["borough"]:
            queryset = queryset.filter(borough=data["borough"])
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data["facilities"]:
            queryset = queryset.with_facility(*data["facilities"])
        if data["open_now"]:
            queryset = queryset.open_at(self.now).with_hours()
        if data["sort"] == "borough":
            queryset = queryset.order_by("borough", "name")
        return queryset

    def _unsure(self, cp: ContactPoint) -> list[str]:
        """Labels of the facilities filtered for that are not known at this place: the
        filter keeps such a place (`with_facility`), and the card says so."""
        asked = self.form.cleaned_data.get("facilities", []) if self.form.is_valid() else []
        return [LABELS[f.name] for f in cp.facilities() if f.name in asked and not f.confirmed]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = self.shown = list(context["contact_points"])
        context.update(
            form=self.form,
            now=self.now,
            rows=[(cp, *freshness.reading(cp, self.now)[:2], self._unsure(cp)) for cp in page],
            map_points=map_points(page),
            map_config=map_config(),
            query_without_page=_query_without_page(self.request),
        )
        return context


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class ContactPointDetailView(DetailView):
    template_name = "contactpoints/detail.html"
    context_object_name = "contact_point"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        def page(now: datetime) -> tuple[HttpResponse, datetime]:
            self.now = now
            response = super(ContactPointDetailView, self).get(request, *args, **kwargs)
            response.render()  # type: ignore[attr-defined]
            until = freshness.shown_changes([self.object, *self.shown], now)
            if self.shown or not self.open_now:
                # A closed place lists the nearest open ones: who is open decides them.
                until = min(until, freshness.open_set_changes(now))
            return response, until

        return pagecache.serve(
            kind="place", choices=str(kwargs.get("slug")), depends_on=(versions.PLACES,),
            render=page,
        )  # fmt: skip

    def get_queryset(self) -> QuerySet[ContactPoint]:
        return (
            ContactPoint.objects.published()
            .with_hours()
            .prefetch_related("replaces", "replaced_by")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cp: ContactPoint = self.object
        now = self.now
        today = hours.local(now).date()
        schedule = cp.schedule()
        status = cp.hours_status(now)
        alternatives, alternatives_open_now = self.alternatives(cp, now, status)
        self.shown = [other for other, _distance, _line in alternatives]
        self.open_now = bool(status and status.is_open)
        context.update(
            now=now,
            today=today,
            status=status,
            status_line=freshness.reading(cp, now).line,
            week=schedule.week(now) if cp.is_operating else [],
            next_sessions=schedule.next_sessions(now, 5) if cp.is_operating else [],
            rules=hours.describe_rules(schedule.rules_valid_on(today)),
            exceptions=cp.upcoming_exceptions(today),
            osm_opening_hours=prepared.osm_hours([cp], today)[cp.pk],
            provenance=cp.provenance(today),
            bank_holidays_confirmed=cp.is_confirmed(Fact.BANK_HOLIDAYS),
            entrance_confirmed=cp.is_confirmed(Fact.ENTRANCE),
            jsonld=self.jsonld(cp, schedule, today),
            alternatives=alternatives,
            alternatives_open_now=alternatives_open_now,
            map_points=map_points([cp]),
            map_config=map_config(),
        )
        return context

    def alternatives(
        self, cp: ContactPoint, now: datetime, status: hours.Status | None
    ) -> tuple[list[tuple[ContactPoint, float, str]], bool]:
        """When this one is closed: the nearest places open now or, if none is, the
        nearest that are still operating, so a resident always has somewhere to go.
        Returns the places and whether they are open now."""
        if (status and status.is_open) or cp.coordinates is None:
            return [], False
        nearest, open_now = search_module.alternatives(cp, now)
        places = [
            (other, distance, freshness.reading(other, now).line) for other, distance in nearest
        ]
        return places, open_now

    def jsonld(self, cp: ContactPoint, schedule: hours.Schedule, today: date) -> dict[str, Any]:
        url = self.request.build_absolute_uri(cp.get_absolute_url())
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "PoliceStation",
            "@id": url,
            "name": cp.name,
            "url": url,
            "telephone": "101",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": ", ".join(
                    p for p in (cp.host_venue, cp.address_line_1, cp.address_line_2) if p
                ),
                "addressLocality": cp.town,
                "postalCode": cp.postcode,
                "addressCountry": "GB",
            },
            # Only what is confirmed: an unconfirmed facility is not stated either way.
            "amenityFeature": [
                {"@type": "LocationFeatureSpecification", "name": f.label, "value": f.recorded}
                for f in cp.facilities()
                if f.confirmed
            ],
        }
        if cp.coordinates:
            latitude, longitude = cp.coordinates
            data["geo"] = {"@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude}
        if cp.is_operating:
            regular, special = exports.schema_opening_hours(schedule, today)
            data["openingHoursSpecification"] = regular
            if special:
                data["specialOpeningHoursSpecification"] = special
        return data


class PosterView(DetailView):
    """A printable A4 poster: name, where, usual hours, facilities, a QR code to the page."""

    template_name = "contactpoints/poster.html"
    context_object_name = "contact_point"

    def get_queryset(self) -> QuerySet[ContactPoint]:
        return ContactPoint.objects.published().with_hours()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cp: ContactPoint = self.object
        url = self.request.build_absolute_uri(cp.get_absolute_url())
        today = hours.local(timezone.now()).date()
        qr = segno.make(url, error="m")
        feedback_url = self.request.build_absolute_uri(f"/feedback/{cp.slug}/")
        feedback_qr = segno.make(feedback_url, error="m")
        context.update(
            page_url=url,
            qr_svg=mark_safe(qr.svg_inline(scale=5, border=2, omitsize=True)),  # noqa: S308 (generated by segno from our own URL)
            feedback_url=feedback_url,
            feedback_qr_svg=mark_safe(feedback_qr.svg_inline(scale=4, border=2, omitsize=True)),  # noqa: S308 (segno, from our own URL)
            rules=hours.describe_rules(cp.schedule().rules_valid_on(today)),
            exceptions=cp.upcoming_exceptions(today, limit=3),
            bank_holidays_confirmed=cp.is_confirmed(Fact.BANK_HOLIDAYS),
            # The caveat the page's status line carries, on paper too.
            hours_caveat=cp.hours_caveat(today),
        )
        return context


def sessions_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """The next CALENDAR_DAYS of opening sessions as an iCalendar feed."""
    cp = get_object_or_404(ContactPoint.objects.published().with_hours(), slug=slug)
    now = timezone.now()
    sessions = (
        cp.schedule().sessions_between(now - timedelta(days=1), now + timedelta(days=CALENDAR_DAYS))
        if cp.is_operating
        else []
    )
    body = exports.icalendar_feed(
        name=cp.name,
        uid_prefix=f"{cp.slug}@{request.get_host()}",
        url=request.build_absolute_uri(cp.get_absolute_url()),
        sessions=sessions,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{cp.slug}-sessions.ics"'
    response["Cache-Control"] = "public, max-age=900"
    return response


def _report_throttles() -> list[ClientRateThrottle]:
    """A few reports from one connection in ten minutes, more in a day: enough for a
    resident who finds several mistakes, not for a flood."""
    return [
        ClientRateThrottle(settings.WRONG_INFORMATION_RATE, "wrong-info"),
        ClientRateThrottle(settings.WRONG_INFORMATION_DAILY_RATE, "wrong-info-day"),
    ]


@never_cache
def report_wrong_information(request: HttpRequest, slug: str) -> HttpResponse:
    """/contact-points/<slug>/report/: tell us something on this page is wrong. The report
    goes to managers' fact-check list (back office) and is never published."""
    cp = get_object_or_404(ContactPoint.objects.published(), slug=slug)

    def page(form: WrongInformationForm, status: int = 200, message: str = "") -> HttpResponse:
        context = {"contact_point": cp, "form": form, "message": message}
        return render(request, "contactpoints/report.html", context, status=status)

    if request.method != "POST":
        return page(WrongInformationForm())
    form = WrongInformationForm(request.POST)
    if not form.is_valid():
        return page(form, 400)
    if form.cleaned_data["website"]:
        return page(WrongInformationForm(), 400, "This report could not be accepted.")
    wait = held_back(request, _report_throttles())
    if wait is not None:
        response = page(form, 429, "Many reports have come from this connection in a short "
                                   "while. Your report is below: please send it again later, "
                                   "or call 101.")  # fmt: skip
        response["Retry-After"] = str(wait)
        return response
    report = form.save(commit=False)
    report.contact_point = cp
    report.save()
    return render(request, "contactpoints/report_thanks.html", {"contact_point": cp})
