"""issue 19 (the patient's language).

Plan items and milestones carry the translations copied from the pathway template beside the
English ({} for rows made before: English only). Each patient's language also lives in their
delivery preferences, which is where notifications read it at send time (notifications never
imports recovery): the languages recorded so far are copied there; enrollment and
PATCH me/preferences/ keep the two in step from now on."""

from django.db import migrations, models


def copy_languages(apps, schema_editor):
    Patient = apps.get_model("recovery", "Patient")
    Preference = apps.get_model("notifications", "Preference")
    # 0013_timezone_once gave every patient a preference row (it holds their time zone).
    for user_id, language in Patient.objects.exclude(language="").values_list(
        "user_id", "language"
    ):
        updated = Preference.objects.filter(user_id=user_id, language="").update(language=language)
        if not updated and not Preference.objects.filter(user_id=user_id).exists():
            Preference.objects.create(user_id=user_id, language=language)


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0014_careteam_phone"),
        ("notifications", "0003_preference_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="milestone",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="planitem",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(copy_languages, migrations.RunPython.noop),
    ]
