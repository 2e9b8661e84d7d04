"""Visitors' answers on the usage page: released by month, protected like the visits; the
adversary's twin test over the page and its period choices."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from contactpoints.hours import LONDON
from feedback.models import FeedbackMonth, Response
from tests.factories import ContactPointFactory, OpeningRuleFactory
from visits import services

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)  # September and October are published
Answer = tuple[int, str, str, str, str]  # month (9 or 10), found, private, got, heard
answers = st.tuples(
    st.sampled_from([9, 10]), st.sampled_from(["yes", "difficult", "no"]),
    st.sampled_from(["yes", "no"]), st.sampled_from(["yes", "no"]),
    st.sampled_from(["poster", "website"]),
)  # fmt: skip


@pytest.fixture
def library() -> object:
    cp = ContactPointFactory(slug="library", name="Library")
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    services.sessions_schedule(
        contact_point=cp, start=datetime(2026, 9, 1, tzinfo=LONDON),
        end=datetime(2026, 10, 31, tzinfo=LONDON),
    )  # fmt: skip
    return cp


def give(cp: object, history: list[Answer]) -> None:
    Response.objects.bulk_create(
        Response(contact_point=cp, day=date(2026, month, 8), found_easily=found,
                 spoke_privately=private, got_what_needed=got, heard_via=heard)  # type: ignore[misc]
        for month, found, private, got, heard in history
    )  # fmt: skip


def surface() -> dict[str, bytes]:
    client = Client()
    return {
        url: client.get(url).content
        for url in ["/usage/library/?start=2026-09&end=2026-09",
                    "/usage/library/?start=2026-10&end=2026-10",
                    "/usage/library/?start=2026-09&end=2026-10", "/usage/library/"]
    }  # fmt: skip


def in_world(cp: object, history: list[Answer]) -> tuple[list[object], dict[str, bytes]]:
    with transaction.atomic():
        cache.clear()
        give(cp, history)
        outputs = surface()
        cells = sorted((m.month, sorted(m.cells.items())) for m in FeedbackMonth.objects.all())
        transaction.set_rollback(True)
    cache.clear()
    return cells, outputs


def test_answers_are_shown_protected_on_the_usage_page(client: Client, library: object) -> None:
    give(library, [(10, "yes", "yes", "yes", "poster")] * 6 + [(10, "no", "no", "no", "poster")])
    with time_machine.travel(NOW, tick=False):
        page = client.get("/usage/library/?start=2026-10&end=2026-10").content.decode()
    section = page.split('id="feedback-title"')[1].split("</section>")[0]
    assert "7 responses" in section
    found = section.split("Did you find this contact point easily?")[1].split("</table>")[0]
    cells = dict(
        re.findall(r'<th scope="row">([^<]+)</th><td class="num">(?:<abbr[^>]*>)?([^<]+)', found)
    )
    # One "No": suppressed, and "Yes, easily" with it (7 − 6 would give it away).
    assert cells["No"] == "[c]"
    assert cells["Yes, easily"] != "6"
    assert cells["Yes, with some difficulty"] == "0"


@settings(
    max_examples=10 if os.environ.get("CI") else 4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(answers, max_size=14), extra=answers, like=st.booleans())
# Two answers, then a third like them: all three hidden ("[c]") — the page must not change.
@example(history=[(10, "no", "no", "no", "poster")] * 2, extra=(10, "no", "no", "no", "poster"),
         like=False)  # fmt: skip
def test_no_output_tells_apart_answers_that_differ_in_suppressed_cells(
    library: object, history: list[Answer], extra: Answer, like: bool
) -> None:
    if like and history:
        extra = history[len(history) // 2]
    with time_machine.travel(NOW, tick=False):
        cells, outputs = in_world(library, history)
        twin_cells, twin_outputs = in_world(library, [*history, extra])
    if cells != twin_cells:
        event("the extra answer shows in a published cell")
        return
    event("the extra answer is hidden in suppressed cells")
    assert [url for url in outputs if outputs[url] != twin_outputs[url]] == []


def test_answers_are_deleted_after_the_retention_period_the_published_figures_kept(
    client: Client, library: object
) -> None:
    from django.core.management import call_command

    give(library, [(10, "yes", "yes", "yes", "poster")] * 6)
    Response.objects.filter(day=date(2026, 10, 8)).update(synthetic=True)
    with time_machine.travel(NOW, tick=False):
        before = client.get("/usage/library/?start=2026-10&end=2026-10").content.decode()
    assert "Includes synthetic demo data: not real answers." in before
    # 90 days after 8 October (6 January) the answers go; the published figures stay.
    with time_machine.travel(datetime(2027, 1, 5, 12, tzinfo=LONDON), tick=False):
        call_command("feedback_retention", stdout=__import__("io").StringIO())
    assert Response.objects.count() == 6  # not yet 90 days old
    with time_machine.travel(datetime(2027, 1, 7, 12, tzinfo=LONDON), tick=False):
        call_command("feedback_retention", stdout=__import__("io").StringIO())
    assert not Response.objects.exists()
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        after = client.get("/usage/library/?start=2026-10&end=2026-10").content.decode()
    assert after == before
