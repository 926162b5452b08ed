"""Issue 19: a patient's language is stored once, on notifications' Preference.

Delivery renders at send time from that row; the app's responses, the check-in advice and the
FHIR export read the same row through Patient.language, so they can never disagree.
"""

from datetime import date

import pytest
from django.apps import apps
from django.db import connection

from notifications.models import Preference
from recovery.models import Patient
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

BEFORE = [("recovery", "0018_patient_attention"), ("notifications", "0003_preference_language")]
AFTER = [("recovery", "0019_language_once")]


def _language_fields() -> list[str]:
    return [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.name == "language"
    ]


def test_it_stores_the_language_in_one_field() -> None:
    assert _language_fields() == ["notifications.Preference.language"]


def test_it_reads_the_patients_language_from_their_preferences() -> None:
    patient = PatientFactory()
    Preference.objects.filter(user=patient.user).update(language="es")
    assert Patient.objects.get(pk=patient.pk).language == "es"


def test_it_gives_a_patient_with_an_empty_preference_the_deployments_language(settings) -> None:
    settings.LANGUAGE_CODE = "en"
    patient = PatientFactory()
    Preference.objects.filter(user=patient.user).update(language="")
    assert Patient.objects.get(pk=patient.pk).language == "en"


def test_it_gives_a_patient_without_preferences_the_deployments_language(settings) -> None:
    settings.LANGUAGE_CODE = "en"
    patient = PatientFactory()
    Preference.objects.filter(user=patient.user).delete()
    assert Patient.objects.get(pk=patient.pk).language == "en"


def test_it_reads_a_language_no_longer_supported_as_the_deployments(settings) -> None:
    patient = PatientFactory(language="es")
    settings.LANGUAGES = [("en", "English")]
    assert Patient.objects.get(pk=patient.pk).language == "en"


def test_it_reads_the_temperature_unit_from_the_preferences() -> None:
    patient = PatientFactory()
    Preference.objects.filter(user=patient.user).update(temperature_unit="f")
    assert Patient.objects.get(pk=patient.pk).temperature_unit == "f"


def _old_patient(old_apps, team, user, language: str) -> None:
    old_apps.get_model("recovery", "Patient").objects.create(
        user_id=user.id, care_team=team, first_name="A", last_name="B",
        date_of_birth=date(1961, 4, 2), language=language,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_patients_language_onto_their_preferences() -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    team = old.get_model("recovery", "CareTeam").objects.create(name="Spine")
    in_step, out_of_step, no_row, clinician = (UserFactory() for _ in range(4))
    old_preference = old.get_model("notifications", "Preference")
    _old_patient(old, team, in_step, "es")
    old_preference.objects.create(user_id=in_step.id, language="es")
    # Out of step: the patient's column is what the app answered in, so it wins.
    _old_patient(old, team, out_of_step, "en")
    old_preference.objects.create(user_id=out_of_step.id, language="es")
    _old_patient(old, team, no_row, "es")
    old_preference.objects.create(user_id=clinician.id, language="es")  # not a patient

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    assert dict(Preference.objects.values_list("user_id", "language")) == {
        in_step.id: "es",
        out_of_step.id: "en",
        no_row.id: "es",
        clinician.id: "es",
    }

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    reverted = executor.loader.project_state(BEFORE).apps.get_model("recovery", "Patient")
    assert dict(reverted.objects.values_list("user_id", "language")) == {
        in_step.id: "es",
        out_of_step.id: "en",
        no_row.id: "es",
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_reversed_migration_gives_an_empty_preference_english() -> None:
    from django.db.migrations.executor import MigrationExecutor

    patient = PatientFactory()
    Preference.objects.filter(user=patient.user).update(language="")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    reverted = executor.loader.project_state(BEFORE).apps.get_model("recovery", "Patient")
    assert reverted.objects.get(pk=patient.pk).language == "en"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
