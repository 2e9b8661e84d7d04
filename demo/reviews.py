"""A demo review of the Westminster contact points: its findings echo the real criticisms
(location, opening times, look and feel, privacy, publicity, value for money); its figures
are the synthetic demo visits, and the page says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db import transaction

from contactpoints.models import ContactPoint
from publishing import release, usage
from reviews import services
from reviews.models import Finding, Recommendation, RecommendationStatus, Review
from users.models import User

PUBLISHED_SLUG = "westminster-contact-points-review-2026"
DRAFT_SLUG = "front-counter-hours-review-draft"


def _reviewer(username: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": "Demo", "last_name": "reviewer"}
    )
    if created:
        user.set_unusable_password()  # exists to author and approve the demo review only
        user.save()
    user.groups.add(Group.objects.get(name="Manager"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@transaction.atomic
def load_demo_reviews(*, today: date, progress: Callable[[str], object] | None = None) -> int:
    """Create the demo reviews if missing. Returns how many were created. `progress(step)`
    names each of the two slow steps as it starts."""
    if Review.objects.filter(slug__in=[PUBLISHED_SLUG, DRAFT_SLUG]).exists():
        return 0
    say = progress or (lambda step: None)
    author, approver = _reviewer("demo-review-author"), _reviewer("demo-review-approver")
    places = {cp.slug: cp for cp in ContactPoint.objects.filter(kind="contact_point")}
    beethoven = places.get("beethoven-centre-contact-point")
    library = places.get("st-johns-wood-library-contact-point")
    # The last twelve published months (fewer if the history is shorter): a review covers
    # months whose figures are public.
    say("releasing the months that are due (usage, searches, feedback)")
    release.release(today)
    published = release.released_months()
    if not published:
        return 0
    year = usage.Period.last_12_months(published[-1])
    year = usage.Period(max(year.start, published[0]), year.end)
    review = Review.objects.create(
        title="Westminster contact points: review of the year (demo)",
        slug=PUBLISHED_SLUG,
        period_start=year.start,
        period_end=year.end,
        cites_coverage=True,
        cites_demand=True,
        cites_feedback=True,
        summary=(
            "Demo review on synthetic figures. The contact points are little used, many "
            "residents do not know they exist, and one has no private room. We recommend "
            "better publicity, evening hours that match demand, and a private room at every "
            "contact point."
        ),
        body=(
            "## What we looked at\n\n"
            "Every advertised session and every visit logged at the counter, for the year. "
            "**The figures on this page are synthetic demo data.**\n\n"
            "## What residents told us\n\n"
            "- People who would report a sensitive crime want a private room.\n"
            "- Few had heard of the contact points: most visitors were passing by.\n"
        ),
        author=author,
    )
    review.contact_points.set([cp for cp in (beethoven, library) if cp])
    findings = [
        (beethoven, "location", "amber",
         "Hard to find inside the community centre: no sign outside."),
        (beethoven, "privacy", "red",
         "No private room: visitors asking for one were turned away."),
        (beethoven, "opening_times", "amber",
         "Three one-hour sessions a week; most sessions see nobody."),
        (library, "look_and_feel", "green",
         "Clearly signed in the library, with a meeting room for private conversations."),
        (None, "publicity", "red",
         "Few visitors heard of the contact points from posters or the website."),
        (None, "value_for_money", "amber",
         "Cost per visit is high where sessions are mostly empty."),
    ]  # fmt: skip
    for place, topic, rating, text in findings:
        Finding.objects.create(
            review=review, contact_point=place, topic=topic, rating=rating, text=text
        )
    recommendations = [
        ("Put a poster with the hours and a QR code at every contact point and library.",
         "Westminster Council", today + timedelta(days=60), RecommendationStatus.DONE),
        ("Provide a private room at the Beethoven Centre, or move the contact point.",
         "MPS Central West BCU", today - timedelta(days=30), RecommendationStatus.IN_PROGRESS),
        ("Move one weekly session to the time most visitors come.",
         "MPS Central West BCU", today + timedelta(days=90), RecommendationStatus.OPEN),
        ("Close contact points with fewer than one visitor a week.",
         "MOPAC", today + timedelta(days=120), RecommendationStatus.NOT_ACCEPTED),
    ]  # fmt: skip
    for number, (text, owner, due, status) in enumerate(recommendations, start=1):
        Recommendation.objects.create(
            review=review, number=number, text=text, owner=owner, due_on=due, status=status
        )
    say("publishing the review with the evidence it cites (usage, coverage, searches, feedback)")
    services.review_publish(review=review, approver=approver)
    done = review.recommendations.get(number=1)
    services.recommendation_progress(
        recommendation=done, user=approver, status=RecommendationStatus.DONE,
        text="Posters printed from the poster pages and put up at both libraries.",
    )  # fmt: skip
    services.recommendation_progress(
        recommendation=review.recommendations.get(number=2), user=approver,
        status=RecommendationStatus.IN_PROGRESS,
        text="The centre has offered a side room; a survey of the room is booked.",
    )  # fmt: skip
    Review.objects.create(
        title="Front counter hours from March 2026 (draft)",
        slug=DRAFT_SLUG,
        period_start=date(2026, 3, 3),
        period_end=today,
        summary="Draft: how the new front counter hours are used.",
        author=author,
    )
    return 2
