"""Usage figures against hand-computed fixtures, through the database: exact for staff,
published per calendar month for everyone else."""

import csv
import io
import re
import uuid
from datetime import date, datetime, time

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import Client

from contactpoints.models import ContactPoint
from core.time import LONDON
from publishing import charts, release, rollup, usage
from publishing.models import UsageDay, UsageMonth
from tests.conftest import sign_in
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from users import roles
from visits import services
from visits.models import StaffedSession, Visit

pytestmark = [pytest.mark.django_db, pytest.mark.cache]

# October 2026 is published (it ended, and a week has passed); November is not.
NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)
OCTOBER = usage.Period(date(2026, 10, 1), date(2026, 10, 31))
OCTOBER_NOVEMBER = usage.Period(date(2026, 10, 1), date(2026, 11, 30))


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def _only(cp: ContactPoint):
    return ContactPoint.objects.filter(pk=cp.pk)


@pytest.fixture
def manager():
    return staff_user("manager", roles.MANAGER)


@pytest.fixture
def library(unreleased_library):
    """The library, with October released (what the daily command does: it is due)."""
    release.release()
    return unreleased_library


@pytest.fixture
def unreleased_library(manager):
    """Four advertised Wednesday sessions in October: one started 30 minutes late (in the
    week the clocks went back), one with nobody, one cancelled; eight visits in all (four
    to report a crime, four for advice)."""
    cp = ContactPointFactory(slug="library", name="Library", annual_cost="5218.00",
                             borough="Westminster")  # fmt: skip
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    services.sessions_schedule(contact_point=cp, start=_at(1, 10, 0), end=_at(29, 10, 0))
    a, b, c, d = StaffedSession.objects.order_by("scheduled_start")  # 7, 14, 21, 28 Oct
    services.session_start(session=a, user=manager, at=_at(7, 10, 19))
    for i in range(6):
        services.visit_log(
            user=manager, session=a, purpose="report_crime" if i < 4 else "advice",
            idempotency_key=uuid.uuid4(), arrived_at=_at(7, 10, 19, i),
        )  # fmt: skip
    services.session_end(session=a, user=manager, at=_at(7, 10, 20))
    services.session_start(session=b, user=manager, at=_at(14, 10, 19))
    services.session_end(session=b, user=manager, at=_at(14, 10, 20))
    services.session_not_held(session=c, user=manager, state="cancelled", reason="Incident")
    services.session_start(session=d, user=manager, at=_at(28, 10, 19, 30))
    for i in range(2):
        services.visit_log(
            user=manager, session=d, purpose="advice", idempotency_key=uuid.uuid4(),
            arrived_at=_at(28, 10, 19, 40 + i),
        )  # fmt: skip
    services.session_end(session=d, user=manager, at=_at(28, 10, 20))
    return cp


def _late_visits(manager, n: int, purpose: str = "advice") -> None:
    """Visits typed in late for the session of 7 October, which was held."""
    session = StaffedSession.objects.filter(state="held").order_by("scheduled_start").first()
    for i in range(n):
        services.visit_log(
            user=manager, session=session, purpose=purpose, idempotency_key=uuid.uuid4(),
            arrived_at=_at(7, 10, 19, 30 + i),
        )  # fmt: skip


def test_exact_figures_match_a_hand_count(library) -> None:
    (row,) = usage.live_rows(OCTOBER_NOVEMBER, _only(library))
    assert (row.sessions_advertised, row.sessions_held) == (4, 3)
    assert row.advertised_hours == pytest.approx(4.0)
    assert row.staffed_hours == pytest.approx(2.5)  # 1 + 1 + 0.5 (late start)
    assert row.staffed_share == pytest.approx(0.625)
    assert row.zero_visit_share.low == row.zero_visit_share.high == pytest.approx(1 / 3)
    assert row.visits.value == 8
    assert row.visits_per_week.low == pytest.approx(8 / (61 / 7))
    assert row.visits_per_staffed_hour.low == pytest.approx(3.2)
    # £5,218 a year for 61 days (8.71 weeks) is about £871: £109 a visit.
    assert row.cost_per_visit.low == pytest.approx(5218 * (61 / 7) / 52.18 / 8)


def test_staffed_hours_never_exceed_what_was_advertised(library, manager) -> None:
    """A session closed an hour late still counts only its advertised hour as staffed."""
    e = StaffedSession.objects.create(
        contact_point=library, scheduled_start=_at(29, 10, 19), scheduled_end=_at(29, 10, 20)
    )
    services.session_start(session=e, user=manager, at=_at(29, 10, 18, 40))
    services.session_end(session=e, user=manager, at=_at(29, 10, 21))
    (row,) = usage.live_rows(OCTOBER, _only(library))
    assert row.staffed_hours == pytest.approx(3.5)
    assert row.staffed_share <= 1


def test_a_session_across_the_spring_clock_change_is_counted_in_real_hours() -> None:
    cp = ContactPointFactory()
    OpeningRuleFactory(contact_point=cp, weekday=5, opens=time(22), closes=time(3), overnight=True)
    services.sessions_schedule(contact_point=cp, start=_at(27, 3, 0), end=_at(30, 3, 0))
    (row,) = usage.live_rows(usage.Period(date(2026, 3, 1), date(2026, 3, 31)), _only(cp))
    assert row.advertised_hours == pytest.approx(4.0)  # 22:00 to 03:00, one hour skipped


def test_a_released_month_is_protected_cell_by_cell(library) -> None:
    release.release()
    stored = UsageMonth.objects.get(contact_point=library, month=date(2026, 10, 1))
    assert stored.visits == 8
    # Four of each purpose: both below 5, so both hidden; their sum (8) is safe. The empty
    # purposes are hidden with them: an empty category looks exactly like a small one.
    assert stored.purpose_report_crime is None
    assert stored.purpose_advice is None
    assert stored.purpose_bail is None
    assert stored.sessions_with_visitor is None  # 2 sessions had visitors: small
    public = usage.detail(library, OCTOBER)
    assert str(public.row.visits) == "8"
    assert str(public.table("purpose").cells["Report a crime"]) == "[c]"
    assert str(public.table("purpose").cells["Lost or found property"]) == "[c]"
    # Held sessions with a visitor are hidden (0 to 4) of 3 held: 0 %–100 % had none.
    assert public.row.zero_visit_share.low == 0
    assert public.row.zero_visit_share.high == pytest.approx(1)
    assert not UsageMonth.objects.filter(month=date(2026, 11, 1)).exists()  # not yet due


def test_a_late_visit_is_held_back_until_it_is_safe_to_show(library, manager) -> None:
    """One visit typed in after October was published would show as 8 → 9: a count of one.
    The public keeps 8 until the corrections add up to at least 5; staff see 9 at once."""
    release.release()
    _late_visits(manager, 1)
    release.release()
    assert usage.public_rows(OCTOBER, _only(library))[0].visits.value == 8
    assert usage.live_rows(OCTOBER, _only(library))[0].visits.value == 9
    assert release.held_back() == 1
    _late_visits(manager, 4)
    release.release()
    assert usage.public_rows(OCTOBER, _only(library))[0].visits.value == 13
    assert release.held_back() == 0


@pytest.mark.django_db(transaction=True)  # real commits: versions are bumped on commit
def test_figures_are_cached_and_refreshed_when_published(client: Client, library, manager) -> None:
    first = client.get("/usage/").content.decode()
    assert "8 visits in 3 staffed sessions" in first
    _late_visits(manager, 5)
    # Until the revision is published (the daily command), the public keeps what it had.
    assert "8 visits in 3 staffed sessions" in client.get("/usage/").content.decode()
    call_command("daily", stdout=io.StringIO())
    assert "13 visits in 3 staffed sessions" in client.get("/usage/").content.decode()


@pytest.mark.parametrize("path", ["/usage/", "/usage/library/", "/usage/?borough=westminster"])
def test_a_kept_usage_page_asked_again_reads_only_the_data_versions(
    client: Client, library, path: str
) -> None:
    """Its choices were cleaned against the boroughs and released months once, for these
    versions: asked again, neither is read (ADR 24)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get(path)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path)
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    reads = [q["sql"] for q in queries.captured_queries]
    assert all("core_dataversion" in sql for sql in reads[-1:])
    # The detail page finds its place first; nothing else reads the figures or places.
    assert len(reads) == 1 + ("library" in path)


def test_usage_pages_and_csv(client: Client, library) -> None:
    page = client.get("/usage/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "October 2026 (the last 12 published months)" in text  # the only one so far
    assert "3 of 4" in text
    assert "63%" in text or "62%" in text
    download = client.get("/usage/usage.csv", {"start": "2026-10", "end": "2026-10"})
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert rows[0]["contact point"] == "Library"
    assert rows[0]["visits"] == "8"
    assert rows[0]["% advertised hours staffed"] == "62"
    assert rows[0]["period"] == "October 2026"
    detail = client.get("/usage/library/").content.decode()
    assert "[c]" in detail
    assert "Visits by weekday and hour" in detail
    purposes = client.get("/usage/library/purposes.csv").content.decode()
    assert "Report a crime,[c]" in purposes
    assert "Total,8" in purposes
    assert client.get("/usage/library/x.csv").status_code == 404
    hidden = ContactPointFactory(is_published=False)
    assert client.get(f"/usage/{hidden.slug}/").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-10-01"}, "whole calendar months"),  # a day: differencing by days
        ({"start": "2026-10-01", "end": "2026-10-30"}, "whole calendar months"),
        ({"start": "0001-01"}, "Enter a month between 1900 and 2199"),
        ({"end": "9999-12"}, "Enter a month between 1900 and 2199"),
        ({"start": "1900-01"}, "published from October 2026 to October 2026"),
        ({"end": "2026-11"}, "published from"),  # not published yet: no clamping silently
        ({"start": "2026-13"}, "Enter a month"),
        ({"start": "yesterday"}, "Enter a month"),
        ({"start": "x" * 5000}, "Enter a month"),
        ({"borough": "Atlantis"}, "Select a valid choice"),
        ({"kind": "castle"}, "Select a valid choice"),
    ],
)
def test_a_period_or_filter_the_site_does_not_publish_is_a_clear_400(
    client: Client, library, query, message
) -> None:
    for url in ("/usage/", "/usage/library/", "/usage/usage.csv", "/usage/library/months.csv"):
        response = client.get(url, query)
        assert response.status_code == 400, url
        assert message in response.content.decode(), url


def test_boroughs_are_chosen_from_the_data_in_any_case(client: Client, library) -> None:
    page = client.get("/usage/", {"borough": "westminster"})
    assert page.status_code == 200
    assert 'value="Westminster" selected' in page.content.decode()
    assert "Library" in page.content.decode()


def test_unpublishing_a_contact_point_takes_it_off_the_usage_page(client: Client, library):
    assert "Library" in client.get("/usage/").content.decode()
    ContactPoint.objects.filter(pk=library.pk).update(is_published=False)
    # Even a bulk update in the shell: the cache key follows the published places.
    ContactPoint.objects.filter(pk=library.pk).update(updated_at=NOW)
    assert "Library" not in client.get("/usage/").content.decode()


def test_staff_see_exact_figures_for_any_period(client: Client, library, manager) -> None:
    analyst = sign_in(Client(), staff_user("analyst", roles.ANALYST))
    release.release()
    _late_visits(manager, 1)
    exact = analyst.get("/usage/library/", {"start": "2026-10-07", "end": "2026-11-19"})
    assert exact.status_code == 200
    text = exact.content.decode()
    assert "Staff view: exact figures" in text
    assert re.search(r"<dt>Visits</dt><dd>9</dd>", text)
    assert exact["Cache-Control"] == "private, no-store"
    public = client.get("/usage/library/").content.decode()
    assert re.search(r"<dt>Visits</dt><dd>8</dd>", public)


def test_the_roll_up_stays_in_step_with_the_visits(library, manager) -> None:
    """Logged, changed, withdrawn and imported visits: the daily roll-up and the sessions'
    visit counts always equal a direct count, and a rebuild changes nothing."""
    session = StaffedSession.objects.filter(state="held").first()
    logged = services.visit_log(
        user=manager, session=session, purpose="safety", idempotency_key=uuid.uuid4(),
        arrived_at=_at(7, 10, 19, 50),
    )  # fmt: skip
    services.visit_update(visit=logged.visit, user=manager, heard_via="poster")
    services.visit_withdraw(visit=Visit.objects.filter(purpose="advice").first(), user=manager)
    assert rollup.usage_verify() == []

    def snapshot() -> tuple[list, list]:
        days = sorted(
            UsageDay.objects.filter(visits__gt=0).values_list(
                "contact_point", "day", "visits", "purpose_safety", "heard_poster", "hour_19"
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
    assert sum(day[5] for day in before[0]) == 8  # every visit came in the 19:00 hour
    rollup.usage_rebuild()
    assert snapshot() == before


def test_verify_usage_finds_and_mends_drift(library) -> None:
    from django.core.management import CommandError, call_command

    UsageDay.objects.filter(visits__gt=0).update(visits=1)
    StaffedSession.objects.filter(visit_count__gt=0).update(visit_count=0)
    out = io.StringIO()
    with pytest.raises(CommandError, match="drift"):
        call_command("verify_usage", stdout=out)
    assert "stored {'visits': 1}" in out.getvalue()
    call_command("verify_usage", "--repair", stdout=out)
    assert "drift now 0" in out.getvalue()
    assert rollup.usage_verify() == []


def test_every_table_downloads_as_it_is_shown(client: Client, library) -> None:
    purposes = client.get("/usage/purposes.csv").content.decode().splitlines()
    assert purposes[0] == "purposes,visits"
    assert "Report a crime,[c]" in purposes
    assert purposes[-1] == "Total,8"
    heard = client.get("/usage/heard-via.csv").content.decode()
    assert heard.startswith("heard via,visits")
    sessions = client.get("/usage/library/sessions.csv").content.decode().splitlines()
    assert sessions[0] == "month,sessions advertised,sessions held"
    assert sessions[1] == "Oct 2026,4,3"
    page = client.get("/usage/library/", {"start": "2026-10"}).content.decode()
    links = re.findall(r'href="([^"]+\.csv[^"]*)"', page)
    assert len(links) == 7
    # Every download keeps the period chosen on the page.
    assert all("start=2026-10&amp;end=2026-10" in link for link in links)


def test_csv_cells_cannot_run_as_formulas(client: Client, library) -> None:
    ContactPoint.objects.filter(pk=library.pk).update(name='=HYPERLINK("http://x","y")')
    usage_csv = client.get("/usage/usage.csv").content.decode()
    assert "'=HYPERLINK" in usage_csv
    api_csv = client.get("/api/v1/contact-points.csv").content.decode()
    assert "'=HYPERLINK" in api_csv
    assert ",=" not in api_csv
    assert ",=" not in usage_csv


def test_heatmap_labels_sit_over_their_own_hour() -> None:
    from publishing.disclosure import ZERO, Table

    drawn = charts.heatmap(Table(cells={(d, h): ZERO for d in range(1, 8) for h in range(24)},
                                 total=ZERO))  # fmt: skip
    column_of = {cell.hour: cell.x for cell in drawn["cells"] if cell.day == 1}
    for hour, x in drawn["labels"]:
        assert column_of[hour] < x < column_of[hour] + charts.HEAT_SQUARE


def test_a_roll_up_that_disagrees_is_published_fully_suppressed(client: Client, unreleased_library):
    """If the daily counts ever disagree with themselves (drift), the month is published
    with every visitor count suppressed — never a 500, never a guessed number — and looked
    at again once `verify_usage --repair` has mended it."""
    UsageDay.objects.filter(visits__gt=0).update(visits=1)
    release.release()
    library = unreleased_library
    stored = UsageMonth.objects.get(contact_point=library)
    assert (stored.visits, stored.purpose_advice) == (None, None)
    assert release.held_back() == 1  # looked at again
    assert client.get("/usage/library/").status_code == 200
    rollup.usage_rebuild()
    release.release()
    # Mended: the month's first consistent figures, as a revision beside the hidden one.
    mended = UsageMonth.objects.current().get(contact_point=library)
    assert (mended.visits, mended.revision, release.held_back()) == (8, 1, 0)
    assert UsageMonth.objects.get(pk=stored.pk).superseded
