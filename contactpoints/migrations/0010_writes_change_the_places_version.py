"""Every write to what the pages about contact points show changes the `places` data version
in the same transaction (core.versions): cached pages, exports and each worker's index
follow, whatever path the write took."""

from django.db import migrations

from core.versions import PLACES, bumped_by

TABLES = [
    "contactpoints_contactpoint",
    "contactpoints_contactpoint_replaces",
    "contactpoints_openingrule",
    "contactpoints_hoursexception",
    "contactpoints_factcheck",
]


class Migration(migrations.Migration):
    dependencies = [
        ("contactpoints", "0009_ratewindow_moves_to_core"),
        ("core", "0001_initial"),
    ]

    operations = [bumped_by(PLACES, TABLES)]
