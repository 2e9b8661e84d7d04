"""Daily work of the published figures (`manage.py daily`)."""

from __future__ import annotations

from datetime import date

from . import release


def release_usage(*, today: date) -> str:
    """Release every month that is due and publish the revisions that have become safe."""
    before = len(release.released_months())
    release.release(today)
    return (
        f"{len(release.released_months()) - before} month(s) released; "
        f"{release.held_back()} revision(s) held back until safe"
    )
