"""Each contact point's revision, drawn anew by triggers whenever the place, its hours or
its facts are written (contactpoints/revisions.py). Adding the column rebuilds the table on
SQLite, which drops its triggers: the data version's are installed again too."""

from django.db import migrations, models

from contactpoints.revisions import revised_by
from core.versions import PLACES, bumped_by


class Migration(migrations.Migration):
    dependencies = [
        ("contactpoints", "0013_prepared_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactpoint",
            name="revision",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        bumped_by(PLACES, ["contactpoints_contactpoint"]),
        revised_by(),
    ]
