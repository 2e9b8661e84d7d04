"""The rate limits' counts moved to core (core.0001), their table with them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contactpoints', '0008_postcode_moves_to_places'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='RateWindow')],
        ),
    ]
