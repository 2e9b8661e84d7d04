"""Visitors' answers on the usage page: released by month with differential-privacy noise
drawn once; the padding adversary held to the stated budget; answers deleted after the
retention period, the published figures kept."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from core.time import LONDON
from feedback import release
from feedback.models import FeedbackMonth, Response
from publishing import noise
from tests.factories import ContactPointFactory, OpeningRuleFactory
from tests.reference import attacker
from visits import services

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)  # September and October are published
Answer = tuple[int, str, str, str, str]  # month (9 or 10), found, private, got, heard


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


def _section(page: str) -> str:
    return page.split('id="feedback-title"')[1].split("</section>")[0]


def test_answers_are_shown_with_their_noise_kept(client: Client, library: object) -> None:
    give(library, [(10, "yes", "yes", "yes", "poster")] * 40 + [(10, "no", "no", "no", "poster")])
    with time_machine.travel(NOW, tick=False):
        call_command("daily", stdout=io.StringIO())
        page = client.get("/usage/library/?start=2026-10&end=2026-10").content.decode()
        stored = FeedbackMonth.objects.get(month=date(2026, 10, 1)).cells
        give(library, [(10, "no", "no", "no", "website")] * 20)  # late: changes nothing
        release.release()
        cache.clear()
        again = client.get("/usage/library/?start=2026-10&end=2026-10").content.decode()
    section = _section(page)
    cells = stored[str(library.pk)]  # type: ignore[attr-defined]
    assert f"About {noise.shown(cells['responses'])} response" in section
    assert "random noise" in section
    found = section.split("Did you find this contact point easily? (each")[1].split("</table>")[0]
    shown = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', found))
    assert shown["Yes, easily"] == str(noise.shown(cells["found_easily:yes"]))
    # Above the tables, each question answered in words that agree with the table: the
    # answer it names first is the one with the most.
    words = re.search(r"easily\?</strong> ([^<]+)</li>", section)[1]  # type: ignore[index]
    leader = max(shown, key=lambda label: int(shown[label]))
    assert words.startswith(
        (f"Most common answer: “{leader}”", f"No answer clearly ahead: “{leader}”")
    )
    assert _section(again) == section
    assert FeedbackMonth.objects.get(month=date(2026, 10, 1)).cells == stored


def test_every_place_is_published_answered_or_not(library: object) -> None:
    quiet = ContactPointFactory(slug="hall", name="Hall")
    give(library, [(10, "yes", "yes", "yes", "poster")] * 3)
    with time_machine.travel(NOW, tick=False):
        release.release()
    october = FeedbackMonth.objects.get(month=date(2026, 10, 1))
    assert set(october.cells) == {str(library.pk), str(quiet.pk)}  # type: ignore[attr-defined]
    assert set(october.cells[str(quiet.pk)]) == set(release.keys())


def test_padding_with_ones_own_answers_reveals_no_more_than_the_budget(library: object) -> None:
    """Someone sends up to 100 answers of their own for the library and wants to know
    whether one other visitor answered that month — knowing everything else, even what the
    visitor would have answered. Their best test is right at most e^ε / (1 + e^ε) of the
    time (ε = 1 per answer)."""
    give(library, [(10, "yes", "no", "yes", "poster")] * 2)
    base, _synthetic = release.month_counts(date(2026, 10, 1))
    pk = library.pk  # type: ignore[attr-defined]
    target = {"found_easily": "no", "spoke_privately": "no", "got_what_needed": "partly",
              "heard_via": "referred"}  # fmt: skip
    names = ["responses", *(f"{q}:{a}" for q, a in target.items())]

    def counts(present: bool, padding: int) -> release.Counts:
        mine = dict(base[pk])
        for name in names:
            mine[name] += padding + present
        return {pk: mine}

    def cells(padding: int) -> list[attacker.Cell]:
        without = counts(False, padding)[pk]
        return [
            attacker.Cell(lambda p, n=name: p[str(pk)][n],
                          release.BUDGET[name.split(":")[0]].scale, without[name])
            for name in names
        ]  # fmt: skip

    trials = 4000
    found = attacker.accuracy(lambda present, pad: release.noisy_cells(counts(present, pad)),
                              cells, trials)  # fmt: skip
    bound = noise.guess_bound(release.BUDGET.epsilon)
    assert release.BUDGET.epsilon == 1.0
    assert found <= bound + attacker.slack(bound, trials), (found, bound)


def test_answers_are_deleted_after_the_retention_period_the_published_figures_kept(
    client: Client, library: object
) -> None:
    give(library, [(10, "yes", "yes", "yes", "poster")] * 6)
    Response.objects.filter(day=date(2026, 10, 8)).update(synthetic=True)
    with time_machine.travel(NOW, tick=False):
        call_command("daily", stdout=io.StringIO())
        before = client.get("/usage/library/?start=2026-10&end=2026-10").content.decode()
    assert "Includes synthetic demo data: not real answers." in before
    # 90 days after 8 October (6 January) the answers go; the published figures stay.
    with time_machine.travel(datetime(2027, 1, 5, 12, tzinfo=LONDON), tick=False):
        call_command("feedback_retention", stdout=io.StringIO())
    assert Response.objects.count() == 6  # not yet 90 days old
    with time_machine.travel(datetime(2027, 1, 7, 12, tzinfo=LONDON), tick=False):
        call_command("feedback_retention", stdout=io.StringIO())
    assert not Response.objects.exists()
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        after = client.get("/usage/library/?start=2026-10&end=2026-10").content.decode()
    assert after == before


TOO_FEW = "Too few answers to say which was most common."


@pytest.mark.parametrize(
    ("counts", "margin", "words"),
    [
        ([("Yes", 30), ("Partly", 8), ("No", 2)], 5, "Most common answer: “Yes”, about 8 in 10."),
        ([("Yes", 19), ("Partly", 17), ("No", 4)], 5,
         "No answer clearly ahead: “Yes” about 5 in 10, “Partly” about 4 in 10."),
        ([("Yes", 4), ("Partly", 1), ("No", 0)], 5, TOO_FEW),
        ([("Yes", 0), ("Partly", 0), ("No", 0)], 0, TOO_FEW),
        ([("Yes", 40), ("Partly", 0), ("No", 0)], 5, "Most common answer: “Yes”, almost all."),
        ([("Yes", 97), ("Partly", 2), ("No", 1)], 5, "Most common answer: “Yes”, almost all."),
    ],
)  # fmt: skip
def test_each_question_is_said_in_words_no_surer_than_the_noise(
    counts: list[tuple[str, int]], margin: int, words: str
) -> None:
    from feedback.figures import Answers

    assert Answers("Did you get what you came for?", counts, margin).in_words == words
