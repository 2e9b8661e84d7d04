"""Officers logging at once, on both databases: the daily roll-up and the sessions' visit
counts stay exactly equal to the visits stored (lock, then count), and through the site every
tap is answered, none refused because another was being written."""

import threading
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from core.time import LONDON
from publishing import rollup
from publishing.models import UsageDay
from tests.conftest import sign_in
from tests.databases import postgresql_only
from tests.factories import ContactPointFactory, staff_user
from tests.threads import at_once
from users import roles
from visits import footfall, services
from visits.models import SessionState, StaffedSession, Visit

OFFICERS = 8
TAPS = 10

pytestmark = pytest.mark.django_db(transaction=True)


def _running_session() -> StaffedSession:
    """A session started ten minutes ago, still running."""
    now = timezone.now()
    return StaffedSession.objects.create(
        contact_point=ContactPointFactory(), scheduled_start=now - timedelta(minutes=10),
        scheduled_end=now + timedelta(minutes=50), actual_start=now - timedelta(minutes=10),
        state=SessionState.HELD,
    )  # fmt: skip


def _taps(user: Any, session: StaffedSession) -> None:
    """An officer's taps at the counter, one after another."""
    for _ in range(TAPS):
        services.visit_log(
            user=user, session=session, purpose="advice", idempotency_key=uuid.uuid4()
        )


def test_concurrent_officers_leave_the_roll_up_exact() -> None:
    session = _running_session()
    officers = [staff_user(f"officer{i}", roles.MANAGER) for i in range(OFFICERS)]
    at_once([partial(_taps, officer, session) for officer in officers])
    stored = Visit.objects.counted().count()
    assert stored == OFFICERS * TAPS
    assert sum(UsageDay.objects.values_list("visits", flat=True)) == stored
    session.refresh_from_db()
    assert session.visit_count == stored
    assert rollup.usage_verify() == []


def test_officers_tapping_at_once_through_the_site_are_all_answered_and_counted(
    live_server,
) -> None:
    """The same through HTTP and the whole stack (sign-in, CSRF, rate limits, data
    versions): each request on its own server thread and database connection, as behind
    gunicorn. On SQLite the writers queue for the write lock; none may be turned away
    ("database is locked" would be a 503) and none counted twice."""
    session = _running_session()
    url = f"{live_server.url}/staff/sessions/{session.pk}/visits/"
    phones = []
    for i in range(OFFICERS):
        signed_in = sign_in(Client(), staff_user(f"officer{i}", roles.MANAGER))
        csrf = get_random_string(32)  # any well-formed token the phone holds as a cookie
        sign_in_cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME]
        phones.append(
            {
                "Cookie": f"{sign_in_cookie.key}={sign_in_cookie.value}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
            }
        )

    def taps(headers: dict[str, str]) -> list[int]:
        """One phone's taps, one after another; the status of each answer."""
        answers: list[int] = []
        for _ in range(TAPS):
            tap = urllib.request.Request(  # noqa: S310 (the live server's http URL)
                url,
                data=urlencode({"purpose": "advice", "idempotency_key": uuid.uuid4()}).encode(),
                headers={**headers, "Accept": "application/json"},
            )
            try:
                with urllib.request.urlopen(tap, timeout=60) as answer:  # noqa: S310
                    answers.append(answer.status)
            except urllib.error.HTTPError as refused:
                answers.append(refused.code)
        return answers

    by_phone = at_once([partial(taps, headers) for headers in phones])
    assert [status for answers in by_phone for status in answers] == [201] * (OFFICERS * TAPS)
    assert Visit.objects.counted().count() == OFFICERS * TAPS
    session.refresh_from_db()
    assert session.visit_count == OFFICERS * TAPS
    assert rollup.usage_verify() == []


def test_a_footfall_sheet_imported_while_officers_tap_keeps_both_whole() -> None:
    """A manager imports a long paper sheet (one write transaction of bulk inserts) while
    officers tap at another place: on SQLite the taps wait for the sheet, then go in; on
    PostgreSQL they go in beside it. Every row and every tap is stored once, and the
    roll-up equals the visits."""
    tapping = _running_session()
    now = timezone.localtime(timezone.now(), LONDON)
    day = (now - timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    paper = StaffedSession.objects.create(
        contact_point=ContactPointFactory(slug="paper-place"), scheduled_start=day,
        scheduled_end=day + timedelta(hours=2), actual_start=day,
        actual_end=day + timedelta(hours=2), state=SessionState.HELD,
    )  # fmt: skip
    rows = 3_000
    sheet = ",".join(footfall.COLUMNS) + "\n"
    sheet += "".join(
        f"paper-place,{day.date().isoformat()},1{n % 2}:{n % 60:02d},advice,,,,\n"
        for n in range(rows)
    )
    manager = staff_user("manager", roles.MANAGER)

    officers = [staff_user(f"officer{i}", roles.MANAGER) for i in range(OFFICERS // 2)]
    imported, *_ = at_once(
        [
            partial(footfall.footfall_import, content=sheet.encode(), user=manager),
            *(partial(_taps, officer, tapping) for officer in officers),
        ]
    )
    assert (imported.errors, imported.created) == ([], rows)
    paper.refresh_from_db()
    tapping.refresh_from_db()
    assert (paper.visit_count, tapping.visit_count) == (rows, len(officers) * TAPS)
    assert Visit.objects.counted().count() == rows + len(officers) * TAPS
    assert rollup.usage_verify() == []


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@postgresql_only("SQLite runs one writer at a time: no visit is ever uncommitted beside another")
def test_a_visit_counted_while_another_is_uncommitted_is_not_lost() -> None:
    """The race, step by step: officer B's visit is stored but not yet committed when
    officer A's arrives. A must wait for B and then count both; counting first and waiting
    after (the old order) stored 1 for 2 visits."""
    session = _running_session()
    cp = session.contact_point
    a, b = staff_user("a", roles.MANAGER), staff_user("b", roles.MANAGER)
    b_logged, b_may_commit = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def officer_b() -> None:
        try:
            with transaction.atomic():
                services.visit_log(
                    user=b, session=session, purpose="advice", idempotency_key=uuid.uuid4()
                )
                b_logged.set()
                assert b_may_commit.wait(timeout=30)
        except BaseException as error:
            failures.append(error)
            b_logged.set()
        finally:
            connections.close_all()

    def officer_a() -> None:
        try:
            services.visit_log(
                user=a, session=session, purpose="advice", idempotency_key=uuid.uuid4()
            )
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    first = threading.Thread(target=officer_b)
    first.start()
    assert b_logged.wait(timeout=30)
    second = threading.Thread(target=officer_a)
    second.start()
    for _ in range(3000):  # A is now blocked behind B's lock (polled, not slept)
        if _someone_waits_for_a_lock():
            break
    b_may_commit.set()
    first.join()
    second.join()
    assert failures == []
    assert Visit.objects.counted().count() == 2
    assert UsageDay.objects.get(contact_point=cp).visits == 2
    session.refresh_from_db()
    assert session.visit_count == 2
