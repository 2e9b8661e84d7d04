"""The published figures' models moved to publishing (publishing.0001), their tables with them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0009_released_months_final_in_the_database'),
        ('publishing', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='usageday',
                name='contact_point',
            ),
            migrations.RemoveField(
                model_name='usagemonth',
                name='contact_point',
            ),
            migrations.DeleteModel(
                name='UsageRelease',
            ),
            migrations.RemoveField(
                model_name='usagerevisiondue',
                name='contact_point',
            ),
            migrations.DeleteModel(
                name='UsageDay',
            ),
            migrations.DeleteModel(
                name='UsageMonth',
            ),
            migrations.DeleteModel(
                name='UsageRevisionDue',
            ),
        ]),
    ]
