"""Managers keep how each fact is known (the fact-check list they work from) and read
residents' reports of wrong information, recording what they found; the Analyst role reads
both. The Administrator role holds every Manager permission (so that it may give the role).
Nobody adds a report in the back office: reports come from the public form."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER = [
    *(f"contactpoints.{action}_factcheck" for action in ("add", "change", "delete", "view")),
    "contactpoints.view_wronginformation",
    "contactpoints.change_wronginformation",
]
GRANT = {
    "Manager": MANAGER,
    "Analyst": ["contactpoints.view_factcheck", "contactpoints.view_wronginformation"],
    "Administrator": MANAGER,
}


def change(apps, schema_editor, forwards=True):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in GRANT.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        found = []
        for name in names:
            app_label, codename = name.split(".")
            found.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        if forwards:
            group.permissions.add(*found)
        else:
            group.permissions.remove(*found)


def undo(apps, schema_editor):
    change(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0004_roles_see_pauses_and_only_superusers_change_roles"),
        ("contactpoints", "0012_wrong_information"),
    ]

    operations = [migrations.RunPython(change, undo)]
