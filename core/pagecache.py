"""Public answers made once and served from the page cache until they stop being right: the
one page-cache helper every public view uses (docs/architecture.md, "Caches").

A view names what its answer depends on — the data versions (`core.versions`) and its
cleaned choices, never the raw query string, so junk parameters neither multiply pages nor
get past the cache — and says until when the answer is right. The answer is kept in the
`pages` cache alias (sized for traffic, separate from the `default` cache, which holds small
things: an eviction costs one recomputation, never a lost coordination state), with an
ETag, Last-Modified and a public max-age of at most a minute, so browsers and a shared proxy
can reuse it too.

Each process also keeps the answers it served lately (a 16 MB memo of the compressed
entries, ADR 24): the worker that made or read an answer serves it again after one query,
for the data versions.

An answer made for one person (a search: what they typed is in it) is never kept: pass
`personal=True` and it is sent `private`.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date

from . import caching, versions
from .memo import BoundedMemo

# Browsers and shared caches may reuse an answer this long at most: an edit reaches them
# within a minute.
MAX_AGE = 60
# Headers a kept answer carries besides its body.
KEPT_HEADERS = ("Content-Disposition",)

# What a kept entry holds; changed with its layout, so no process reads another layout's
# entries (2: the body compressed; 3: and its length).
FORMAT = 3

# The answers this process served lately, as kept (compressed): a kept page is then read
# with the one query for the data versions, not a second for the cache. The key holds the
# versions, so an edit is seen at once; an answer past its `until` is looked up again.
RECENT_BYTES = 16 * 1024 * 1024
_recent: BoundedMemo[dict[str, Any]] = BoundedMemo(
    RECENT_BYTES, lambda found: len(found["content"])
)

Render = Callable[[datetime], tuple[HttpResponse, datetime]]


def key_for(kind: str, choices: str, depends_on: tuple[str, ...]) -> str:
    """Where an answer is kept: its kind, its cleaned choices and the current versions of
    the data it depends on (one query)."""
    made_of = f"{FORMAT}|{kind}|{choices}|{versions.current(*depends_on)}"
    return f"page:{kind}:" + hashlib.sha256(made_of.encode()).hexdigest()


def serve(
    *,
    kind: str,
    choices: str,
    depends_on: tuple[str, ...],
    render: Render,
    personal: bool = False,
) -> HttpResponse:
    """The kept answer, or `render(now)`'s — the response and the moment it stops being
    right — kept for the next asker when it is a 200. Made from one version of its data
    (`versions.pinned`)."""
    with versions.pinned():
        return _serve(kind, choices, depends_on, render, personal)


def _serve(
    kind: str, choices: str, depends_on: tuple[str, ...], render: Render, personal: bool
) -> HttpResponse:
    now = timezone.now()
    if personal:
        response, until = render(now)
        if response.status_code == 200:
            response["Cache-Control"] = f"private, max-age={_fresh(until, now)}"
        return response
    key = key_for(kind, choices, depends_on)
    found = _recent.get(key)
    if found is None or found["until"] <= now:
        found = caching.get("pages", key)
        if found is not None:
            _recent.keep(key, found)
    if found is not None and found["until"] > now:
        response = KeptResponse(found["content"], found["length"], content_type=found["type"])
        for header, value in found["headers"].items():
            response[header] = value
    else:
        response, until = render(now)
        if response.status_code != 200 or until <= now:
            return response
        found = {
            # Compressed, quickly: a 1,000-place API answer of about 1 MB is written and
            # read as about a tenth of that (the cache's cost is in the bytes it moves).
            "content": zlib.compress(response.content, 1),
            "length": len(response.content),
            "type": response["Content-Type"],
            "headers": {h: response[h] for h in KEPT_HEADERS if response.has_header(h)},
            "made": now,
            "until": until,
            "etag": _etag(response.content),
        }
        caching.set("pages", key, found, max(1, int((until - now).total_seconds()) + 1))
        _recent.keep(key, found)
    return _public(response, _fresh(found["until"], now), found["etag"], found["made"])


class KeptResponse(HttpResponse):
    """A kept answer, its body decompressed only when something reads it. A client that
    accepts gzip is mostly sent the compressed copy the compression middleware keeps by
    ETag (core.compression), so the body is never needed: for the 1,000-place API list,
    decompressing a megabyte was most of a kept answer's time."""

    def __init__(self, packed: bytes, length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._packed: bytes | None = packed
        self["Content-Length"] = str(length)  # so no middleware reads the body to count it

    def _unpack(self) -> None:
        if self._packed is not None:
            packed, self._packed = self._packed, None
            HttpResponse.content.fset(self, zlib.decompress(packed))  # type: ignore[attr-defined]

    @property  # type: ignore[override]
    def content(self) -> bytes:
        self._unpack()
        return HttpResponse.content.fget(self)  # type: ignore[attr-defined,no-any-return]

    @content.setter
    def content(self, value: Any) -> None:
        self._packed = None
        HttpResponse.content.fset(self, value)  # type: ignore[attr-defined]

    def __iter__(self) -> Any:
        self._unpack()
        return super().__iter__()

    def write(self, content: Any) -> None:
        self._unpack()
        super().write(content)


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _public(response: HttpResponse, max_age: int, etag: str, made: datetime) -> HttpResponse:
    """A kept answer's headers: anyone may reuse it for `max_age` seconds, and check it."""
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(made.timestamp())
    return response


_fixed: dict[str, tuple[bytes, str, str, datetime]] = {}
_fixed_lock = threading.Lock()


def fixed_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For a page whose words change only with the code and the settings (the home page,
    the API's documentation): rendered once per process, by the host and path it was
    asked for, then served from memory with no query at all. A deploy starts new
    processes, so it is never served stale; an error, or a response that sets a cookie, is
    never kept."""

    @wraps(view)
    def serve_fixed(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = f"{request.scheme}://{request.get_host()}{request.path}"
        found = _fixed.get(key)
        if found is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if not isinstance(response, HttpResponse) or response.status_code != 200:
                return response  # streamed or not a page: made for this request only
            if response.cookies:
                return response
            found = (
                response.content, response["Content-Type"], _etag(response.content),
                timezone.now(),
            )  # fmt: skip
            with _fixed_lock:
                found = _fixed.setdefault(key, found)
        content, kind, etag, made = found
        return _public(HttpResponse(content, content_type=kind), MAX_AGE, etag, made)

    return serve_fixed


# {hash of the kind, versions and parameters asked: their cleaned choices}, as
# `cleaned_choices` found them: about a megabyte (each entry counted with its key).
_cleaned: BoundedMemo[str] = BoundedMemo(2**20, lambda value: 64 + 2 * len(value))


def cleaned_choices(
    kind: str, asked: str, clean: Callable[[], str | None], *, depends_on: tuple[str, ...]
) -> str | None:
    """The cleaned choices that the parameters `asked` stand for (`clean()`'s answer;
    None: not valid), worked out once per process for the versions of the data they
    are checked against: a kept page asked for again is found without a form."""
    # Hashed: parameters no filter knows are cleaned away, so a query string of junk is
    # remembered too, and its length must not count against the memo's bound.
    made_of = f"{kind}|{versions.current(*depends_on)}|{asked}"
    key = hashlib.sha256(made_of.encode()).hexdigest()
    found = _cleaned.get(key)
    if found is None:
        found = clean()
        if found is not None:
            _cleaned.keep(key, found)
    return found


def forget_recent() -> None:
    """Forget this process's copies of kept and fixed answers and of cleaned choices
    (tests: a new database draws its data versions afresh, and a version never bumped
    reads as 0 in each)."""
    _recent.clear()
    _cleaned.clear()
    with _fixed_lock:
        _fixed.clear()


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    """Fixed pages are made from the settings: a changed setting (in tests) remakes them."""
    with _fixed_lock:
        _fixed.clear()


def _fresh(until: datetime, now: datetime) -> int:
    return max(0, min(MAX_AGE, int((until - now).total_seconds())))
