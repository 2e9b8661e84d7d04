from django.db import migrations, models


def forget_work_under_way(apps, schema_editor):
    # Rows name work under way in the processes this deploy replaces; with no slot to give
    # them, they are dropped (the work is started again by the next reader who needs it).
    apps.get_model("core", "Job").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_background_jobs"),
    ]

    operations = [
        migrations.RunPython(forget_work_under_way, migrations.RunPython.noop),
        migrations.AddField(
            model_name="job",
            name="slot",
            field=models.PositiveSmallIntegerField(default=0, unique=True),
            preserve_default=False,
        ),
    ]
