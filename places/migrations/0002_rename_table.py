from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0001_initial'),
        ('contactpoints', '0008_postcode_moves_to_places'),
    ]

    operations = [
        migrations.AlterModelTable(name='postcode', table=None),
    ]
