"""Reviews: a second person publishes, figures freeze, drafts stay private, progress is
followed, and the feed carries it all."""

import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from core.time import LONDON
from reviews import services
from reviews.markdown import render
from reviews.models import (
    Correction,
    Finding,
    Recommendation,
    Review,
    ReviewIsFinal,
    ReviewStatus,
)
from tests.conftest import sign_in
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from users import roles
from visits import services as visit_services
from visits.models import StaffedSession

pytestmark = pytest.mark.django_db

# October 2026 has been published (a week after it ended); the reviews cover it.
NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people():
    return {
        "author": staff_user("author", roles.MANAGER),
        "approver": staff_user("approver", roles.MANAGER),
        "analyst": staff_user("analyst", roles.ANALYST),
    }


@pytest.fixture
def draft(people):
    cp = ContactPointFactory(slug="library", name="Library")
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    start = datetime(2026, 10, 1, tzinfo=LONDON)
    visit_services.sessions_schedule(contact_point=cp, start=start, end=start + timedelta(days=14))
    session = StaffedSession.objects.first()
    visit_services.session_start(session=session, user=people["author"], at=session.scheduled_start)
    for _ in range(7):
        visit_services.visit_log(
            user=people["author"], session=session, purpose="advice",
            idempotency_key=uuid.uuid4(), arrived_at=session.scheduled_start,
        )  # fmt: skip
    review = Review.objects.create(
        title="Library review", slug="library-review", period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31), summary="Little used.", author=people["author"],
        body="## Findings\n\nSee **below**.<script>alert(1)</script>",
    )  # fmt: skip
    review.contact_points.add(cp)
    Recommendation.objects.create(
        review=review, number=1, text="Publicise it", owner="Council",
        due_on=date(2026, 11, 1),
    )  # fmt: skip
    return review


def test_the_author_cannot_approve_their_own_review(draft, people) -> None:
    with pytest.raises(ValidationError, match="second person"):
        services.review_publish(review=draft, approver=people["author"])
    with pytest.raises(PermissionDenied):
        services.review_publish(review=draft, approver=people["analyst"])
    draft.refresh_from_db()
    assert draft.status == ReviewStatus.DRAFT
    # And the database refuses it too.
    draft.status, draft.approved_by = ReviewStatus.PUBLISHED, people["author"]
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()


def _late_visits(people, n: int) -> None:
    session = StaffedSession.objects.filter(state="held").first()
    for _ in range(n):
        visit_services.visit_log(
            user=people["author"], session=session, purpose="advice",
            idempotency_key=uuid.uuid4(), arrived_at=session.scheduled_start,
        )  # fmt: skip


def test_published_figures_are_frozen(client: Client, draft, people) -> None:
    services.review_publish(review=draft, approver=people["approver"])
    page = client.get("/reviews/library-review/").content.decode()
    assert '<td class="num">7</td>' in page
    # A single late visit is held back from every public page (published minus today
    # would reveal one visitor); five more are safe to show today, never in the review.
    _late_visits(people, 1)
    today = client.get("/usage/", {"start": "2026-10", "end": "2026-10"}).content.decode()
    assert "7 visits in 1 staffed sessions" in today
    _late_visits(people, 4)
    again = client.get("/reviews/library-review/").content.decode()
    assert '<td class="num">7</td>' in again
    assert '<td class="num">12</td>' not in again
    figures = client.get("/reviews/library-review/figures.csv").content.decode()
    assert "Library,Westminster,7," in figures


def test_a_review_covers_whole_published_months(draft, people) -> None:
    Review.objects.filter(pk=draft.pk).update(period_end=date(2026, 10, 30))
    draft.refresh_from_db()
    with pytest.raises(ValidationError, match="whole calendar months"):
        services.review_publish(review=draft, approver=people["approver"])
    Review.objects.filter(pk=draft.pk).update(period_end=date(2026, 11, 30))
    draft.refresh_from_db()
    with pytest.raises(ValidationError, match="November 2026 are not published yet"):
        services.review_publish(review=draft, approver=people["approver"])


def test_a_published_review_is_final_everywhere(draft, people) -> None:
    """Text, findings, recommendations' wording, corrections and the review itself: the
    models refuse to change or delete them once published, whatever the caller."""
    Finding.objects.create(review=draft, topic="privacy", rating="red", text="No room.")
    review = services.review_publish(review=draft, approver=people["approver"])
    finding = review.findings.get()
    recommendation = review.recommendations.get()
    attempts = [
        lambda: Review.objects.get(pk=review.pk).save(),
        lambda: Review.objects.filter(pk=review.pk).update(summary="Rewritten"),
        lambda: Review.objects.get(pk=review.pk).delete(),
        lambda: Review.objects.filter(pk=review.pk).delete(),
        lambda: setattr(finding, "rating", "green") or finding.save(),
        lambda: Finding.objects.filter(pk=finding.pk).update(text="Fine."),
        lambda: finding.delete(),
        lambda: Finding.objects.create(review=review, topic="other", rating="red", text="x"),
        lambda: setattr(recommendation, "text", "Softer") or recommendation.save(),
        lambda: Recommendation.objects.filter(pk=recommendation.pk).update(due_on=date(2030, 1, 1)),
        lambda: recommendation.delete(),
    ]
    for attempt in attempts:
        with pytest.raises(ReviewIsFinal), transaction.atomic():
            attempt()
    finding.refresh_from_db()
    recommendation.refresh_from_db()
    assert (finding.rating, recommendation.text) == ("red", "Publicise it")
    assert Review.objects.get(pk=review.pk).summary == "Little used."


def test_corrections_are_added_dated_and_signed_never_rewritten(client, draft, people) -> None:
    review = services.review_publish(review=draft, approver=people["approver"])
    other = Review.objects.create(
        title="x", slug="x", period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
        summary="x", author=people["author"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Edit the draft"):
        services.review_correct(review=other, user=people["approver"], text="x")
    correction = services.review_correct(
        review=review, user=people["approver"], text="The cost figure excluded rent."
    )
    assert correction.made_on == NOW.date()  # the server's date, not the caller's
    assert correction.made_by == people["approver"]
    correction.text = "Nothing to see."
    with pytest.raises(ReviewIsFinal), transaction.atomic():
        correction.save()
    with pytest.raises(ReviewIsFinal), transaction.atomic():
        correction.delete()
    with pytest.raises(ReviewIsFinal), transaction.atomic():
        Correction.objects.filter(pk=correction.pk).update(made_on=date(2020, 1, 1))
    page = client.get("/reviews/library-review/").content.decode()
    assert "20 November 2026: The cost figure excluded rent." in page
    assert "(by approver)" in page


def test_the_back_office_shows_a_published_review_read_only(draft, people) -> None:
    review = services.review_publish(review=draft, approver=people["approver"])
    admin = sign_in(Client(), staff_user("admin", roles.ADMINISTRATOR))
    page = admin.get(f"/admin/reviews/review/{review.pk}/change/").content.decode()
    assert 'name="summary"' not in page  # shown, not editable
    assert 'name="findings-0-text"' not in page
    assert 'name="corrections-0-text"' in page  # a correction can be added
    delete = admin.get(f"/admin/reviews/review/{review.pk}/delete/")
    assert delete.status_code == 403
    rec = review.recommendations.get()
    rec_page = admin.get(f"/admin/reviews/recommendation/{rec.pk}/change/").content.decode()
    assert 'name="text"' not in rec_page
    assert 'name="updates-0-text"' in rec_page  # progress goes through dated updates


def test_drafts_are_404_to_the_public_and_previewable_by_staff(
    client: Client, draft, people
) -> None:
    assert client.get("/reviews/library-review/").status_code == 404
    assert client.get("/reviews/library-review/?preview=1").status_code == 404
    assert "Library review" not in client.get("/reviews/").content.decode()
    staff = sign_in(Client(), people["analyst"])
    preview = staff.get("/reviews/library-review/?preview=1")
    assert preview.status_code == 200
    assert "Draft preview: not published" in preview.content.decode()


def test_markdown_is_sanitised(client: Client, draft, people) -> None:
    services.review_publish(review=draft, approver=people["approver"])
    page = client.get("/reviews/library-review/").content.decode()
    assert "<h2>Findings</h2>" in page
    assert "<strong>below</strong>" in page
    assert "<script>alert(1)" not in page
    assert str(render('<a href="javascript:alert(1)">x</a>')).count("javascript") == 0


def test_progress_and_the_tracker(client: Client, draft, people) -> None:
    services.review_publish(review=draft, approver=people["approver"])
    rec = draft.recommendations.get()
    tracker = client.get("/recommendations/", {"overdue": "on"}).content.decode()
    assert "Publicise it" in tracker  # due 1 November 2026, still open
    services.recommendation_progress(
        recommendation=rec, user=people["approver"], text="Posters up", status="done"
    )
    rec.refresh_from_db()
    assert rec.status == "done"
    assert "Publicise it" not in client.get("/recommendations/", {"overdue": "on"}).content.decode()
    assert "Posters up" in client.get("/recommendations/", {"status": "done"}).content.decode()
    assert client.get("/recommendations/", {"status": "maybe"}).status_code == 400
    with pytest.raises(PermissionDenied):
        services.recommendation_progress(
            recommendation=rec, user=people["analyst"], text="x", status="done"
        )


def test_atom_feed(client: Client, draft, people) -> None:
    services.review_publish(review=draft, approver=people["approver"])
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        services.recommendation_progress(
            recommendation=draft.recommendations.get(), user=people["approver"],
            text="Posters up", status="in_progress",
        )  # fmt: skip
    response = client.get("/reviews/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    titles = [e.findtext(f"{atom}title") for e in root.iter(f"{atom}entry")]
    assert titles == [
        "Recommendation 1 (Library review): In progress",
        "Published: Library review",
    ]
    assert all(e.findtext(f"{atom}id") for e in root.iter(f"{atom}entry"))


def test_publish_from_the_back_office(draft, people) -> None:
    approver = sign_in(Client(), people["approver"])
    approver.post(
        "/admin/reviews/review/",
        {"action": "approve_and_publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.is_published
    assert draft.snapshot["rows"][0]["visits"] == [7, 0, None]  # shown, none hidden
    author = sign_in(Client(), people["author"])
    second = Review.objects.create(
        title="Another", slug="another", period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31), summary="x", author=people["author"],
    )  # fmt: skip
    response = author.post(
        "/admin/reviews/review/",
        {"action": "approve_and_publish", "_selected_action": [second.pk]},
        follow=True,
    )
    assert "A second person must approve a review" in response.content.decode()
    second.refresh_from_db()
    assert not second.is_published
