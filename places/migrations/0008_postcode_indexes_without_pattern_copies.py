"""The gazetteer's postcode stays unique and its district indexed, without the second
pattern-matching (`varchar_pattern_ops`) index PostgreSQL gets for `unique=True` and
`db_index=True` columns: no query matches postcodes by pattern, and every import wrote them.
SQLite rebuilds the table for these changes, dropping its triggers: the areas version's are
made again at the end."""

from django.db import migrations, models

from core.versions import AREAS, bumped_by


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0007_district_centres"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="postcode",
            name="outward",
            field=models.CharField(help_text="District: SW1A", max_length=4),
        ),
        migrations.AlterField(
            model_name="postcode",
            name="postcode",
            field=models.CharField(help_text="Canonical: SW1A 1AA", max_length=8),
        ),
        migrations.AddIndex(
            model_name="postcode",
            index=models.Index(fields=["outward"], name="postcode_outward"),
        ),
        migrations.AddConstraint(
            model_name="postcode",
            constraint=models.UniqueConstraint(fields=("postcode",), name="postcode_unique"),
        ),
        bumped_by(AREAS, ["places_postcode"]),
    ]
