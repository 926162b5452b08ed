"""Issue 19: the patient's language is stored once, on notifications' Preference.

Until now it lived on Patient.language and on Preference.language (0015_patient_language),
kept in step by enrollment and a signal receiver, like the time zone before
0013_timezone_once. Delivery already read the preference at send time; the API and the
check-in advice read the patient's column. This migration makes every patient's Preference
hold their language, then drops the Patient column.

Where the two disagreed, the patient's column wins (as in 0013): it is the language the app's
responses and the check-in advice were given in, the one a clinician set at enrollment or
corrected in the admin. A patient without a Preference row gets one, holding their language
and the model's defaults for everything else (its time zone: notifications' default, which is
what Patient.timezone_name already read for such a patient).

Reverse: the column comes back with its old default ("en"), filled from Preference where the
preference names a language (an empty preference meant the deployment's default: "en" here).
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

BATCH = 1000


def language_to_preferences(apps, schema_editor):
    Patient = apps.get_model("recovery", "Patient")
    Preference = apps.get_model("notifications", "Preference")
    patient_language = Patient.objects.filter(user_id=OuterRef("user_id")).values("language")[:1]
    # Only the rows out of step are written (an empty patient column, never seen, is skipped).
    out_of_step = (
        Patient.objects.filter(user_id=OuterRef("user_id"))
        .exclude(language="")
        .exclude(language=OuterRef("language"))
    )
    Preference.objects.filter(Exists(out_of_step)).update(language=Subquery(patient_language))
    missing = (
        Patient.objects.exclude(user_id__in=Preference.objects.values("user_id"))
        .order_by("user_id")
        .values_list("user_id", "language")
    )
    rows = [Preference(user_id=user_id, language=language) for user_id, language in missing]
    Preference.objects.bulk_create(rows, batch_size=BATCH)


def language_to_patients(apps, schema_editor):
    Patient = apps.get_model("recovery", "Patient")
    Preference = apps.get_model("notifications", "Preference")
    preference_language = Preference.objects.filter(user_id=OuterRef("user_id")).values("language")[
        :1
    ]
    Patient.objects.update(
        language=Coalesce(NullIf(Subquery(preference_language), Value("")), Value("en"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0018_patient_attention"),
        ("notifications", "0003_preference_language"),
    ]

    # Reversed, these run bottom-up: the column comes back with its default, then is filled.
    operations = [
        migrations.RunPython(language_to_preferences, language_to_patients),
        migrations.RemoveField(model_name="patient", name="language"),
    ]
