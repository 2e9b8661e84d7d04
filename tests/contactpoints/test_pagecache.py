"""Public pages are computed once and served from the shared cache until their content can
change — and never after: an edit, a place opening or closing, the countdown to closing
and midnight all show at once."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contactpoints.models import ContactPoint
from core import pagecache
from core.time import LONDON
from tests.factories import ContactPointFactory, OpeningRuleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.cache]

WEDNESDAY = datetime(2026, 11, 25, tzinfo=LONDON)


@pytest.fixture
def evening():
    """Open Wednesdays 19:00–20:00."""
    cp = ContactPointFactory(name="Evening counter", slug="evening")
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    return cp


def _queries(client: Client, path: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        body = client.get(path).content.decode()
    return body, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize(
    "path", ["/contact-points/evening/", "/contact-points/", "/contact-points/?borough=Westminster"]
)
def test_a_page_is_computed_once_then_served_from_the_cache(
    client: Client, evening, path: str
) -> None:
    with time_machine.travel(WEDNESDAY + timedelta(hours=12), tick=False):
        first, computing = _queries(client, path)
        second, serving = _queries(client, path)
        pagecache.forget_recent()  # as another worker, which has not served it yet
        third, elsewhere = _queries(client, path)
    assert first == second == third
    assert any("contactpoints_contactpoint" in sql for sql in computing)
    # The worker that made it reads only the data versions, once; another reads the page
    # cache too; neither reads contact point data, except that a worker that has not
    # cleaned this borough before checks it against the list (one more query).
    borough = "borough" in path
    in_database = settings.CACHES["pages"]["BACKEND"].endswith("DatabaseCache")
    assert serving == ['SELECT "name", "value" FROM "core_dataversion" WHERE "name" IN '
                       "('places')"]  # fmt: skip
    assert len(elsewhere) == 1 + in_database + borough
    assert any("pages_cache" in sql for sql in elsewhere) == in_database
    assert sum("contactpoints_" in sql for sql in elsewhere) == borough


def test_an_edit_shows_at_once(client: Client, evening) -> None:
    with time_machine.travel(WEDNESDAY + timedelta(hours=12), tick=False):
        assert "Evening counter" in client.get("/contact-points/").content.decode()
        evening.name = "Renamed counter"
        evening.save()
        assert "Renamed counter" in client.get("/contact-points/").content.decode()
        assert "Renamed counter" in client.get("/contact-points/evening/").content.decode()
        OpeningRuleFactory(contact_point=evening, weekday=2, opens=time(9), closes=time(13))
        assert "Open now" in client.get("/contact-points/evening/").content.decode()


@pytest.mark.parametrize(
    ("first", "then", "before", "after"),
    [
        # Closed in the afternoon; the page is right until the moment it opens.
        ("18:59:59", "19:00:00", "Closed — opens today at 19:00", "Open now until 20:00"),
        # The countdown begins an hour before closing, and ticks each minute.
        ("19:00:00", "19:00:01", "Open now until 20:00", "closes in 59 minutes"),
        ("19:30:00", "19:30:01", "closes in 30 minutes", "closes in 29 minutes"),
        ("19:30:01", "19:30:59", "closes in 29 minutes", "closes in 29 minutes"),
        # Closing, and midnight (tomorrow becomes today's date).
        ("19:59:59", "20:00:00", "closes in 0 minutes", "Closed — opens Wednesday 2 December"),
    ],
)
def test_time_moves_the_page_on_exactly_when_its_words_change(
    client: Client, evening, first: str, then: str, before: str, after: str
) -> None:
    def at(clock: str) -> datetime:
        return datetime.combine(WEDNESDAY.date(), time.fromisoformat(clock), tzinfo=LONDON)

    with time_machine.travel(at(first), tick=False):
        assert before in client.get("/contact-points/evening/").content.decode()
    with time_machine.travel(at(then), tick=False):
        assert after in client.get("/contact-points/evening/").content.decode()


def test_who_is_open_now_changes_the_directory_when_another_place_opens(
    client: Client, evening
) -> None:
    morning = ContactPointFactory(name="Morning counter", slug="morning")
    OpeningRuleFactory(contact_point=morning, weekday=2, opens=time(9), closes=time(10))
    with time_machine.travel(WEDNESDAY + timedelta(hours=8, minutes=59), tick=False):
        page = client.get("/contact-points/?open_now=on").content.decode()
        assert "Morning counter" not in page
    with time_machine.travel(WEDNESDAY + timedelta(hours=9), tick=False):
        page = client.get("/contact-points/?open_now=on").content.decode()
        assert "Morning counter" in page
        assert "Evening counter" not in page


def test_browsers_and_caches_can_revalidate(client: Client, evening) -> None:
    with time_machine.travel(WEDNESDAY + timedelta(hours=12), tick=False):
        response = client.get("/contact-points/evening/")
        assert response["Cache-Control"] == "public, max-age=60"
        etag, modified = response["ETag"], response["Last-Modified"]
        assert modified == "Wed, 25 Nov 2026 12:00:00 GMT"
        again = client.get("/contact-points/evening/", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert (
            client.get("/contact-points/evening/", HTTP_IF_MODIFIED_SINCE=modified).status_code
            == 304
        )
    with time_machine.travel(WEDNESDAY + timedelta(hours=18, minutes=59, seconds=30), tick=False):
        # Half a minute before it opens, nobody may keep it longer than that.
        response = client.get("/contact-points/evening/")
        assert response["Cache-Control"] == "public, max-age=30"
        # Same words, same tag: still valid.
        assert client.get("/contact-points/evening/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    with time_machine.travel(WEDNESDAY + timedelta(hours=19, minutes=30), tick=False):
        assert client.get("/contact-points/evening/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_errors_are_not_cached(client: Client, evening) -> None:
    for path, status in (("/contact-points/?sort=nonsense", 400), ("/contact-points/no/", 404)):
        response = client.get(path)
        assert response.status_code == status
        assert "public" not in response.get("Cache-Control", "")


def test_the_api_is_cached_the_same_way(client: Client, evening) -> None:
    def status(path: str) -> str:
        data = client.get(path).json()
        feature = data["features"][0] if "features" in data else data
        return feature["properties"]["status_line"]

    paths = [
        "/api/v1/contact-points",
        "/api/v1/contact-points/evening",
        "/api/v1/contact-points/nearest?lat=51.53&lon=-0.2",
    ]
    with time_machine.travel(WEDNESDAY + timedelta(hours=18, minutes=59, seconds=59), tick=False):
        assert {status(p) for p in paths} == {"Closed — opens today at 19:00"}
    with time_machine.travel(WEDNESDAY + timedelta(hours=19), tick=False):
        assert {status(p) for p in paths} == {"Open now until 20:00"}
        assert "Open now" in client.get("/api/v1/contact-points.csv").content.decode()
        evening.name = "Renamed"
        evening.save()
        assert (
            client.get("/api/v1/contact-points/evening").json()["properties"]["name"] == "Renamed"
        )


def test_an_edit_by_any_path_shows_at_once_and_an_emptied_cache_serves_nothing_old(
    client: Client, evening
) -> None:
    """Whatever path changes the data — a bulk update, plain SQL from another process — the
    data version changes in the same transaction (a trigger), so the next page is new; and
    when the caches are emptied (Redis restarted, say), pages are made again, never old."""
    from django.core.cache import caches

    with time_machine.travel(WEDNESDAY + timedelta(hours=12), tick=False):
        assert "Evening counter" in client.get("/contact-points/evening/").content.decode()
        ContactPoint.objects.filter(pk=evening.pk).update(name="Edited elsewhere")
        assert "Edited elsewhere" in client.get("/contact-points/evening/").content.decode()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE contactpoints_contactpoint SET name = %s WHERE id = %s",
                ["By plain SQL", evening.pk],
            )
        assert "By plain SQL" in client.get("/contact-points/evening/").content.decode()
        caches["pages"].clear()
        caches["default"].clear()
        ContactPoint.objects.filter(pk=evening.pk).update(name="After a flush")
        assert "After a flush" in client.get("/contact-points/evening/").content.decode()


def test_pages_made_from_the_code_alone_are_served_with_no_query(client: Client) -> None:
    """The home page, the API's documentation, the embed code and the privacy notice:
    made once per process, then served from memory, identical, with their ETag."""
    for path in ("/", "/api/", "/embed/code/", "/privacy/"):
        first = client.get(path)
        with CaptureQueriesContext(connection) as queries:
            again = client.get(path)
        assert again.status_code == 200
        assert again.content == first.content
        assert again["ETag"] == first["ETag"]
        assert queries.captured_queries == []
        assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_fixed_page_is_made_again_when_a_setting_changes(client: Client, settings) -> None:
    before = client.get("/privacy/").content.decode()
    settings.DEMAND_RETENTION_DAYS = 77
    after = client.get("/privacy/").content.decode()
    assert "77 days" not in before
    assert "77 days" in after


def test_a_borough_that_no_longer_has_places_is_refused_though_cleaned_before(
    client: Client, evening
) -> None:
    """The directory remembers which filters it has cleaned, for one data version: once
    the last place in a borough moves, asking for that borough is a 400 again, not the
    page kept under it."""
    evening.borough = "Westminster"
    evening.save()
    with time_machine.travel(WEDNESDAY + timedelta(hours=12), tick=False):
        assert client.get("/contact-points/?borough=Westminster").status_code == 200
        assert client.get("/contact-points/?borough=Westminster").status_code == 200
        evening.borough = "Camden"
        evening.save()
        refused = client.get("/contact-points/?borough=Westminster")
    assert refused.status_code == 400
    assert "Evening counter" not in refused.content.decode()


def test_junk_parameters_cannot_grow_what_a_worker_remembers(
    client: Client, evening, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parameters no filter knows are cleaned away, so every query string of junk is a
    valid directory page: a worker remembers the cleaned choices of each, within its
    bound however long the junk (the query strings themselves are not kept)."""
    memo = pagecache._cleaned
    monkeypatch.setattr(memo, "limit", 8 * 1024)
    with time_machine.travel(WEDNESDAY + timedelta(hours=12), tick=False):
        for n in range(60):
            junk = f"{n:04d}" + "x" * 3000
            assert client.get(f"/contact-points/?open_now=on&junk={junk}").status_code == 200
    assert 0 < len(memo.found) < 60  # the oldest went
    assert memo.size <= memo.limit
    assert max(len(key) for key in memo.found) <= 64  # not the 3 kB asked
