"""The roll-up's columns are written out in `publishing.models`; this check fails at start-up
(and in `manage.py check`, run by the tests) when a visit's categories and the columns part."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register()
def rollup_columns(**kwargs: Any) -> list[checks.CheckMessage]:
    from .models import HOURS, TALLIES, UsageDay, UsageMonth

    errors: list[checks.CheckMessage] = []
    for model, wanted in ((UsageDay, [*TALLIES, *HOURS]), (UsageMonth, list(TALLIES))):
        have = {field.name for field in model._meta.get_fields()}
        missing = [column for column in wanted if column not in have]
        if missing:
            errors.append(
                checks.Error(
                    f"{model.__name__} has no column for {', '.join(missing)}",
                    hint="Add the field (and a migration) for each new visit category.",
                    obj=model,
                    id="publishing.E001",
                )
            )
    return errors
