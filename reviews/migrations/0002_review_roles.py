"""Review permissions for the staff roles. Reversible."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("review", "finding", "recommendation", "progressupdate", "correction")
ROLES = {
    "Manager": [
        *(f"{action}_{model}" for action in ("add", "change", "delete", "view") for model in MODELS),
        "publish_review",
    ],
    "Administrator": [
        *(f"{action}_{model}" for action in ("add", "change", "delete", "view") for model in MODELS),
        "publish_review",
    ],
    "Analyst": [f"view_{model}" for model in MODELS],
}


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="reviews", codename__in=codenames)


def add(apps, schema_editor):
    app_config = apps.get_app_config("reviews")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*_permissions(apps, codenames))


def remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, codenames in ROLES.items():
        for group in Group.objects.filter(name=role):
            group.permissions.remove(*_permissions(apps, codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_reviews_findings_recommendations"),
        ("visits", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(add, remove)]
