"""Search demand is published with differential-privacy noise (docs/demand.md, ADR 14): one
row per released month with every area's noisy counts. Months published before, under
thresholds that padding defeats, are withdrawn; the next release publishes again every
month whose daily counts are still kept (those older than the retention period are gone)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('demand', '0001_initial'),
    ]

    operations = [
        migrations.DeleteModel(name='DemandMonth'),
        migrations.DeleteModel(name='DemandRelease'),
        migrations.CreateModel(
            name='DemandMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month', unique=True)),
                ('cells', models.JSONField(help_text='areas: {area: [met, unmet]}, walks, hours, asked')),
                ('epsilon', models.FloatField(help_text='The privacy budget spent per search (ε; δ = 0)')),
                ('synthetic', models.BooleanField(default=False, help_text='Includes synthetic demo searches')),
                ('released_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['month'],
                'constraints': [models.CheckConstraint(condition=models.Q(('month__day', 1)), name='demandmonth_first_of_month')],
            },
        ),
    ]
