"""Issue 15, item 7: the time zone is stored once, on notifications' Preference.

Until now the zone lived on Patient.timezone and on Preference.timezone, kept in step by
enrollment and a signal. This migration makes every patient's Preference hold their zone,
then drops the Patient column.

Where the two disagreed, the patient's column wins: it is the one their clinical calendar
(postoperative day, checklist dates, reminder times) was computed from, so no patient's
"today" moves when this runs. A patient without a Preference row gets one, holding their zone
and the model's defaults for everything else.

Reverse: the column comes back, filled from Preference ("UTC", notifications' default, for a
user with no row), then NOT NULL as before.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

import recovery.models.patients

BATCH = 1000


def zone_to_preferences(apps, schema_editor):
    Patient = apps.get_model("recovery", "Patient")
    Preference = apps.get_model("notifications", "Preference")
    patient_zone = Patient.objects.filter(user_id=OuterRef("user_id")).values("timezone")[:1]
    Preference.objects.filter(user_id__in=Patient.objects.values("user_id")).update(
        timezone=Subquery(patient_zone)
    )
    missing = (
        Patient.objects.exclude(user_id__in=Preference.objects.values("user_id"))
        .order_by("user_id")
        .values_list("user_id", "timezone")
    )
    rows = [Preference(user_id=user_id, timezone=zone) for user_id, zone in missing.iterator()]
    Preference.objects.bulk_create(rows, batch_size=BATCH)


def zone_to_patients(apps, schema_editor):
    Patient = apps.get_model("recovery", "Patient")
    Preference = apps.get_model("notifications", "Preference")
    preference_zone = Preference.objects.filter(user_id=OuterRef("user_id")).values("timezone")[:1]
    Patient.objects.update(timezone=Coalesce(Subquery(preference_zone), Value("UTC")))


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0012_caregivers"),
        ("notifications", "0001_initial"),
    ]

    # Reversed, these run bottom-up: the column comes back nullable (a NOT NULL column cannot
    # be added to a table with rows), is filled, and only then is NOT NULL again.
    operations = [
        migrations.AlterField(
            model_name="patient",
            name="timezone",
            field=models.CharField(
                max_length=64, null=True, validators=[recovery.models.patients.validate_timezone]
            ),
        ),
        migrations.RunPython(zone_to_preferences, zone_to_patients),
        migrations.RemoveField(model_name="patient", name="timezone"),
    ]
