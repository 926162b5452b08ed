"""Issue 15, item 7: a patient's time zone is stored once, on notifications' Preference.

Their calendar (postoperative day, reminder times) and their quiet hours read the same row,
so moving the zone through PATCH /me/preferences/ moves all of them.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from notifications.conf import conf
from notifications.dispatch import Outcome, notification_deliver
from notifications.models import Notification, Preference
from notifications.services import Message, notify, preference_for
from recovery.models import Patient, ReminderSchedule
from recovery.reminders.schedule import reminder_schedules_sync
from recovery.services.enrollment import PatientData, SurgeryData, patient_enroll
from tests.factories import ClinicianFactory, PatientFactory, UserFactory
from tests.factories.notifications import DeviceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # every instant below is fixed

PREFERENCES = "/api/v1/me/preferences/"
# 17:00 UTC in January: noon in New York (EST), 02:00 the next day in Tokyo.
NY_NOON = datetime(2027, 1, 15, 17, 0, tzinfo=UTC)
TOKYO_QUIET_ENDS = datetime(2027, 1, 15, 23, 0, tzinfo=UTC)  # 08:00 JST on the 16th


def _zone_fields() -> list[str]:
    return [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if "zone" in field.name or field.name == "tz"
    ]


def _move(api, patient: Patient, zone: str, *, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        response = api(patient.user).patch(PREFERENCES, {"timezone": zone})
    assert response.status_code == 200


def test_it_stores_the_time_zone_in_one_field() -> None:
    assert _zone_fields() == ["notifications.Preference.timezone"]


def test_it_reads_the_patients_zone_from_their_preferences() -> None:
    patient = PatientFactory(timezone="Asia/Tokyo")
    assert Preference.objects.get(user=patient.user).timezone == "Asia/Tokyo"
    assert Patient.objects.get(pk=patient.pk).tz.key == "Asia/Tokyo"


def test_it_gives_a_patient_without_preferences_the_zone_quiet_hours_use() -> None:
    patient = PatientFactory(timezone="Asia/Tokyo")
    Preference.objects.filter(user=patient.user).delete()
    patient = Patient.objects.get(pk=patient.pk)
    assert patient.timezone_name == preference_for(patient.user_id).timezone
    assert patient.timezone_name == conf().DEFAULT_TIMEZONE


def test_enrollment_stores_the_zone_on_the_preferences_only() -> None:
    clinician = ClinicianFactory()
    data = PatientData(
        first_name="Ana",
        last_name="Ruiz",
        date_of_birth=date(1961, 4, 2),
        timezone="Australia/Perth",
        surgery=SurgeryData(
            date=date(2027, 1, 5), indication="stenosis", approach="open", technique="tlif"
        ),
    )
    with time_machine.travel(NY_NOON, tick=False):
        enrollment = patient_enroll(clinician=clinician, data=data)
    assert Preference.objects.get(user=enrollment.patient.user).timezone == "Australia/Perth"


def test_enrollment_rejects_an_unknown_zone_on_the_timezone_field() -> None:
    data = PatientData(
        first_name="Ana",
        last_name="Ruiz",
        date_of_birth=date(1961, 4, 2),
        timezone="Mars/Olympus_Mons",
        surgery=SurgeryData(
            date=date(2027, 1, 5), indication="stenosis", approach="open", technique="tlif"
        ),
    )
    with pytest.raises(ValidationError) as raised:
        patient_enroll(clinician=ClinicianFactory(), data=data)
    assert list(raised.value.message_dict) == ["timezone"]


def test_me_shows_the_zone_set_through_the_preferences(api) -> None:
    patient = PatientFactory(timezone="UTC", surgery__date=date(2027, 1, 5))
    _move(api, patient, "Pacific/Auckland", at=NY_NOON)
    # 17:00 UTC on 15 January is already the 16th (06:00) in Auckland: day 11, not 10.
    with time_machine.travel(NY_NOON, tick=False):
        me = api(patient.user).get("/api/v1/me/").data
    assert (me["timezone"], me["postop_day"]) == ("Pacific/Auckland", 11)


def test_quiet_hours_follow_a_zone_change(api) -> None:
    patient = PatientFactory(timezone="America/New_York")
    DeviceFactory(user=patient.user)
    _move(api, patient, "Asia/Tokyo", at=NY_NOON - timedelta(hours=1))
    with time_machine.travel(NY_NOON, tick=False):
        notify([Message(patient.user_id, "checkin_due", "checkin:tz:1")])
        row = Notification.objects.get(recipient=patient.user, channel="push")
        # Noon in New York, but 02:00 in Tokyo: held until Tokyo's quiet hours end.
        assert notification_deliver(row.id) == Outcome.DEFERRED
    row.refresh_from_db()
    assert row.next_attempt_at == TOKYO_QUIET_ENDS


def test_reminders_follow_a_zone_change(api) -> None:
    patient = PatientFactory(timezone="America/New_York")
    with time_machine.travel(NY_NOON, tick=False):
        reminder_schedules_sync(patient=patient, now=NY_NOON)
    _move(api, patient, "Asia/Tokyo", at=NY_NOON)
    row = ReminderSchedule.objects.get(patient=patient, kind="morning")
    assert row.next_due_at == datetime(2027, 1, 16, 0, 0, tzinfo=UTC)  # 09:00 JST on the 16th


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_patients_zone_onto_their_preferences() -> None:
    from django.db.migrations.executor import MigrationExecutor

    before = [("recovery", "0012_caregivers"), ("notifications", "0001_initial")]
    after = [("recovery", "0013_timezone_once")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    team = old.get_model("recovery", "CareTeam").objects.create(name="Spine")
    users = [UserFactory() for _ in range(3)]
    for user, zone in zip(users[:2], ["Asia/Tokyo", "Europe/Paris"], strict=True):
        old.get_model("recovery", "Patient").objects.create(
            user_id=user.id, care_team=team, first_name="A", last_name="B",
            date_of_birth=date(1961, 4, 2), timezone=zone,
        )  # fmt: skip
    old_preference = old.get_model("notifications", "Preference")
    # Out of step: the patient's column decided their calendar, so it wins.
    old_preference.objects.create(user_id=users[0].id, timezone="UTC")
    old_preference.objects.create(user_id=users[2].id, timezone="America/Denver")  # a clinician

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    zones = dict(Preference.objects.values_list("user_id", "timezone"))
    assert zones == {
        users[0].id: "Asia/Tokyo",
        users[1].id: "Europe/Paris",
        users[2].id: "America/Denver",
    }

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    reverted = executor.loader.project_state(before).apps.get_model("recovery", "Patient")
    assert dict(reverted.objects.values_list("user_id", "timezone")) == {
        users[0].id: "Asia/Tokyo",
        users[1].id: "Europe/Paris",
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
