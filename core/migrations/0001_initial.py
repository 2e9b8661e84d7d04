"""The bottom layer's tables: data versions (new), and the rate limits' counts, which moved
here from contactpoints with their table (`contactpoints_ratewindow`) as it was; the page
cache's table (`PAGE_CACHE_URL`, a database table by default) is made with the schema."""

from django.core.management import call_command
from django.db import migrations, models


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contactpoints", "0006_rate_window"),  # the table that moves here
    ]

    operations = [
        migrations.CreateModel(
            name='DataVersion',
            fields=[
                ('name', models.CharField(max_length=32, primary_key=True, serialize=False)),
                ('value', models.BigIntegerField(default=1)),
            ],
        ),
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='RateWindow',
                fields=[
                    ('key', models.CharField(max_length=150, primary_key=True, serialize=False)),
                    ('count', models.PositiveIntegerField(default=0)),
                    ('expires', models.DateTimeField(db_index=True)),
                ],
                options={
                    'db_table': 'contactpoints_ratewindow',
                },
            ),
        ]),
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
