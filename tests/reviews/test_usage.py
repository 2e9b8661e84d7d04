"""Usage figures against hand-computed fixtures, through the database."""

import csv
import io
import uuid
from datetime import date, datetime, time

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.test import Client

from contactpoints.hours import LONDON
from reviews import usage
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from users import roles
from visits import services
from visits.models import StaffedSession

pytestmark = pytest.mark.django_db

OCTOBER_NOVEMBER = usage.Period(date(2026, 10, 1), date(2026, 11, 30))


def _at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def library():
    """Four advertised Wednesday sessions: one started 30 minutes late (in the week the
    clocks went back), one with nobody, one cancelled; eight visits in all."""
    cache.clear()
    cp = ContactPointFactory(slug="library", name="Library", annual_cost="5218.00")
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    manager = staff_user("manager", roles.MANAGER)
    services.sessions_schedule(contact_point=cp, start=_at(1, 10, 0), end=_at(29, 10, 0))
    a, b, c, d = StaffedSession.objects.order_by("scheduled_start")  # 7, 14, 21, 28 Oct
    services.session_start(session=a, user=manager, at=_at(7, 10, 19))
    for i in range(6):
        services.visit_log(
            user=manager,
            session=a,
            purpose="report_crime" if i < 4 else "advice",
            idempotency_key=uuid.uuid4(),
            arrived_at=_at(7, 10, 19, i),
        )
    services.session_end(session=a, user=manager, at=_at(7, 10, 20))
    services.session_start(session=b, user=manager, at=_at(14, 10, 19))
    services.session_end(session=b, user=manager, at=_at(14, 10, 20))
    services.session_not_held(session=c, user=manager, state="cancelled", reason="Incident")
    services.session_start(session=d, user=manager, at=_at(28, 10, 19, 30))
    for i in range(2):
        services.visit_log(
            user=manager,
            session=d,
            purpose="advice",
            idempotency_key=uuid.uuid4(),
            arrived_at=_at(28, 10, 19, 40 + i),
        )
    services.session_end(session=d, user=manager, at=_at(28, 10, 20))
    return cp


def test_figures_match_a_hand_count(library) -> None:
    (row,) = usage.rows(OCTOBER_NOVEMBER, type(library).objects.filter(pk=library.pk))
    assert (row.sessions_advertised, row.sessions_held) == (4, 3)
    assert row.advertised_hours == pytest.approx(4.0)
    assert row.staffed_hours == pytest.approx(2.5)  # 1 + 1 + 0.5 (late start)
    assert row.staffed_share == pytest.approx(0.625)
    assert row.zero_visit_sessions == 1
    assert row.zero_visit_share == pytest.approx(1 / 3)
    assert row.visits == 8
    assert row.visits_per_week == pytest.approx(8 / (61 / 7))
    assert row.visits_per_staffed_hour == pytest.approx(3.2)
    # £5,218 a year for 61 days (8.71 weeks) is about £871: £109 a visit.
    assert row.cost_per_visit == pytest.approx(5218 * (61 / 7) / 52.18 / 8)


def test_a_session_across_the_spring_clock_change_is_counted_in_real_hours() -> None:
    cp = ContactPointFactory()
    OpeningRuleFactory(contact_point=cp, weekday=5, opens=time(22), closes=time(3), overnight=True)
    services.sessions_schedule(contact_point=cp, start=_at(27, 3, 0), end=_at(30, 3, 0))
    (row,) = usage.rows(usage.Period(date(2026, 3, 1), date(2026, 3, 31)),
                        type(cp).objects.filter(pk=cp.pk))  # fmt: skip
    assert row.advertised_hours == pytest.approx(4.0)  # 22:00 to 03:00, one hour skipped


def test_breakdowns_are_protected(library) -> None:
    detail = usage.detail(library, OCTOBER_NOVEMBER, cached=False)
    purposes = detail.purposes.cells
    assert purposes["Advice or information"].suppressed  # 4: below 5
    assert purposes["Report a crime"].suppressed  # 4: and so must the other go
    assert detail.purposes.total.value == 8
    assert detail.months.cells["Oct 2026"].value == 8
    assert detail.months.cells["Nov 2026"].value == 0


def test_figures_are_cached_and_refreshed_when_visits_change(library) -> None:
    before = usage.overview(OCTOBER_NOVEMBER)
    assert before.totals.visits == 8
    session = StaffedSession.objects.filter(state="held").first()
    services.visit_log(
        user=staff_user("second", roles.MANAGER),
        session=session,
        purpose="advice",
        idempotency_key=uuid.uuid4(),
        arrived_at=_at(7, 10, 19, 30),
    )
    assert usage.overview(OCTOBER_NOVEMBER).totals.visits == 9


def test_usage_pages_and_csv(client: Client, library) -> None:
    query = {"start": "2026-10-01", "end": "2026-11-30"}
    page = client.get("/usage/", query)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Library" in text
    assert "3 of 4" in text
    assert "63%" in text or "62%" in text
    download = client.get("/usage/usage.csv", query)
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert rows[0]["contact point"] == "Library"
    assert rows[0]["visits"] == "8"
    assert rows[0]["% advertised hours staffed"] == "62"
    detail = client.get("/usage/library/", query).content.decode()
    assert "[c]" in detail
    assert "Visits by weekday and hour" in detail
    purposes = client.get("/usage/library/purposes.csv", query).content.decode()
    assert "Report a crime,suppressed" in purposes
    assert "Total,8" in purposes
    assert client.get("/usage/library/x.csv").status_code == 404
    assert client.get("/usage/", {"start": "2026-12-01", "end": "2026-01-01"}).status_code == 400
    assert client.get("/usage/", {"start": "yesterday"}).status_code == 400
    hidden = ContactPointFactory(is_published=False)
    assert client.get(f"/usage/{hidden.slug}/").status_code == 404


def test_the_roll_up_stays_in_step_with_the_visits(library) -> None:
    """Logged, changed, withdrawn and imported visits: the daily roll-up and the sessions'
    visit counts always equal a direct count, and a rebuild changes nothing."""
    from django.db.models import Count

    from visits.models import UsageDay, Visit

    manager = staff_user("third", roles.MANAGER)
    session = StaffedSession.objects.filter(state="held").first()
    logged = services.visit_log(
        user=manager, session=session, purpose="safety", idempotency_key=uuid.uuid4(),
        arrived_at=_at(7, 10, 19, 50),
    )  # fmt: skip
    services.visit_update(visit=logged.visit, user=manager, heard_via="poster")
    services.visit_withdraw(visit=Visit.objects.filter(purpose="advice").first(), user=manager)

    def snapshot() -> tuple[list, list]:
        days = sorted(
            UsageDay.objects.filter(visits__gt=0).values_list(
                "contact_point", "day", "visits", "purpose_safety", "heard_poster"
            )
        )
        sessions = sorted(StaffedSession.objects.values_list("pk", "visit_count"))
        return days, sessions

    before = snapshot()
    direct = dict(
        StaffedSession.objects.annotate(
            n=Count("visits", filter=Q(visits__withdrawn_at__isnull=True))
        ).values_list("pk", "n")
    )
    assert dict(before[1]) == direct
    assert sum(day[2] for day in before[0]) == Visit.objects.counted().count() == 8
    services.usage_rebuild()
    assert snapshot() == before


def test_every_table_downloads_as_it_is_shown(client: Client, library) -> None:
    query = {"start": "2026-10-01", "end": "2026-11-30"}
    purposes = client.get("/usage/purposes.csv", query).content.decode().splitlines()
    assert purposes[0] == "purposes,visits"
    assert "Report a crime,suppressed" in purposes
    assert purposes[-1] == "Total,8"
    heard = client.get("/usage/heard-via.csv", query).content.decode()
    assert heard.startswith("heard via,visits")
    sessions = client.get("/usage/library/sessions.csv", query).content.decode().splitlines()
    assert sessions[0] == "month,sessions advertised,sessions held"
    assert sessions[1] == "Oct 2026,4,3"
    page = client.get("/usage/library/", query).content.decode()
    assert page.count("Download this table (CSV)") == 7
