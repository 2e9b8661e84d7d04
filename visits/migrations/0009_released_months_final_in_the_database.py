"""Released months are final in the database itself (core.finality): a release marker is
never changed or removed; a published month is never changed or removed, except that a
revision marks it superseded (and nothing else) when it adds the next revision beside it."""

from django.db import migrations

from core.finality import Trigger, install

TRIGGERS = [
    Trigger("visits_usagerelease_final_update", "visits_usagerelease", "UPDATE", "1 = 1",
            "a released month stays released"),
    Trigger("visits_usagerelease_final_delete", "visits_usagerelease", "DELETE", "1 = 1",
            "a released month stays released"),
    Trigger("visits_usagemonth_final_update", "visits_usagemonth", "UPDATE",
            'OLD."superseded" OR NOT NEW."superseded" OR {changed_except:superseded}',
            "published figures are final: a revision is added beside them"),
    Trigger("visits_usagemonth_final_delete", "visits_usagemonth", "DELETE", "1 = 1",
            "published figures are final"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0008_usage_month_current_revision"),
    ]

    operations = [install(TRIGGERS)]
