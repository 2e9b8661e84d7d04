from typing import Any

from django.core.management.base import BaseCommand, CommandError

from publishing import release
from publishing.rollup import usage_rebuild, usage_verify


class Command(BaseCommand):
    help = (
        "Compare the usage roll-up (every contact point day, every category and hour) and "
        "every session's visit count with the visits themselves, and report any difference. "
        "With --repair, rebuild them from the visits. Exits with an error when drift is "
        "found and not repaired."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--repair", action="store_true", help="rebuild the roll-up from the visits"
        )

    def handle(self, *args: Any, repair: bool = False, **options: Any) -> None:
        drift = usage_verify()
        for item in drift[:50]:
            self.stdout.write(
                f"{item.what} {item.key}: stored {item.stored}, counted {item.counted}"
            )
        if len(drift) > 50:
            self.stdout.write(f"… and {len(drift) - 50} more")
        if not drift:
            release.release()  # settle what is due: what is still pending is held back
        held = release.held_back()
        if held:
            self.stdout.write(
                f"{held} released contact point month(s) have a correction held back until "
                "it is safe to publish (docs/usage-figures.md): not drift."
            )
        if not drift:
            self.stdout.write(self.style.SUCCESS("Usage roll-up verified: drift 0."))
            return
        if repair:
            usage_rebuild()
            release.release()
            left = usage_verify()
            if left:
                raise CommandError(f"Repaired, but {len(left)} difference(s) remain.")
            self.stdout.write(
                self.style.SUCCESS(f"Repaired {len(drift)} difference(s): drift now 0.")
            )
            return
        raise CommandError(
            f"Usage roll-up drift: {len(drift)} difference(s). Run with --repair to rebuild."
        )
