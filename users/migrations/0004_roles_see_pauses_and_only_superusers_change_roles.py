"""Managers see sign-in pauses (and may end one); the Administrator role reads the access
history and no longer changes roles: only a superuser changes a group's permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANT = {
    "Manager": ["users.view_signinthrottle", "users.delete_signinthrottle"],
    "Administrator": [
        "users.view_signinthrottle",
        "users.delete_signinthrottle",
        "users.view_accessrecord",
    ],
}
TAKE = {"Administrator": ["auth.add_group", "auth.change_group", "auth.delete_group"]}


def _permissions(Permission, names):
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def change(apps, schema_editor, forwards=True):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for names, add in ((GRANT, forwards), (TAKE, not forwards)):
        for role, permissions in names.items():
            group = Group.objects.filter(name=role).first()
            if group is None:
                continue
            found = _permissions(Permission, permissions)
            if add:
                group.permissions.add(*found)
            else:
                group.permissions.remove(*found)


def undo(apps, schema_editor):
    change(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0003_sign_in_failures_and_access_history"),
        ("visits", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(change, undo)]
