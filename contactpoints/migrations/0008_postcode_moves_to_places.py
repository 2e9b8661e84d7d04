"""The postcode gazetteer now belongs to `places` (its 0001 records the same table)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contactpoints', '0007_drop_lat_lon_index'),
        ('places', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Postcode')],
        ),
    ]
