"""Fill the roll-up's new outcome and hour columns from the visits already stored.
Reversible: the columns go with the schema migration before it."""

from zoneinfo import ZoneInfo

from django.db import migrations
from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, TruncDate

# Frozen copy: a migration must not change when the code does.
OUTCOMES = [
    "not_recorded", "crime_report", "advice", "referred_101", "referred_online",
    "appointment", "other",
]


def fill(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    UsageDay = apps.get_model("visits", "UsageDay")
    london = ZoneInfo("Europe/London")
    columns = {f"outcome_{o}": Count("pk", filter=Q(outcome=o)) for o in OUTCOMES}
    columns.update({f"hour_{h:02d}": Count("pk", filter=Q(hour=h)) for h in range(24)})
    rows = (
        Visit.objects.filter(withdrawn_at__isnull=True)
        .annotate(
            day=TruncDate("arrived_at", tzinfo=london),
            hour=ExtractHour("arrived_at", tzinfo=london),
        )
        .values("contact_point", "day")
        .annotate(**columns)
        .order_by()
    )
    for row in rows.iterator(chunk_size=2000):
        UsageDay.objects.filter(contact_point_id=row["contact_point"], day=row["day"]).update(
            **{name: row[name] for name in columns}
        )


class Migration(migrations.Migration):
    dependencies = [("visits", "0005_usage_release_and_outcome_hour_rollup")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
