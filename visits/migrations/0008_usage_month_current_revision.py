"""Published months become final (second step, after 0007 moved their data): the pending
marks leave the published rows, and each month has one current revision."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0007_usage_months_final_revisions_and_due_notes'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='usagemonth',
            name='usagemonth_unique',
        ),
        migrations.RemoveIndex(
            model_name='usagemonth',
            name='usagemonth_pending',
        ),
        migrations.RemoveField(
            model_name='usagemonth',
            name='marks',
        ),
        migrations.RemoveField(
            model_name='usagemonth',
            name='pending',
        ),
        migrations.RemoveField(
            model_name='usagemonth',
            name='revised_at',
        ),
        migrations.AlterField(
            model_name='usagemonth',
            name='contact_point',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='usage_months', to='contactpoints.contactpoint'),
        ),
        migrations.AlterField(
            model_name='usagemonth',
            name='details',
            field=models.JSONField(default=dict, help_text='Weekday-hour cells as published: see `when_cell`.'),
        ),
        migrations.AlterField(
            model_name='usagemonth',
            name='sessions_with_visitor',
            field=models.PositiveIntegerField(help_text='NULL: hidden.', null=True),
        ),
        migrations.AlterField(
            model_name='usagemonth',
            name='visits',
            field=models.PositiveIntegerField(help_text='NULL: hidden (0 to k − 1).', null=True),
        ),
        migrations.AddConstraint(
            model_name='usagemonth',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded', False)), fields=('contact_point', 'month'), name='usagemonth_one_current'),
        ),
        migrations.AddConstraint(
            model_name='usagemonth',
            constraint=models.UniqueConstraint(fields=('contact_point', 'month', 'revision'), name='usagemonth_revision_unique'),
        ),
        migrations.AddConstraint(
            model_name='usagerevisiondue',
            constraint=models.UniqueConstraint(fields=('contact_point', 'month'), name='revisiondue_unique'),
        ),
    ]
