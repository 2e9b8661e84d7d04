"""Gzip for public answers, never for one that carries a secret (BREACH).

BREACH recovers a secret from the size of compressed responses that also reflect what an
attacker sends. So a response is compressed only when it holds no secret to recover:
- not when the request carries a session (a signed-in person's pages, or a session's
  data), nor when the response sets a cookie;
- so never for a page that holds a CSRF token (every form that posts: sign-in, feedback,
  report, the counter): using the token makes Django set (or renew) the CSRF cookie on
  that very response.
Everything else public — pages, the API's JSON and GeoJSON, CSV, iCalendar — is
compressed when the client accepts gzip (docs/operations.md, "Compression").

A kept public answer (core.pagecache) is compressed once per ETag in each process, not on
every request: its compressed bytes are kept beside it, in a small bounded memo. Answers
sent `private` (a search's) are compressed each time and never kept there.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

from .memo import BoundedMemo

COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/ld+json")
MEMO_BYTES = 32 * 1024 * 1024  # per process: the compressed copies of the busiest pages


def carries_secret(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether this response may hold a secret that BREACH could recover."""
    return bool(settings.SESSION_COOKIE_NAME in request.COOKIES or response.cookies)


# ETag -> (compressed body, its ETag)
_memo: BoundedMemo[tuple[bytes, str]] = BoundedMemo(MEMO_BYTES, lambda found: len(found[0]))


class CompressionMiddleware(GZipMiddleware):
    """Django's gzip middleware (with its random padding against BREACH-style length
    guessing), for answers that carry no secret."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        kind = response.get("Content-Type", "")
        if not kind.startswith(COMPRESSIBLE) or carries_secret(request, response):
            return response
        etag = response.get("ETag")
        if (
            not etag
            # Only a kept answer's copy is worth keeping: an answer made for one person (a
            # search, sent `private` with an ETag of its own) is never asked for again,
            # and a stream of them would push the busiest pages' copies out.
            or "public" not in response.get("Cache-Control", "")
            or response.streaming
            or "gzip" not in request.META.get("HTTP_ACCEPT_ENCODING", "")
        ):
            return super().process_response(request, response)
        found = _memo.get(etag)
        if found is None:
            response = super().process_response(request, response)
            if response.get("Content-Encoding") == "gzip":
                _memo.keep(etag, (response.content, response["ETag"]))  # type: ignore[attr-defined]
            return response
        body, compressed_etag = found
        response.content = body  # type: ignore[attr-defined]
        response["Content-Length"] = str(len(body))
        response["Content-Encoding"] = "gzip"
        response["ETag"] = compressed_etag
        patch_vary_headers(response, ("Accept-Encoding",))
        return response
