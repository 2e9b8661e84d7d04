from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contactpoints import bank_holidays


class Command(BaseCommand):
    help = (
        "Replace the shipped England and Wales bank holidays with GOV.UK's current list "
        f"({bank_holidays.GOV_UK_URL}). Needs a network; the old list stays if it fails."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = bank_holidays.refresh()
        except OSError as error:
            raise CommandError(
                f"Could not download {bank_holidays.GOV_UK_URL} ({error}). The list shipped "
                "with the project is unchanged."
            ) from None
        except (bank_holidays.ListError, ValueError) as error:
            raise CommandError(
                f"GOV.UK's answer was not usable: {error}. Nothing changed."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"Bank holidays refreshed: {count} England and Wales dates.")
        )
