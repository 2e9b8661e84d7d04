"""Contact points, their opening hours and dated exceptions.

The rules for "is it open?" live in `contactpoints.hours` (pure Python); the models here
store the facts and hand them to that module through `ContactPoint.schedule()`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from places import postcodes

from . import exports, hours

if TYPE_CHECKING:
    from collections.abc import Iterable


class Kind(models.TextChoices):
    FRONT_COUNTER_24_7 = "front_counter_24_7", "24/7 front counter"
    FRONT_COUNTER = "front_counter", "Part-time front counter"
    CONTACT_POINT = "contact_point", "Contact point"
    POP_UP = "pop_up", "Pop-up session"


class Status(models.TextChoices):
    PLANNED = "planned", "Planned"
    OPEN = "open", "Open"
    SUSPENDED = "suspended", "Temporarily closed"
    CLOSED = "closed", "Closed permanently"


# (field name, label shown to residents). One list drives the model, filters and pages.
FACILITIES: list[tuple[str, str]] = [
    ("has_private_room", "Private room for a confidential conversation"),
    ("has_step_free_access", "Step-free access"),
    ("has_hearing_loop", "Hearing loop"),
    ("has_interpreter", "Interpreter or Language Line"),
    ("has_toilets", "Toilets"),
]

SERVICES: list[tuple[str, str]] = [
    ("offers_crime_reporting", "Report a crime"),
    ("offers_lost_property", "Lost and found property"),
    ("offers_bail_signing", "Bail and signing on"),
    ("offers_documents", "Produce documents"),
    ("offers_advice", "Advice and information"),
]


class Known(NamedTuple):
    """One fact about a place, in one of three states: yes, no or not known. A yes or
    no needs a source that says so (a `FactCheck` that is not unconfirmed); anything
    else is not known, whatever the record holds."""

    name: str
    label: str
    recorded: bool  # what the record holds (a draft until confirmed)
    confirmed: bool

    @property
    def state(self) -> str:
        if not self.confirmed:
            return "not_known"
        return "yes" if self.recorded else "no"

    @property
    def value(self) -> bool | None:
        """True, False, or None for not known (the API's three states)."""
        return self.recorded if self.confirmed else None


class PostcodeField(models.CharField):
    """A UK postcode, stored in its canonical form ("SW1A 1AA") whatever the spelling."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 8)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if value and postcodes.is_full_postcode(value):
            return postcodes.normalise(value)
        return value.strip() if isinstance(value, str) else value

    def formfield(
        self,
        form_class: Any = None,
        choices_form_class: Any = None,
        **kwargs: Any,
    ) -> Any:
        # People type spaces; the canonical form is never longer than 8.
        kwargs.setdefault("max_length", 20)
        return super().formfield(
            form_class=form_class, choices_form_class=choices_form_class, **kwargs
        )


def validate_postcode(value: str) -> None:
    try:
        postcodes.normalise(value)
    except postcodes.InvalidPostcode as error:
        raise ValidationError(str(error), code="invalid_postcode") from error


# The relations `with_hours` reads ahead, and where it keeps each on a place.
PREFETCHED = {
    "opening_rules": "prefetched_rules",
    "hours_exceptions": "prefetched_exceptions",
    "fact_checks": "prefetched_fact_checks",
}


class ContactPointQuerySet(models.QuerySet["ContactPoint"]):
    def published(self) -> ContactPointQuerySet:
        """What the public may see. Every public view starts here."""
        return self.filter(is_published=True)

    def counted(self) -> ContactPointQuerySet:
        """The published places that published figures (coverage, usage, reviews) count:
        an illustrative example is shown, labelled, but never counted."""
        return self.published().filter(is_illustrative=False)

    def operating(self) -> ContactPointQuerySet:
        """Open for business (not planned, suspended or closed for good): what a resident
        searching for somewhere to go should be offered."""
        return self.filter(status=Status.OPEN)

    def with_hours(self) -> ContactPointQuerySet:
        """With their hours and fact checks, three queries in all. Kept as plain lists on
        each place (`to_attr`): a prefetch into the related managers builds a queryset
        per place and relation, which was a third of the time to list 1,000 places."""
        return self.prefetch_related(
            *(Prefetch(relation, to_attr=attr) for relation, attr in PREFETCHED.items())
        )

    def with_facility(self, *names: str) -> ContactPointQuerySet:
        """Places where each of these facilities is there or not known: only a confirmed
        "no" leaves a place out, so that a filter never silently drops a place whose
        facility nobody has checked (pages label those; see `Known`)."""
        allowed = {name for name, _ in FACILITIES}
        unknown = set(names) - allowed
        if unknown:
            raise ValueError(f"unknown facilities: {sorted(unknown)}")
        queryset = self
        for name in names:
            confirmed = FactCheck.objects.filter(contact_point=OuterRef("pk"), fact=name).exclude(
                basis=Basis.UNCONFIRMED
            )
            queryset = queryset.exclude(Q(**{name: False}) & Exists(confirmed))
        return queryset

    def schedules(self, *, on: Sequence[date] | None = None) -> dict[int, hours.Schedule]:
        """{pk: schedule} for these contact points, from three flat queries.

        Built from rows rather than model instances: evaluating "open now" for every
        contact point is the directory's hot path. With `on` (local dates), only the rules
        and exceptions that can apply on those dates are read, so the schedules answer
        correctly for those dates only.
        """
        policies = dict(self.values_list("pk", "closed_on_bank_holidays"))
        rules = OpeningRule.objects.filter(contact_point__in=self.values("pk"))
        exceptions = HoursException.objects.filter(contact_point__in=self.values("pk"))
        if on:
            first, last = min(on), max(on)
            rules = rules.filter(
                Q(valid_from__isnull=True) | Q(valid_from__lte=last),
                Q(valid_until__isnull=True) | Q(valid_until__gte=first),
                weekday__in={day.weekday() for day in on},
            )
            exceptions = exceptions.filter(starts_on__lte=last, ends_on__gte=first)
        rules_by_cp: dict[int, list[hours.WeeklyRule]] = defaultdict(list)
        for cp_id, *fields in rules.values_list("contact_point_id", *RULE_FIELDS):
            rules_by_cp[cp_id].append(OpeningRule.rule_from_row(*fields))
        exceptions_by_cp: dict[int, list[hours.DatedException]] = defaultdict(list)
        for cp_id, *fields in exceptions.values_list("contact_point_id", *EXCEPTION_FIELDS):
            exceptions_by_cp[cp_id].append(hours.DatedException(*fields))
        return {
            pk: hours.Schedule(
                rules=rules_by_cp[pk],
                exceptions=exceptions_by_cp[pk],
                closed_on_bank_holidays=closed_on_bank_holidays,
            )
            for pk, closed_on_bank_holidays in policies.items()
        }

    def open_pks(self, when: datetime) -> set[int]:
        """Primary keys of those open at `when` (contactpoints.openings: opening rules are
        too rich for SQL, so each candidate's schedule lays out its sessions)."""
        from . import openings

        return openings.open_pks(self, when)

    def open_at(self, when: datetime) -> ContactPointQuerySet:
        """Those open at `when`, as a queryset."""
        return self.filter(pk__in=self.open_pks(when))


class ContactPoint(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    host_venue = models.CharField(
        max_length=200, blank=True, help_text="The building it is in, e.g. a library."
    )
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, default="London")
    postcode = PostcodeField(
        blank=True,
        validators=[validate_postcode],
        help_text="Full UK postcode, e.g. WC2N 4JP. Leave blank if not known.",
    )
    borough = models.CharField(max_length=100)
    ward = models.CharField(max_length=100, blank=True)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="WGS84. Click the map to set it.",
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="WGS84. Click the map to set it.",
    )

    entrance_description = models.TextField(
        "how to find the entrance",
        blank=True,
        help_text="What it looks like and where to go once inside.",
    )
    photo = models.ImageField(upload_to="contact-points/", blank=True)
    photo_alt_text = models.CharField(
        max_length=250, blank=True, help_text="Describe the photo for people who cannot see it."
    )

    has_private_room = models.BooleanField("private room", default=False)
    has_step_free_access = models.BooleanField("step-free access", default=False)
    has_hearing_loop = models.BooleanField("hearing loop", default=False)
    has_interpreter = models.BooleanField("interpreter / Language Line", default=False)
    has_toilets = models.BooleanField("toilets", default=False)

    offers_crime_reporting = models.BooleanField("report a crime", default=False)
    offers_lost_property = models.BooleanField("lost and found property", default=False)
    offers_bail_signing = models.BooleanField("bail and signing on", default=False)
    offers_documents = models.BooleanField("produce documents", default=False)
    offers_advice = models.BooleanField("advice and information", default=False)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(
        null=True, blank=True, help_text="When it closed permanently, if known."
    )
    closed_by = models.DateField(
        "closed no later than",
        null=True,
        blank=True,
        help_text="When the exact closing date is not known: the date of the first source "
        "that says it had closed. Coverage of earlier weeks counts the place as possibly open.",
    )
    status_note = models.CharField(
        max_length=300, blank=True, help_text="Shown with the status, e.g. why it is closed."
    )
    replaces = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="replaced_by",
        help_text="Stations or counters this one replaced.",
    )
    alternatives_text = models.TextField(
        "local alternatives",
        blank=True,
        help_text="Extra local options; 999, 101 and online reporting are always shown.",
    )
    closed_on_bank_holidays = models.BooleanField(
        default=True, help_text="Closed on bank holidays in England and Wales."
    )
    annual_cost = models.DecimalField(
        "annual running cost (£)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Staff time, rent and overheads a year, where known: gives cost per visit.",
    )
    former_weekly_hours = models.DecimalField(
        "advertised hours a week before it closed",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
        help_text="For a closed station: for the 'equivalent or better' comparison.",
    )
    former_weekly_visits = models.DecimalField(
        "visits a week before it closed",
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Where known, with its source in 'sources'.",
    )

    caveats = models.TextField(
        "what we have not confirmed",
        blank=True,
        help_text="Shown to the public: facts we could not verify.",
    )
    sources = models.TextField(blank=True, help_text="Where the facts came from.")
    is_published = models.BooleanField("published", default=False)
    is_illustrative = models.BooleanField(
        "illustrative example",
        default=False,
        help_text="Not a real place: shown (and labelled) to demonstrate a feature, never "
        "counted in published coverage, usage or reviews.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Drawn anew by the database whenever the place, its hours or its facts are written
    # (contactpoints/revisions.py): read it from the database, never from an instance.
    revision = models.BigIntegerField(default=0, editable=False)

    objects = ContactPointQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="contactpoint_latitude_range",
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            ),
            models.CheckConstraint(
                name="contactpoint_longitude_range",
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            ),
            models.CheckConstraint(
                name="contactpoint_lat_lon_together",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
            models.CheckConstraint(
                name="contactpoint_kind_valid", condition=Q(kind__in=Kind.values)
            ),
            models.CheckConstraint(
                name="contactpoint_status_valid", condition=Q(status__in=Status.values)
            ),
            models.CheckConstraint(
                name="contactpoint_closed_after_opened",
                condition=Q(opened_on__isnull=True)
                | Q(closed_on__isnull=True)
                | Q(closed_on__gte=F("opened_on")),
            ),
            models.CheckConstraint(
                name="contactpoint_photo_has_alt_text",
                condition=Q(photo="") | ~Q(photo_alt_text=""),
            ),
            models.CheckConstraint(name="contactpoint_slug_not_empty", condition=~Q(slug="")),
            models.CheckConstraint(
                name="contactpoint_cost_not_negative",
                condition=Q(annual_cost__isnull=True) | Q(annual_cost__gte=0),
            ),
            models.CheckConstraint(
                name="contactpoint_former_hours_range",
                condition=Q(former_weekly_hours__isnull=True)
                | Q(former_weekly_hours__gte=0, former_weekly_hours__lte=168),
            ),
        ]
        indexes = [
            # The nearest search prefilters on a bounding box of these two columns.
            models.Index(fields=["is_published", "borough"], name="contactpoint_pub_borough"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # Kept on the places a search keeps loaded for a data version (contactpoints.search).
        memo = self.__dict__.get("_url_memo")
        return memo or reverse("contactpoints:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = "Give both latitude and longitude, or neither."
        if self.status == Status.OPEN and self.latitude is None and "latitude" not in errors:
            errors["latitude"] = (
                "An operating contact point needs a location, or no search can find it: "
                "set it on the map, or mark it planned or temporarily closed."
            )
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            errors["closed_on"] = "The closing date cannot be before the opening date."
        if self.photo and not self.photo_alt_text.strip():
            errors["photo_alt_text"] = "Describe the photo for people who cannot see it."
        if errors:
            raise ValidationError(errors)

    # --- What residents see -------------------------------------------------------------

    @property
    def address_lines(self) -> list[str]:
        parts = [self.host_venue, self.address_line_1, self.address_line_2, self.town]
        lines = [p for p in parts if p]
        if self.postcode:
            lines.append(self.postcode)
        return lines

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def coordinates(self) -> tuple[float, float] | None:
        """(latitude, longitude) as floats, or None when the location is not known."""
        if self.latitude is None or self.longitude is None:
            return None
        return (float(self.latitude), float(self.longitude))

    def facilities(self) -> list[Known]:
        return self._known(FACILITIES)

    def services(self) -> list[Known]:
        return self._known(SERVICES)

    def _known(self, fields: list[tuple[str, str]]) -> list[Known]:
        """Each of these facts in its three states: yes or no only where a fact check
        says how it is known (checked on site or a named source); otherwise not known,
        whatever the record holds."""
        facts = self.fact_checks_by_fact()
        rows = []
        for name, label in fields:
            check = facts.get(name)
            confirmed = bool(check and check.confirmed)
            rows.append(Known(name, label, bool(getattr(self, name)), confirmed))
        return rows

    def fact_checks_by_fact(self) -> dict[str, FactCheck]:
        """{fact: FactCheck} from the prefetched `fact_checks` (see with_hours); worked out
        once per instance when prefetched (a page asks many times), else read afresh."""
        memo = self.__dict__.get("_facts_memo")
        prefetched = self._prefetched("fact_checks")
        if prefetched and memo is not None:
            return memo
        found = {check.fact: check for check in self._related("fact_checks")}
        if prefetched:
            self.__dict__["_facts_memo"] = found
        return found

    def _prefetched(self, *names: str) -> bool:
        return all(PREFETCHED[name] in self.__dict__ for name in names)

    def _related(self, name: str) -> list[Any]:
        """The rows of `name` (opening_rules, hours_exceptions, fact_checks): prefetched by
        `with_hours`, else read now."""
        found = self.__dict__.get(PREFETCHED[name])
        return found if found is not None else list(getattr(self, name).all())

    def provenance(self, today: date) -> list[tuple[str, str, bool]]:
        """(fact, how it is known, confirmed) for every fact a resident relies on."""
        facts = self.fact_checks_by_fact()
        rows = []
        for fact, label in Fact.choices:
            check = facts.get(fact)
            described = check.describe(today) if check else "not yet confirmed"
            rows.append((label, described, bool(check and check.confirmed)))
        return rows

    def is_confirmed(self, fact: str) -> bool:
        check = self.fact_checks_by_fact().get(fact)
        return bool(check and check.confirmed)

    # --- Opening hours ------------------------------------------------------------------

    def schedule(self) -> hours.Schedule:
        """This contact point's hours as the pure `hours.Schedule` (uses prefetches). With
        the hours prefetched (`with_hours`: read-only for the request), made once per
        instance: a page or an API answer asks for it several times per place."""
        memo = self.__dict__.get("_schedule_memo")
        prefetched = self._prefetched("opening_rules", "hours_exceptions")
        if prefetched and memo is not None and memo[0] == self.closed_on_bank_holidays:
            return memo[1]
        found = hours.Schedule(
            rules=[rule.as_rule() for rule in self._related("opening_rules")],
            exceptions=[exc.as_exception() for exc in self._related("hours_exceptions")],
            closed_on_bank_holidays=self.closed_on_bank_holidays,
        )
        if prefetched:
            self.__dict__["_schedule_memo"] = (self.closed_on_bank_holidays, found)
        return found

    @property
    def is_operating(self) -> bool:
        return self.status == Status.OPEN

    def is_open_at(self, when: datetime) -> bool:
        return self.is_operating and self.schedule().is_open_at(when)

    def hours_status(self, when: datetime | None = None) -> hours.Status | None:
        """The open/closed status, or None when the contact point is not operating."""
        if not self.is_operating:
            return None
        return self.schedule().status(when or timezone.now())

    def status_line(self, when: datetime | None = None, *, searched: bool = False) -> str:
        """One sentence a resident reads first: open now, when it opens, or why not. With
        `searched`, `when` is a moment the resident asked about, and the line says so."""
        if self.status == Status.CLOSED:
            closed = date_format(self.closed_on, "j F Y") if self.closed_on else ""
            return f"Closed permanently on {closed}" if closed else "Closed permanently"
        if self.status == Status.SUSPENDED:
            return "Temporarily closed" + (f": {self.status_note}" if self.status_note else "")
        if self.status == Status.PLANNED:
            if self.opened_on:
                return f"Not open yet — opens on {date_format(self.opened_on, 'j F Y')}"
            return "Not open yet"
        status = self.hours_status(when)
        assert status is not None
        return status.describe(searched=searched) + self._hours_caveat(status)

    def _hours_caveat(self, status: hours.Status) -> str:
        """What the status line must add so it never states an unconfirmed fact as
        certain: hours not confirmed, or a bank holiday whose opening is not confirmed."""
        last = self._hours_last_confirmed(hours.local(status.at).date())
        if last == "":
            return " (hours not confirmed: call 101 before you travel)"
        if last:
            return f" (hours last confirmed {last}: call 101 before you travel)"
        if self.closed_on_bank_holidays or self.is_confirmed(Fact.BANK_HOLIDAYS):
            return ""
        moments = [status.at]
        if status.next_session:
            moments.append(status.next_session.start)
        if any(hours.bank_holiday_name(hours.local(m).date()) for m in moments):
            return " (bank holiday opening not confirmed: call 101 before you travel)"
        return ""

    def hours_caveat(self, today: date) -> str:
        """What printed hours must say beside them when they are not confirmed, or were
        confirmed over a year ago; empty when they were confirmed within the year."""
        last = self._hours_last_confirmed(today)
        if last == "":
            return "These hours are not confirmed: call 101 before you travel."
        if last:
            return f"These hours were last confirmed in {last}: call 101 before you travel."
        return ""

    def _hours_last_confirmed(self, today: date) -> str | None:
        """The one rule the status line and printed hours both follow: None when the hours
        were confirmed within the year; else when they were last confirmed ("March
        2013"), or "" when they never were."""
        check = self.fact_checks_by_fact().get(Fact.HOURS)
        if not (check and check.confirmed):
            return ""
        if check.is_stale(today):
            return date_format(check.checked_on, "F Y") if check.checked_on else "long ago"
        return None

    def osm_opening_hours(self, today: date) -> str:
        """The OSM `opening_hours` value (see `exports`); a place that is not operating
        is `off`, with why."""
        if not self.is_operating:
            return f'off "{self.status_line().replace(chr(34), chr(39))}"'
        return exports.osm_opening_hours(self.schedule(), today)

    def upcoming_exceptions(self, today: date, limit: int = 5) -> Iterable[HoursException]:
        return [e for e in self._related("hours_exceptions") if e.ends_on >= today][:limit]


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Recurrence(models.TextChoices):
    WEEKLY = hours.Recurrence.WEEKLY.value, "Every week"
    FORTNIGHTLY = hours.Recurrence.FORTNIGHTLY.value, "Every other week"
    MONTHLY = hours.Recurrence.MONTHLY.value, "Once a month"


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, "First"
    SECOND = 2, "Second"
    THIRD = 3, "Third"
    FOURTH = 4, "Fourth"
    FIFTH = 5, "Fifth"
    LAST = hours.LAST_WEEK, "Last"


class OpeningRule(models.Model):
    """A recurring session: e.g. every Wednesday 19:00–20:00, or the first Thursday."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="opening_rules"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()
    overnight = models.BooleanField(
        "closes after midnight",
        default=False,
        help_text="Tick if it closes the next day. 00:00 to 00:00 with this ticked is 24 hours.",
    )
    recurrence = models.CharField(
        max_length=16, choices=Recurrence.choices, default=Recurrence.WEEKLY
    )
    week_of_month = models.SmallIntegerField(
        choices=WeekOfMonth.choices,
        null=True,
        blank=True,
        help_text="For 'once a month': which week, e.g. first Thursday.",
    )
    anchor_date = models.DateField(
        null=True, blank=True, help_text="For 'every other week': any date it runs on."
    )
    valid_from = models.DateField(null=True, blank=True, help_text="Leave blank: always.")
    valid_until = models.DateField(null=True, blank=True, help_text="Leave blank: no end.")

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                name="openingrule_weekday_range", condition=Q(weekday__gte=0, weekday__lte=6)
            ),
            models.CheckConstraint(
                name="openingrule_closes_after_opens",
                condition=Q(overnight=False, closes__gt=F("opens"))
                | Q(overnight=True, closes__lte=F("opens")),
            ),
            models.CheckConstraint(
                name="openingrule_recurrence_valid", condition=Q(recurrence__in=Recurrence.values)
            ),
            models.CheckConstraint(
                name="openingrule_fortnightly_has_anchor",
                condition=~Q(recurrence=Recurrence.FORTNIGHTLY) | Q(anchor_date__isnull=False),
            ),
            models.CheckConstraint(
                name="openingrule_monthly_has_week",
                condition=~Q(recurrence=Recurrence.MONTHLY) | Q(week_of_month__isnull=False),
            ),
            models.CheckConstraint(
                name="openingrule_valid_period_order",
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.describe()}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.opens is not None and self.closes is not None:
            if not self.overnight and self.closes <= self.opens:
                errors["closes"] = (
                    "The closing time must be after the opening time. If it closes after "
                    "midnight, tick 'closes after midnight'."
                )
            elif self.overnight and self.closes > self.opens:
                errors["overnight"] = (
                    "A session that closes after midnight cannot run for more than 24 hours: "
                    "untick 'closes after midnight' or correct the times."
                )
        if self.recurrence == Recurrence.FORTNIGHTLY and not self.anchor_date:
            errors["anchor_date"] = "For 'every other week', give a date it runs on."
        if self.recurrence == Recurrence.MONTHLY and self.week_of_month is None:
            errors["week_of_month"] = "For 'once a month', choose which week."
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = "The end date cannot be before the start date."
        if errors:
            raise ValidationError(errors)

    def as_rule(self) -> hours.WeeklyRule:
        return self.rule_from_row(*(getattr(self, name) for name in RULE_FIELDS))

    @staticmethod
    def rule_from_row(*row: Any) -> hours.WeeklyRule:
        """A `hours.WeeklyRule` from the values of RULE_FIELDS, in order."""
        weekday, opens, closes, overnight, recurrence, week, anchor, start, end = row
        return hours.WeeklyRule(
            weekday=weekday,
            opens=opens,
            closes=closes,
            overnight=overnight,
            recurrence=hours.Recurrence(recurrence),
            week_of_month=week,
            anchor=anchor,
            valid_from=start,
            valid_until=end,
        )

    def describe(self) -> str:
        return hours.describe_rule(self.as_rule())


class HoursException(models.Model):
    """Dates when the usual hours do not apply: closed, or open at different times."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="hours_exceptions"
    )
    starts_on = models.DateField("from")
    ends_on = models.DateField("until", help_text="The same date for a single day.")
    is_closed = models.BooleanField(
        "closed", default=True, help_text="Untick to give different opening times instead."
    )
    opens = models.TimeField(null=True, blank=True)
    closes = models.TimeField(null=True, blank=True)
    overnight = models.BooleanField("closes after midnight", default=False)
    reason = models.CharField(
        max_length=200, help_text="Shown to the public, e.g. 'Staff training'."
    )

    class Meta:
        ordering = ["starts_on", "opens"]
        verbose_name = "dated exception"
        constraints = [
            models.CheckConstraint(
                name="hoursexception_dates_order", condition=Q(ends_on__gte=F("starts_on"))
            ),
            models.CheckConstraint(
                name="hoursexception_closed_has_no_times",
                condition=Q(is_closed=False) | Q(opens__isnull=True, closes__isnull=True),
            ),
            models.CheckConstraint(
                name="hoursexception_open_has_times",
                # Explicit NOT NULLs: a CHECK whose comparison is NULL would pass.
                condition=Q(is_closed=True)
                | Q(opens__isnull=False, closes__isnull=False)
                & (
                    Q(overnight=False, closes__gt=F("opens"))
                    | Q(overnight=True, closes__lte=F("opens"))
                ),
            ),
            models.CheckConstraint(name="hoursexception_reason_given", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}: {self.reason}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The last date cannot be before the first date."
        if self.is_closed:
            if self.opens or self.closes:
                errors["opens"] = (
                    "Leave the times empty when closed, or untick 'closed' to give "
                    "different opening times."
                )
        elif self.opens is None or self.closes is None:
            errors["opens"] = "Give an opening and a closing time, or tick 'closed'."
        elif not self.overnight and self.closes <= self.opens:
            errors["closes"] = (
                "The closing time must be after the opening time. If it closes after "
                "midnight, tick 'closes after midnight'."
            )
        elif self.overnight and self.closes > self.opens:
            errors["overnight"] = "A session cannot run for more than 24 hours."
        if errors:
            raise ValidationError(errors)

    def as_exception(self) -> hours.DatedException:
        return hours.DatedException(*(getattr(self, name) for name in EXCEPTION_FIELDS))


# Column order shared by the model methods and the bulk loader in
# ContactPointQuerySet.schedules(); it matches the hours dataclasses' field order.
RULE_FIELDS = [
    "weekday",
    "opens",
    "closes",
    "overnight",
    "recurrence",
    "week_of_month",
    "anchor_date",
    "valid_from",
    "valid_until",
]
EXCEPTION_FIELDS = ["starts_on", "ends_on", "is_closed", "opens", "closes", "overnight", "reason"]


# --- How each fact is known ------------------------------------------------------------------

# A check older than this is stale: shown with its date, listed for managers to redo.
STALE_AFTER = timedelta(days=365)


class Fact(models.TextChoices):
    """The facts a resident travels on. Each records how it is known."""

    HOURS = "hours", "Opening hours"
    BANK_HOLIDAYS = "bank_holidays", "Bank holiday opening"
    PRIVATE_ROOM = "has_private_room", "Private room"
    STEP_FREE = "has_step_free_access", "Step-free access"
    HEARING_LOOP = "has_hearing_loop", "Hearing loop"
    INTERPRETER = "has_interpreter", "Interpreter or Language Line"
    TOILETS = "has_toilets", "Toilets"
    ENTRANCE = "entrance", "Entrance directions"
    CRIME_REPORTING = "offers_crime_reporting", "Report a crime"
    LOST_PROPERTY = "offers_lost_property", "Lost and found property"
    BAIL_SIGNING = "offers_bail_signing", "Bail and signing on"
    DOCUMENTS = "offers_documents", "Produce documents"
    ADVICE = "offers_advice", "Advice and information"


class Basis(models.TextChoices):
    CHECKED = "checked", "Checked on site"
    SOURCE = "source", "From a named source"
    UNCONFIRMED = "unconfirmed", "Not confirmed"


# How a fact with no FactCheck row is known: it is not.
UNCONFIRMED: dict[str, Any] = {
    "basis": Basis.UNCONFIRMED,
    "checked_on": None,
    "checked_by": "",
    "source": "",
}


class FactCheck(models.Model):
    """How one fact about one contact point is known. No row means not confirmed."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="fact_checks"
    )
    fact = models.CharField(max_length=32, choices=Fact.choices)
    basis = models.CharField(max_length=16, choices=Basis.choices, default=Basis.UNCONFIRMED)
    checked_on = models.DateField(
        "checked on", null=True, blank=True, help_text="When it was checked, or the source's date."
    )
    checked_by = models.CharField(
        max_length=200, blank=True, help_text="Who checked it on site (name or role)."
    )
    source = models.CharField(
        max_length=300, blank=True, help_text="The named source, when not checked on site."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [F("checked_on").asc(nulls_first=True), "contact_point__name", "fact"]
        verbose_name = "how a fact is known"
        verbose_name_plural = "how facts are known"
        constraints = [
            models.UniqueConstraint(fields=["contact_point", "fact"], name="one_check_per_fact"),
            models.CheckConstraint(
                condition=~Q(basis=Basis.CHECKED)
                | (Q(checked_on__isnull=False) & ~Q(checked_by="")),
                name="site_check_has_date_and_person",
            ),
            models.CheckConstraint(
                condition=~Q(basis=Basis.SOURCE) | ~Q(source=""),
                name="sourced_fact_names_its_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_point}: {self.get_fact_display()} — {self.describe()}"

    def clean(self) -> None:
        errors = {}
        if self.basis == Basis.CHECKED:
            if not self.checked_on:
                errors["checked_on"] = "Say when it was checked on site."
            if not self.checked_by:
                errors["checked_by"] = "Say who checked it on site."
        if self.basis == Basis.SOURCE and not self.source:
            errors["source"] = "Name the source."
        if self.checked_on and self.checked_on > timezone.localdate():
            errors["checked_on"] = "A check cannot be in the future."
        if errors:
            raise ValidationError(errors)

    @property
    def confirmed(self) -> bool:
        return self.basis != Basis.UNCONFIRMED

    def values(self) -> dict[str, Any]:
        """How it is known, as the importer, the demo and the API exchange it."""
        return {name: getattr(self, name) for name in UNCONFIRMED}

    def is_stale(self, today: date) -> bool:
        return (
            not self.confirmed or self.checked_on is None or (today - self.checked_on > STALE_AFTER)
        )

    def describe(self, today: date | None = None) -> str:
        """'checked on site on 3 March 2026 by PC Lee', 'from <source> (March 2026)',
        'not yet confirmed'; a check over a year old says so."""
        when = date_format(self.checked_on, "j F Y") if self.checked_on else ""
        if self.basis == Basis.CHECKED:
            text = f"checked on site on {when} by {self.checked_by}"
        elif self.basis == Basis.SOURCE:
            text = f"from {self.source}" + (f" ({when})" if when else "")
        else:
            return "not yet confirmed"
        if today and self.checked_on and today - self.checked_on > STALE_AFTER:
            text += " — over a year ago, so it may have changed"
        return text


class Wrong(models.TextChoices):
    """What a resident can say is wrong about a place (as NHS.UK's "report incorrect
    information" asks): about the place, never about a person."""

    HOURS = "hours", "The opening times"
    CLOSED = "closed", "It has closed or moved"
    WHERE = "where", "The address, map position or entrance"
    FACILITIES = "facilities", "The facilities (private room, step-free access …)"
    SERVICES = "services", "What you can do there"
    OTHER = "other", "Something else"


class WrongInformation(models.Model):
    """A resident's report that something on a place's page is wrong. Kept for managers
    to check (the fact-check list in the back office) and never published; it records
    no one's identity — no address, no account, only the day it came."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="wrong_information"
    )
    what = models.CharField("what is wrong", max_length=16, choices=Wrong.choices)
    note = models.TextField(
        blank=True, max_length=500, help_text="What the resident saw (about the place only)."
    )
    received_on = models.DateField(default=timezone.localdate, editable=False)
    checked_on = models.DateField(
        null=True, blank=True, help_text="When a manager checked it (and fixed the page if needed)."
    )
    outcome = models.CharField(max_length=300, blank=True, help_text="What was found and done.")

    class Meta:
        ordering = [F("checked_on").asc(nulls_first=True), "received_on", "pk"]
        verbose_name = "report of wrong information"
        verbose_name_plural = "reports of wrong information"
        constraints = [
            models.CheckConstraint(
                condition=Q(what__in=Wrong.values), name="wronginformation_what_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_point}: {self.get_what_display()} ({self.received_on:%-d %b %Y})"


class PreparedHours(models.Model):
    """A place's OSM `opening_hours` from one day, worked out once and kept, by what it is
    made of (`contactpoints.prepared`): the same hours on the same day give the same key,
    so an edit to one place makes only that place's value new, and every worker reads
    what one has worked out."""

    key = models.CharField(max_length=64, unique=True)
    day = models.DateField(db_index=True)
    osm = models.TextField()

    class Meta:
        verbose_name_plural = "prepared hours"

    def __str__(self) -> str:
        return f"{self.day}: {self.osm[:40]}"
