"""Managers and analysts may build scenarios (and see each other's)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_scenario", "change_scenario", "delete_scenario", "view_scenario"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="coverage", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name__in=["Manager", "Analyst", "Administrator"]):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0001_scenarios"),
        ("visits", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
