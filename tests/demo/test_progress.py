"""`make run`'s slower demo steps say what they are doing while they do it, and a re-run,
which adds nothing, says only that."""

import io
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from core.time import LONDON
from demand.models import SearchCount
from demo.places import load_demo
from demo.visits import generate
from tests.factories import ContactPointFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, tzinfo=LONDON)


def _run(command: str, *args: str) -> list[str]:
    out = io.StringIO()
    call_command(command, *args, stdout=out, no_color=True)
    return out.getvalue().splitlines()


def test_synthetic_searches_are_generated_area_by_area_and_once() -> None:
    # No gazetteer here: the areas are squares around the two located places.
    ContactPointFactory()
    ContactPointFactory(latitude=Decimal("51.4625"), longitude=Decimal("-0.0125"))
    with time_machine.travel(NOW, tick=False):
        first = _run("generate_demand", "--days", "14")
        again = _run("generate_demand", "--days", "14")
    added = SearchCount.objects.aggregate(n=Sum("count"))["n"]
    assert added > 0
    assert not SearchCount.objects.filter(synthetic=False).exists()
    assert first[0] == "Generating synthetic searches for the last 14 days in 2 areas …"
    assert first[1].startswith("  searches: 2/2 areas (")
    assert first[-1] == f"Synthetic demo searches: {added} added."
    assert again == ["Synthetic demo searches: 0 added."]
    assert SearchCount.objects.aggregate(n=Sum("count"))["n"] == added


def test_the_demo_reviews_name_their_slow_steps_as_they_start() -> None:
    load_demo()
    generate(days=60, now=NOW)
    with time_machine.travel(NOW, tick=False):
        first = _run("load_demo_reviews")
        again = _run("load_demo_reviews")
    assert first == [
        "  demo reviews: releasing the months that are due (usage, searches, feedback) …",
        "  demo reviews: publishing the review with the evidence it cites (usage, coverage, "
        "searches, feedback) …",
        "Demo reviews: 2 created.",
    ]
    assert again == ["Demo reviews: 0 created."]
