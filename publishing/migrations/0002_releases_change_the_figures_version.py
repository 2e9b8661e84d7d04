"""Every month released or revised changes the `figures` data version in the same
transaction (core.versions): the usage pages follow."""

from django.db import migrations

from core.versions import FIGURES, bumped_by


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [bumped_by(FIGURES, ["visits_usagerelease", "visits_usagemonth"])]
