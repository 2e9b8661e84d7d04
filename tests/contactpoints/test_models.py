"""Invariants live in the database: each named constraint refuses bad data."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contactpoints.models import ContactPoint, Status
from core.time import LONDON
from tests.factories import ContactPointFactory, HoursExceptionFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db


def _refused(factory: object, constraint: str, **kwargs: object) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        factory(**kwargs)  # type: ignore[operator]


def test_contact_point_constraints() -> None:
    _refused(ContactPointFactory, "contactpoint_latitude_range", latitude=Decimal("91"))
    _refused(ContactPointFactory, "contactpoint_longitude_range", longitude=Decimal("-181"))
    _refused(ContactPointFactory, "contactpoint_lat_lon_together", longitude=None)
    _refused(ContactPointFactory, "contactpoint_kind_valid", kind="police_box")
    _refused(ContactPointFactory, "contactpoint_status_valid", status="gone")
    _refused(
        ContactPointFactory,
        "contactpoint_closed_after_opened",
        opened_on=date(2013, 9, 1),
        closed_on=date(2012, 1, 1),
    )
    _refused(ContactPointFactory, "contactpoint_photo_has_alt_text", photo="a.jpg")
    _refused(ContactPointFactory, "contactpoint_slug_not_empty", slug="")


def test_opening_rule_constraints() -> None:
    _refused(OpeningRuleFactory, "openingrule_weekday_range", weekday=7)
    _refused(OpeningRuleFactory, "openingrule_closes_after_opens", opens=time(20), closes=time(19))
    _refused(
        OpeningRuleFactory,
        "openingrule_closes_after_opens",
        opens=time(19),
        closes=time(20),
        overnight=True,
    )
    _refused(OpeningRuleFactory, "openingrule_fortnightly_has_anchor", recurrence="fortnightly")
    _refused(OpeningRuleFactory, "openingrule_monthly_has_week", recurrence="monthly")
    _refused(
        OpeningRuleFactory,
        "openingrule_valid_period_order",
        valid_from=date(2026, 3, 3),
        valid_until=date(2026, 3, 2),
    )
    OpeningRuleFactory(opens=time(22), closes=time(2), overnight=True)  # past midnight is fine
    OpeningRuleFactory(opens=time(0), closes=time(0), overnight=True)  # 24 hours is fine


def test_hours_exception_constraints() -> None:
    day = date(2026, 12, 24)
    _refused(
        HoursExceptionFactory, "hoursexception_dates_order", starts_on=day, ends_on=date(2026, 1, 1)
    )
    _refused(
        HoursExceptionFactory,
        "hoursexception_closed_has_no_times",
        starts_on=day,
        ends_on=day,
        opens=time(10),
    )
    _refused(
        HoursExceptionFactory,
        "hoursexception_open_has_times",
        starts_on=day,
        ends_on=day,
        is_closed=False,
    )
    _refused(
        HoursExceptionFactory, "hoursexception_reason_given", starts_on=day, ends_on=day, reason=""
    )


def test_postcode_is_validated_and_normalised_on_clean() -> None:
    cp = ContactPointFactory.build(postcode=" wc2n4jp ")
    cp.full_clean(exclude=["slug"])
    assert cp.postcode == "WC2N 4JP"
    bad = ContactPointFactory.build(postcode="not a postcode")
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "is not a full UK postcode" in str(caught.value.message_dict["postcode"])


def test_published_is_what_the_public_sees() -> None:
    shown = ContactPointFactory()
    ContactPointFactory(is_published=False)
    assert list(ContactPoint.objects.published()) == [shown]


def test_status_line_for_each_status() -> None:
    closed = ContactPointFactory(status=Status.CLOSED, closed_on=date(2026, 2, 28))
    assert closed.status_line() == "Closed permanently on 28 February 2026"
    unknown_date = ContactPointFactory(status=Status.CLOSED)
    assert unknown_date.status_line() == "Closed permanently"
    suspended = ContactPointFactory(status=Status.SUSPENDED, status_note="building works")
    assert suspended.status_line() == "Temporarily closed: building works"
    planned = ContactPointFactory(status=Status.PLANNED, opened_on=date(2027, 1, 6))
    assert planned.status_line() == "Not open yet — opens on 6 January 2027"


def test_open_at_agrees_with_each_contact_points_own_answer() -> None:
    """The bulk "open now" (few rows, two days) matches evaluating each place in full."""
    rng = random.Random(7)
    for i in range(30):
        cp = ContactPointFactory(closed_on_bank_holidays=rng.random() < 0.5)
        for weekday in rng.sample(range(7), 3):
            start = rng.randint(0, 22)
            overnight = rng.random() < 0.3
            closes = time(rng.randint(0, start)) if overnight else time(rng.randint(start + 1, 23))
            OpeningRuleFactory(
                contact_point=cp,
                weekday=weekday,
                opens=time(start),
                closes=closes,
                overnight=overnight,
                valid_from=date(2026, 12, 1) if i % 5 == 0 else None,
            )
        if i % 3 == 0:
            HoursExceptionFactory(
                contact_point=cp, starts_on=date(2026, 12, 24), ends_on=date(2026, 12, 27)
            )
    ContactPointFactory(status=Status.CLOSED)
    start = datetime(2026, 11, 20, tzinfo=LONDON)
    everyone = list(ContactPoint.objects.with_hours())
    for hour in range(0, 24 * 40, 7):
        when = start + timedelta(hours=hour)
        expected = {cp.pk for cp in everyone if cp.is_open_at(when)}
        assert set(ContactPoint.objects.open_at(when).values_list("pk", flat=True)) == expected
