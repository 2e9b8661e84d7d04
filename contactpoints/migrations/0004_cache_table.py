"""The shared cache's table (CACHE_URL=dbcache://…, the default): created with the schema so
that every worker shares one cache from the first start, with no step to forget. Does
nothing when the cache is elsewhere (Redis)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("contactpoints", "0003_cost_and_former_service")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
