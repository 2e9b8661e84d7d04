"""Permissions on postcodes follow the model to `places`: the content type
contactpoints.postcode becomes places.postcode, so the roles that could view postcodes still
can. Where Django already made places.postcode (its post-migrate step ran in between), each
role's and user's permissions are moved to the new rows and the old type removed."""

from django.db import migrations


def move(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("users", "User")
    old = ContentType.objects.filter(app_label="contactpoints", model="postcode").first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label="places", model="postcode").first()
    if new is None:
        old.app_label = "places"
        old.save(update_fields=["app_label"])
        return
    for permission in Permission.objects.filter(content_type=old):
        replacement, _ = Permission.objects.get_or_create(
            content_type=new, codename=permission.codename, defaults={"name": permission.name}
        )
        for group in Group.objects.filter(permissions=permission):
            group.permissions.add(replacement)
        for user in User.objects.filter(user_permissions=permission):
            user.user_permissions.add(replacement)
    old.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0002_rename_table"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("users", "0002_sign_in_throttle"),
        ("visits", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
