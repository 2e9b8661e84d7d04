"""Every write to the gazetteer, the ward boundaries or the population figures changes the
`areas` data version in the same transaction (core.versions): coverage and the demand map
follow, whatever path the write took."""

from django.db import migrations

from core.versions import AREAS, bumped_by


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0005_population"),
        ("core", "0001_initial"),
    ]

    operations = [bumped_by(AREAS, ["places_postcode", "places_area", "places_population"])]
