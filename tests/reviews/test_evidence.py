"""A draft review cites coverage, search demand and visitor feedback; publishing freezes
them in the review, and later data changes nothing it shows."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from core.time import LONDON
from demand.models import DemandMonth, SearchCount
from feedback.models import FeedbackMonth, Response
from reviews.models import Review
from reviews.services import review_publish
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from tests.shared_data import load_westminster
from visits.services import sessions_schedule

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)  # October is published


def test_cited_evidence_is_frozen_at_publication(client: Client, tmp_path: Path) -> None:
    load_westminster(tmp_path)
    station = ContactPointFactory(
        name="Charing Cross", slug="charing-cross", latitude=Decimal("51.509786"),
        longitude=Decimal("-0.124658"),
    )  # fmt: skip
    for weekday in range(5):
        OpeningRuleFactory(contact_point=station, weekday=weekday, opens=time(9), closes=time(17))
    october = datetime(2026, 10, 1, tzinfo=LONDON)
    sessions_schedule(contact_point=station, start=october, end=october + timedelta(days=30))
    SearchCount.objects.create(day=date(2026, 10, 6), area="WC2N", hour=19, open_now=True,
                               facility=False, walk="over", count=9)  # fmt: skip
    Response.objects.bulk_create(
        Response(contact_point=station, day=date(2026, 10, 8), found_easily="yes",
                 spoke_privately="yes", got_what_needed="yes", heard_via="poster")
        for _ in range(60)
    )  # fmt: skip
    author = staff_user("author", "Analyst")
    approver = staff_user("approver", "Manager")
    approver.user_permissions.add(Permission.objects.get(codename="publish_review"))
    review = Review.objects.create(
        title="Westminster", slug="westminster", period_start="2026-10-01",
        period_end="2026-10-31", summary="…", author=author, cites_coverage=True,
        cites_demand=True, cites_feedback=True,
    )  # fmt: skip
    review.contact_points.add(station)
    with time_machine.travel(NOW, tick=False):
        review_publish(review=review, approver=approver)
        page = client.get("/reviews/westminster/").content.decode()
        # Later: more searches and answers for October's days, the place's hours changed.
        SearchCount.objects.create(day=date(2026, 10, 7), area="W2", hour=9, open_now=False,
                                   facility=False, walk="10", count=50)  # fmt: skip
        Response.objects.create(
            contact_point=station, day=date(2026, 10, 9), found_easily="no",
            spoke_privately="no", got_what_needed="no", heard_via="website",
        )  # fmt: skip
        OpeningRuleFactory(contact_point=station, weekday=6, opens=time(0), closes=time(6))
        later = client.get("/reviews/westminster/").content.decode()
    evidence = Review.objects.get().snapshot["evidence"]
    # Frozen as published: the noisy counts drawn at October's release.
    walks = DemandMonth.objects.get(month=date(2026, 10, 1)).cells["walks"]
    searches = sum(max(0, n) for n in walks.values())
    unmet = max(0, walks["30"]) + max(0, walks["over"])
    assert evidence["demand"]["searches"] == f"about {searches:,}"
    assert evidence["demand"]["unmet"] == f"about {unmet:,}"
    answered = FeedbackMonth.objects.get(month=date(2026, 10, 1)).cells[str(station.pk)]
    responses = max(0, answered["responses"])  # 60, give or take the noise (about 12)
    assert evidence["feedback"]["places"][0]["responses"] == f"about {responses}"
    assert evidence["coverage"]["london"]["shares"]["night"]["20"] == 0.0
    assert evidence["coverage"]["london"]["shares"]["weekday-daytime"]["20"] > 0
    assert "Evidence cited, as it was at publication" in page
    assert (
        f"about {searches:,} searches of the finder, about {unmet:,} with no contact point" in page
    )
    assert f"Charing Cross: about {responses} responses" in page
    # Each question also in words, frozen with the figures: 60 of 60 said yes.
    said = evidence["feedback"]["places"][0]["in_words"]["Did you get what you came for?"]
    assert said.startswith("Most common answer: “Yes”")
    assert f"<strong>Did you get what you came for?</strong> {said}" in page
    assert page == later


def test_nothing_is_cited_unless_asked(tmp_path: Path) -> None:
    station = ContactPointFactory()
    OpeningRuleFactory(contact_point=station, weekday=2, opens=time(9), closes=time(17))
    october = datetime(2026, 10, 1, tzinfo=LONDON)
    sessions_schedule(contact_point=station, start=october, end=october + timedelta(days=30))
    author = staff_user("author", "Analyst")
    approver = staff_user("approver", "Manager")
    approver.user_permissions.add(Permission.objects.get(codename="publish_review"))
    review = Review.objects.create(
        title="Plain", slug="plain", period_start="2026-10-01", period_end="2026-10-31",
        summary="…", author=author,
    )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        review_publish(review=review, approver=approver)
    assert Review.objects.get().snapshot.get("evidence", {}) == {}
