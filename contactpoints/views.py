from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from . import exports, hours
from .forms import DirectoryFilterForm
from .maps import map_config
from .models import ContactPoint, Status

CALENDAR_DAYS = 90


def map_points(contact_points: list[ContactPoint]) -> list[dict[str, Any]]:
    return [
        {"name": cp.name, "url": cp.get_absolute_url(), "lat": lat, "lon": lon}
        for cp in contact_points
        if cp.coordinates
        for lat, lon in [cp.coordinates]
    ]


class HomeView(TemplateView):
    template_name = "contactpoints/home.html"


class DirectoryView(ListView):
    """Every published contact point, filterable; the map shows the current page."""

    template_name = "contactpoints/directory.html"
    context_object_name = "contact_points"
    paginate_by = 20

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.form = DirectoryFilterForm(request.GET or None)
        self.now = timezone.now()
        response = super().get(request, *args, **kwargs)
        if self.form.is_bound and not self.form.is_valid():
            response.status_code = 400
        return response

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

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = list(context["contact_points"])
        context.update(
            form=self.form,
            now=self.now,
            rows=[(cp, cp.status_line(self.now), cp.is_open_at(self.now)) for cp in page],
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

    def get_queryset(self) -> QuerySet[ContactPoint]:
        return (
            ContactPoint.objects.published()
            .with_hours()
            .prefetch_related("replaces", "replaced_by")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cp: ContactPoint = self.object
        now = timezone.now()
        today = hours.local(now).date()
        schedule = cp.schedule()
        status = cp.hours_status(now)
        alternatives, alternatives_open_now = self.alternatives(cp, now, status)
        context.update(
            now=now,
            today=today,
            status=status,
            status_line=cp.status_line(now),
            week=schedule.week(now) if cp.is_operating else [],
            next_sessions=schedule.next_sessions(now, 5) if cp.is_operating else [],
            rules=[hours.describe_rule(r) for r in schedule.rules_valid_on(today)],
            exceptions=cp.upcoming_exceptions(today),
            osm_opening_hours=exports.osm_opening_hours(schedule, today),
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
        others = ContactPoint.objects.published().filter(status=Status.OPEN).exclude(pk=cp.pk)
        nearest = others.open_at(now).with_hours().nearest(*cp.coordinates, limit=3)
        open_now = bool(nearest)
        if not open_now:
            nearest = others.with_hours().nearest(*cp.coordinates, limit=3)
        places = [(other, distance, other.status_line(now)) for other, distance in nearest]
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
            "amenityFeature": [
                {"@type": "LocationFeatureSpecification", "name": label, "value": present}
                for _name, label, present in cp.facilities()
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
