"""Published records are final in the database itself (core.finality): plain SQL, the base
manager, many-to-many changes and bulk inserts are refused as the models refuse them —
while drafts, recommendation status and revisions beside a published month still work."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from core.time import LONDON
from coverage.models import Scenario
from demand import release as demand_release
from demand.models import DemandMonth, SearchCount, Walk
from feedback import release as feedback_release
from feedback.models import FeedbackMonth, Response
from publishing import release
from publishing.models import UsageMonth, UsageRelease
from reviews import services
from reviews.models import Correction, Finding, ProgressUpdate, Recommendation, Review
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from users import roles
from visits import services as visit_services
from visits.models import StaffedSession

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)  # October 2026 is released


@pytest.fixture
def world() -> dict[str, Any]:
    with time_machine.travel(NOW, tick=False):
        author = staff_user("author", roles.MANAGER)
        approver = staff_user("approver", roles.MANAGER)
        cp = ContactPointFactory(slug="library", name="Library")
        other = ContactPointFactory(slug="hall", name="Hall")
        OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
        start = datetime(2026, 10, 1, tzinfo=LONDON)
        visit_services.sessions_schedule(
            contact_point=cp, start=start, end=start + timedelta(days=14)
        )
        session = StaffedSession.objects.first()
        assert session is not None
        visit_services.session_start(session=session, user=author, at=session.scheduled_start)
        for _ in range(7):
            visit_services.visit_log(
                user=author, session=session, purpose="advice", idempotency_key=uuid.uuid4(),
                arrived_at=session.scheduled_start,
            )  # fmt: skip
        SearchCount.objects.create(
            day=date(2026, 10, 3), area="W2", hour=10, open_now=False, facility=False,
            walk=Walk.WITHIN_10, count=3,
        )  # fmt: skip
        Response.objects.create(
            contact_point=cp, day=date(2026, 10, 3), found_easily="yes", spoke_privately="yes",
            got_what_needed="yes", heard_via="poster",
        )  # fmt: skip
        published = Review.objects.create(
            title="Published", slug="published", period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31), summary="Little used.", author=author,
        )  # fmt: skip
        published.contact_points.add(cp)
        finding = Finding.objects.create(
            review=published, contact_point=cp, topic="location", rating="red", text="Hidden."
        )
        recommendation = Recommendation.objects.create(
            review=published, number=1, text="Signpost it", owner="Council",
            due_on=date(2026, 12, 1),
        )  # fmt: skip
        scenario = Scenario.objects.create(
            name="Close the hall", week=date(2026, 11, 16), created_by=author, review=published
        )
        scenario.removes.add(other)
        release.release()
        demand_release.release()
        feedback_release.release()
        published = services.review_publish(review=published, approver=approver)
        correction = services.review_correct(review=published, user=author, text="Typo.")
        progress = services.recommendation_progress(
            recommendation=recommendation, user=author, text="Started.", status="in_progress"
        )
        draft = Review.objects.create(
            title="Draft", slug="draft", period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31), summary="Not yet.", author=author,
        )  # fmt: skip
        draft_finding = Finding.objects.create(
            review=draft, contact_point=cp, topic="location", rating="amber", text="Maybe."
        )
    return {
        "published": published, "finding": finding, "recommendation": recommendation,
        "correction": correction, "progress": progress, "scenario": scenario, "cp": cp,
        "other": other, "draft": draft, "draft_finding": draft_finding,
        "month": UsageMonth.objects.current().get(contact_point=cp, month=date(2026, 10, 1)),
    }  # fmt: skip


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def refused(write: Callable[[], Any]) -> bool:
    """Whether the database refuses the write (nothing is written either way here)."""
    try:
        with transaction.atomic():
            write()
            transaction.set_rollback(True)
    except IntegrityError as error:
        refusal = str(error)
    else:
        return False
    assert "Refused" in refusal, refusal  # the trigger's word, not another constraint's
    return True


def test_a_published_review_is_final_whatever_path_the_write_takes(world: dict[str, Any]) -> None:
    review, finding = world["published"], world["finding"]
    rec, cp, other = world["recommendation"], world["cp"], world["other"]
    attempts: dict[str, Callable[[], Any]] = {
        "plain SQL rewrites the title": lambda: sql(
            "UPDATE reviews_review SET title = %s WHERE id = %s", ["Rewritten", review.pk]
        ),
        "plain SQL rewrites the frozen figures": lambda: sql(
            "UPDATE reviews_review SET snapshot = %s WHERE id = %s", ['{"rows": []}', review.pk]
        ),
        "plain SQL unpublishes it": lambda: sql(
            "UPDATE reviews_review SET status = 'draft' WHERE id = %s", [review.pk]
        ),
        "plain SQL deletes it": lambda: sql(
            "DELETE FROM reviews_review WHERE id = %s", [review.pk]
        ),
        "the base manager rewrites the summary": lambda: Review._base_manager.filter(
            pk=review.pk
        ).update(summary="Rewritten"),
        "plain SQL rewrites a finding": lambda: sql(
            "UPDATE reviews_finding SET text = %s, rating = 'green' WHERE id = %s",
            ["Fine.", finding.pk],
        ),
        "plain SQL deletes a finding": lambda: sql(
            "DELETE FROM reviews_finding WHERE id = %s", [finding.pk]
        ),
        "a bulk insert adds a finding": lambda: Finding.objects.bulk_create(
            [Finding(review=review, topic="privacy", rating="green", text="Added later.")]
        ),
        "a finding moves into it": lambda: Finding._base_manager.filter(
            pk=world["draft_finding"].pk
        ).update(review=review),
        "a finding moves out of it": lambda: sql(
            "UPDATE reviews_finding SET review_id = %s WHERE id = %s",
            [world["draft"].pk, finding.pk],
        ),
        "its places gain one": lambda: review.contact_points.add(other),
        "its places lose one": lambda: review.contact_points.remove(cp),
        "its places are cleared": lambda: review.contact_points.clear(),
        "a recommendation is reworded": lambda: sql(
            "UPDATE reviews_recommendation SET text = %s WHERE id = %s", ["Quietly", rec.pk]
        ),
        "a recommendation's owner changes": lambda: Recommendation._base_manager.filter(
            pk=rec.pk
        ).update(owner="Nobody"),
        "a recommendation's due date moves": lambda: sql(
            "UPDATE reviews_recommendation SET due_on = %s WHERE id = %s",
            [date(2030, 1, 1), rec.pk],
        ),
        "a recommendation is deleted": lambda: sql(
            "DELETE FROM reviews_recommendation WHERE id = %s", [rec.pk]
        ),
        "a recommendation is added": lambda: Recommendation.objects.bulk_create(
            [
                Recommendation(
                    review=review, number=2, text="New", owner="X", due_on=date(2027, 1, 1)
                )
            ]
        ),
        "a correction is rewritten": lambda: sql(
            "UPDATE reviews_correction SET text = %s WHERE id = %s",
            ["Nothing", world["correction"].pk],
        ),
        "a correction is deleted": lambda: Correction._base_manager.filter(
            pk=world["correction"].pk
        )._raw_delete(connection.alias),
        "a progress update is rewritten": lambda: sql(
            "UPDATE reviews_progressupdate SET text = %s WHERE id = %s",
            ["Done long ago", world["progress"].pk],
        ),
        "a progress update is deleted": lambda: sql(
            "DELETE FROM reviews_progressupdate WHERE id = %s", [world["progress"].pk]
        ),
    }
    let_through = [name for name, write in attempts.items() if not refused(write)]
    assert let_through == []
    review.refresh_from_db()
    assert review.title == "Published"
    assert review.snapshot["rows"]


def test_a_frozen_scenario_and_released_months_are_final(world: dict[str, Any]) -> None:
    scenario, month = world["scenario"], world["month"]
    demand, feedback = DemandMonth.objects.get(), FeedbackMonth.objects.get()
    attempts: dict[str, Callable[[], Any]] = {
        "a frozen scenario's figures change": lambda: sql(
            "UPDATE coverage_scenario SET frozen = %s WHERE id = %s", ['{"x": 1}', scenario.pk]
        ),
        "a frozen scenario is deleted": lambda: sql(
            "DELETE FROM coverage_scenario WHERE id = %s", [scenario.pk]
        ),
        "a frozen scenario's places change": lambda: scenario.removes.clear(),
        "a published month's visits change": lambda: sql(
            "UPDATE visits_usagemonth SET visits = %s WHERE id = %s", [99, month.pk]
        ),
        "a published month is superseded and changed at once": lambda: sql(
            "UPDATE visits_usagemonth SET superseded = %s, visits = %s WHERE id = %s",
            [True, 99, month.pk],
        ),
        "a published month is deleted": lambda: UsageMonth._base_manager.filter(
            pk=month.pk
        )._raw_delete(connection.alias),
        "a released month is taken back": lambda: sql("DELETE FROM visits_usagerelease"),
        "a release date is rewritten": lambda: UsageRelease.objects.update(month=date(2020, 1, 1)),
        "published search figures change": lambda: sql(
            "UPDATE demand_demandmonth SET cells = %s WHERE id = %s", ["{}", demand.pk]
        ),
        "published search figures are deleted": lambda: DemandMonth._base_manager.all()._raw_delete(
            connection.alias
        ),
        "published answers change": lambda: FeedbackMonth.objects.update(synthetic=True),
        "published answers are deleted": lambda: sql(
            "DELETE FROM feedback_feedbackmonth WHERE id = %s", [feedback.pk]
        ),
    }
    let_through = [name for name, write in attempts.items() if not refused(write)]
    assert let_through == []


def test_what_may_still_change_does(world: dict[str, Any]) -> None:
    """The rule is not a lock on the tables: drafts, a recommendation's status, new
    corrections and a revision beside a published month all still work."""
    draft, rec, month = world["draft"], world["recommendation"], world["month"]
    assert not refused(
        lambda: sql("UPDATE reviews_review SET title = %s WHERE id = %s", ["Better", draft.pk])
    )
    assert not refused(
        lambda: sql(
            "UPDATE reviews_finding SET text = %s WHERE id = %s", ["Yes", world["draft_finding"].pk]
        )
    )
    assert not refused(lambda: draft.contact_points.add(world["other"]))
    assert not refused(lambda: draft.delete())
    assert not refused(
        lambda: sql("UPDATE reviews_recommendation SET status = 'done' WHERE id = %s", [rec.pk])
    )
    assert not refused(
        lambda: Correction.objects.create(
            review=world["published"], text="Another.", made_on=date(2026, 11, 20)
        )
    )
    assert not refused(
        lambda: ProgressUpdate.objects.create(
            recommendation=rec, text="More.", status="done", made_on=date(2026, 11, 20)
        )
    )
    assert not refused(lambda: UsageMonth.objects.filter(pk=month.pk).update(superseded=True))


EXPECTED = {
    "reviews_review": 2, "reviews_finding": 3, "reviews_review_contact_points": 3,
    "reviews_recommendation": 3, "reviews_correction": 2, "reviews_progressupdate": 2,
    "coverage_scenario": 2, "coverage_scenario_removes": 3, "visits_usagerelease": 2,
    "visits_usagemonth": 2, "demand_demandmonth": 2, "feedback_feedbackmonth": 2,
}  # fmt: skip


def test_every_trigger_is_in_place() -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table: a migration
    that alters one of these tables must install its triggers again, or this fails."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%%final%%' GROUP BY tbl_name"
            )
        else:
            cursor.execute(
                "SELECT tgrelid::regclass::text, count(*) FROM pg_trigger "
                "WHERE tgname LIKE '%%final%%' GROUP BY 1"
            )
        found = {table.strip('"'): n for table, n in cursor.fetchall()}
    assert found == EXPECTED
