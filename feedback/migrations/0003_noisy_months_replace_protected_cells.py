"""Visitor feedback is published with differential-privacy noise (docs/feedback.md, ADR 14):
one row per released month with every contact point's noisy counts. Months published
before, under thresholds that padding defeats, are withdrawn; the next release publishes
again every month whose answers are still kept (those past the retention period are gone)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0002_synthetic'),
    ]

    operations = [
        migrations.DeleteModel(name='FeedbackMonth'),
        migrations.DeleteModel(name='FeedbackRelease'),
        migrations.CreateModel(
            name='FeedbackMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month', unique=True)),
                ('cells', models.JSONField(help_text='{contact point id: {"responses": n, "question:answer": n}}')),
                ('epsilon', models.FloatField(help_text='The privacy budget spent per answer (ε; δ = 0)')),
                ('synthetic', models.BooleanField(default=False, help_text='Includes synthetic demo answers')),
                ('released_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['month'],
                'constraints': [models.CheckConstraint(condition=models.Q(('month__day', 1)), name='feedbackmonth_first_of_month')],
            },
        ),
    ]
