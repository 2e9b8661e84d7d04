"""Published months become final: revisions are new rows beside the ones they supersede, and
changes waiting for a revision are noted in their own table (`UsageRevisionDue`).

Months already published are re-protected under the rules that hide zeros like small
counts (docs/usage-figures.md), worked out from their published cells alone. The new rules
only ever hide more (every cell they show, the old ones showed with the same value), so the
change reveals nothing; reviews keep the figures frozen in them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FAMILIES = ("purpose_", "heard_", "room_", "source_", "outcome_")


def _coarsen(cells, visits, k):
    """One family's published cells (None: hidden) under the new rules."""
    if visits is None:
        return dict.fromkeys(cells)
    if any(v is None for v in cells.values()):
        return {key: v if v else None for key, v in cells.items()}  # zeros hidden too
    if visits - max(cells.values(), default=0) < k:
        return dict.fromkeys(cells)  # all but fewer than k in one category
    return cells


def reprotect(apps, schema_editor):
    UsageMonth = apps.get_model("visits", "UsageMonth")
    UsageRevisionDue = apps.get_model("visits", "UsageRevisionDue")
    k = int(settings.DISCLOSURE_THRESHOLD)
    columns = [f.attname for f in UsageMonth._meta.concrete_fields if f.attname.startswith(FAMILIES)]
    UsageRevisionDue.objects.bulk_create(
        UsageRevisionDue(contact_point_id=cp, month=month, marks=marks)
        for cp, month, marks in UsageMonth.objects.filter(pending=True).values_list(
            "contact_point_id", "month", "marks"
        )
    )
    for row in UsageMonth.objects.iterator(chunk_size=2000):
        visits = row.visits if row.visits is not None and row.visits >= k else None
        row.synthetic = bool(row.source_synthetic)  # None: hidden, so at least one
        for prefix in FAMILIES:
            family = {c: getattr(row, c) for c in columns if c.startswith(prefix)}
            for column, value in _coarsen(family, visits, k).items():
                setattr(row, column, value)
        when = {f"when_{d}_{h:02d}": row.details.get(f"when_{d}_{h:02d}", 0)
                for d in range(1, 8) for h in range(24)}
        when = _coarsen(when, visits, k)
        details = {key: v for key, v in when.items() if v}
        if any(v is None for v in when.values()):
            details["_when_masked"] = True
        if row.details.get("_inconsistent"):
            details["_inconsistent"] = True
        row.details = details
        with_visitor = row.sessions_with_visitor
        row.sessions_with_visitor = with_visitor if with_visitor and with_visitor >= k else None
        row.visits = visits
        row.save()



class Migration(migrations.Migration):

    dependencies = [
        ('contactpoints', '0008_postcode_moves_to_places'),
        ('visits', '0006_fill_outcome_and_hour_rollup'),
    ]

    operations = [
        migrations.CreateModel(
            name='UsageRevisionDue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month.')),
                ('marks', models.PositiveIntegerField(default=1, help_text='How often a change was noted: tells the release what is new.')),
            ],
        ),
        migrations.AddField(
            model_name='usagerevisiondue',
            name='contact_point',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contactpoints.contactpoint'),
        ),
        migrations.AddField(
            model_name='usagemonth',
            name='revision',
            field=models.PositiveSmallIntegerField(default=0, help_text='0: as first released.'),
        ),
        migrations.AddField(
            model_name='usagemonth',
            name='superseded',
            field=models.BooleanField(default=False, help_text='A later revision of the same month replaced it.'),
        ),
        migrations.AddField(
            model_name='usagemonth',
            name='synthetic',
            field=models.BooleanField(default=False, help_text='The month includes synthetic demo visits.'),
        ),
        migrations.RunPython(reprotect, migrations.RunPython.noop),
    ]
