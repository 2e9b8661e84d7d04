"""The postcode gazetteer moves here from contactpoints: only Django's record of the model
moves (the table and its rows stay); 0002 then renames the table."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contactpoints', '0007_drop_lat_lon_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Postcode',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('postcode', models.CharField(help_text='Canonical: SW1A 1AA', max_length=8, unique=True)),
                        ('outward', models.CharField(db_index=True, help_text='District: SW1A', max_length=4)),
                        ('latitude', models.DecimalField(decimal_places=6, max_digits=9)),
                        ('longitude', models.DecimalField(decimal_places=6, max_digits=9)),
                        ('district_code', models.CharField(blank=True, help_text='GSS code, e.g. E09000033', max_length=9, verbose_name='local authority code')),
                        ('ward_code', models.CharField(blank=True, help_text='GSS code', max_length=9)),
                        ('source', models.CharField(choices=[('onspd', 'ONS Postcode Directory'), ('codepoint', 'OS Code-Point Open')], max_length=16)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'ordering': ['postcode'],
                        'db_table': 'contactpoints_postcode',
                        'constraints': [models.CheckConstraint(condition=models.Q(('latitude__gte', -90), ('latitude__lte', 90)), name='postcode_latitude_range'), models.CheckConstraint(condition=models.Q(('longitude__gte', -180), ('longitude__lte', 180)), name='postcode_longitude_range'), models.CheckConstraint(condition=models.Q(('postcode', ''), _negated=True), name='postcode_not_empty'), models.CheckConstraint(condition=models.Q(('source__in', ['onspd', 'codepoint'])), name='postcode_source_valid')],
                    },
                ),
            ],
        ),
    ]
