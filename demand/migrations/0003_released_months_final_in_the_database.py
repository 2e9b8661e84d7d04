"""Released months of demand are final in the database itself (core.finality): never changed
or removed."""

from django.db import migrations

from core.finality import Trigger, install

TABLE = "demand_demandmonth"
TRIGGERS = [
    Trigger(f"{TABLE}_final_update", TABLE, "UPDATE", "1 = 1", "published figures are final"),
    Trigger(f"{TABLE}_final_delete", TABLE, "DELETE", "1 = 1", "published figures are final"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("demand", "0002_noisy_months_replace_protected_cells"),
    ]

    operations = [install(TRIGGERS)]
