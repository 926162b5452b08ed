from django.db import migrations, models

# The milestones the pathways mark `self_report: true` (recovery/pathways/*.yaml, issue 16):
# existing patients' copies get the flag too, so they can mark them in the app.
SELF_REPORTED = (
    "first_walk",
    "stop_opioids",
    "return_desk_work",
    "driving_again",
    "return_manual_work",
    "fully_active",
)


def mark_self_reported(apps, schema_editor):
    Milestone = apps.get_model("recovery", "Milestone")
    Milestone.objects.filter(code__in=SELF_REPORTED).update(self_report=True)


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0015_patient_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="milestone",
            name="self_report",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_self_reported, migrations.RunPython.noop),
    ]
