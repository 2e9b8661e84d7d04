"""Drop the postcode's pattern-matching (`varchar_pattern_ops`) index that 0008 meant to
drop. Django names that index after the table, and it was made when the table was
`contactpoints_postcode`; 0008 looked for it under `places_postcode`'s name, found nothing
and left it, so every postcode import still wrote a fourth index no query uses (a fifth of
the merge's time). SQLite never had it: there the statement does nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("places", "0008_postcode_indexes_without_pattern_copies")]

    operations = [
        migrations.RunSQL(
            'DROP INDEX IF EXISTS "contactpoints_postcode_postcode_3898ec9b_like"',
            reverse_sql=migrations.RunSQL.noop,
        )
    ]
