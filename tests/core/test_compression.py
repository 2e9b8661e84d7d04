"""Public answers are compressed; an answer that carries a secret never is (BREACH): a
form's CSRF token, a signed-in person's pages, a response that sets a cookie."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.test import Client

from tests.conftest import sign_in
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture(autouse=True)
def _midday() -> Iterator[None]:
    """A fixed moment, away from the place's closing: in its last hour "closes in N
    minutes" changes each minute, and two answers compared a minute apart would differ."""
    with time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def place() -> None:
    cp = ContactPointFactory(slug="lewisham", name="Lewisham")
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(10), closes=time(22))


@pytest.mark.parametrize(
    "url",
    [
        "/", "/contact-points/", "/contact-points/lewisham/", "/api/v1/contact-points",
        "/api/v1/contact-points.csv", "/contact-points/lewisham/sessions.ics",
        "/search/?lat=51.5&lon=-0.1", "/api/v1/contact-points/nearest?lat=51.5&lon=-0.1",
    ],
)  # fmt: skip
def test_public_answers_are_compressed_and_mean_the_same(place: None, url: str) -> None:
    plain = Client().get(url)
    packed = Client().get(url, **GZIP)
    assert packed.status_code == plain.status_code == 200
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    body = gzip.decompress(packed.content)
    assert len(packed.content) < len(body)
    if "ics" not in url and "nearest" not in url and "search" not in url:
        assert body == plain.content
    if "public" in packed.get("Cache-Control", ""):  # a kept page: from the compressed memo
        again = Client().get(url, **GZIP)
        assert again.content == packed.content
        assert again["ETag"] == packed["ETag"]


@pytest.mark.parametrize(
    "url",
    ["/accounts/login/", "/feedback/lewisham/", "/contact-points/lewisham/report/"],
)
def test_a_page_with_a_csrf_token_is_never_compressed(place: None, url: str) -> None:
    answer = Client().get(url, **GZIP)
    assert answer.status_code == 200
    assert "csrfmiddlewaretoken" in answer.content.decode()
    assert answer.get("Content-Encoding") is None


def test_a_signed_in_persons_pages_are_never_compressed(place: None) -> None:
    client = sign_in(Client(), staff_user("manager", "Manager"))
    for url in ("/", "/contact-points/lewisham/", "/staff/", "/admin/"):
        answer = client.get(url, **GZIP)
        assert answer.get("Content-Encoding") is None, url


def test_no_compressed_answer_anywhere_holds_a_token_or_sets_a_cookie(place: None) -> None:
    """The adversary's sweep: whatever public page a visitor opens, with or without a
    session, a gzip answer never has a secret in it."""
    client = Client()
    client.get("/feedback/lewisham/")  # the visitor now has a CSRF cookie
    for url in (
        "/", "/search/?lat=51.5&lon=-0.1", "/contact-points/", "/contact-points/lewisham/",
        "/contact-points/lewisham/poster/", "/feedback/lewisham/", "/accounts/login/",
        "/contact-points/lewisham/report/", "/privacy/", "/api/", "/embed/",
    ):  # fmt: skip
        answer = client.get(url, **GZIP)
        if answer.get("Content-Encoding") == "gzip":
            body = gzip.decompress(answer.content).decode()
            assert "csrfmiddlewaretoken" not in body, url
            assert not answer.cookies, url


@pytest.mark.parametrize("encoding", [{}, GZIP])
def test_a_kept_answer_says_its_true_length_however_it_is_sent(place: None, encoding) -> None:
    """A kept answer's body is decompressed only when needed (core.pagecache.KeptResponse):
    whether it is sent plain or compressed, from the memo or not, its Content-Length is
    the length of the bytes sent, and the body means the same."""
    made = Client().get("/api/v1/contact-points")
    for _ in range(2):  # the second time from the memos of kept and compressed answers
        sent = Client().get("/api/v1/contact-points", **encoding)
        assert "public" in sent["Cache-Control"]
        assert int(sent["Content-Length"]) == len(sent.content)
        body = gzip.decompress(sent.content) if encoding else sent.content
        assert body == made.content


def test_searches_never_take_the_room_of_kept_answers_compressed_copies(
    place: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker keeps the compressed copies of kept answers, by ETag, in bounded memory.
    A search's answer is made for one person and never asked for again: a stream of
    searches from new addresses (everyday traffic) must not push the busiest page's copy
    out, nor fill the memory with copies no one will reuse."""
    from core import compression
    from core.memo import BoundedMemo

    memo: BoundedMemo[tuple[bytes, str]] = BoundedMemo(16 * 1024, lambda found: len(found[0]))
    monkeypatch.setattr(compression, "_memo", memo)
    etag = Client().get("/api/v1/contact-points")["ETag"]
    Client().get("/api/v1/contact-points", **GZIP)
    assert list(memo.found) == [etag]
    for i in range(40):
        where = {"lat": 51.5 + i / 1000, "lon": -0.1}
        assert Client().get("/api/v1/contact-points/nearest", where, **GZIP).status_code == 200
        assert Client().get("/search/", where, **GZIP)["Content-Encoding"] == "gzip"
    assert list(memo.found) == [etag]
