"""Every month released changes the `figures` data version in the same transaction."""

from django.db import migrations

from core.versions import FIGURES, bumped_by


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_released_months_final_in_the_database"),
        ("core", "0001_initial"),
    ]

    operations = [bumped_by(FIGURES, ["feedback_feedbackmonth"])]
