"""Issue 22: a caregiver with receive_reminders gets the patient's reminders, on their terms."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from notifications.catalogue import TEMPLATES
from notifications.dispatch import notification_deliver
from notifications.models import Notification
from recovery.reminders.schedule import reminder_schedules_sync
from recovery.reminders.sweep import reminders_send_due
from tests.factories.caregivers import CaregiverLinkFactory
from tests.factories.notifications import DeviceFactory, PreferenceFactory
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db

NY_MORNING = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # 09:00 EDT
NY_EVENING = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)  # 19:00 EDT


def _patient():
    with time_machine.travel(NY_MORNING - timedelta(hours=6), tick=False):
        patient = planned_patient(postop_day=10, timezone="America/New_York")
        reminder_schedules_sync(patient=patient, now=NY_MORNING - timedelta(hours=6))
    return patient


def _sweep(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        reminders_send_due(now=at)


def _inbox(user, template: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, template=template, channel="inapp"))


def test_it_sends_the_check_in_reminder_to_a_caregiver_with_the_scope() -> None:
    patient = _patient()
    link = CaregiverLinkFactory(patient=patient, scopes=["receive_reminders"])
    _sweep(NY_MORNING)
    [copy] = _inbox(link.caregiver, "caregiver_checkin_due")
    assert copy.idempotency_key == f"checkin:{patient.id}:2026-06-10"
    assert len(_inbox(patient.user, "checkin_due")) == 1


def test_it_sends_the_checklist_nudge_to_the_caregiver_too() -> None:
    patient = _patient()
    link = CaregiverLinkFactory(patient=patient, scopes=["receive_reminders"])
    _sweep(NY_EVENING)
    assert len(_inbox(link.caregiver, "caregiver_checklist_nudge")) == 1


@pytest.mark.parametrize("scopes", [["view_plan", "report_check_ins", "view_advice"], []])
def test_it_sends_nothing_to_a_caregiver_without_the_scope(scopes) -> None:
    patient = _patient()
    link = CaregiverLinkFactory(patient=patient, scopes=scopes)
    _sweep(NY_MORNING)
    assert not Notification.objects.filter(recipient=link.caregiver).exists()


def test_it_sends_nothing_to_a_revoked_caregiver() -> None:
    patient = _patient()
    link = CaregiverLinkFactory(patient=patient, scopes=["receive_reminders"])
    link.revoked_at = NY_MORNING - timedelta(hours=1)
    link.save()
    _sweep(NY_MORNING)
    assert not Notification.objects.filter(recipient=link.caregiver).exists()


def test_it_never_sends_questionnaire_notices_to_a_caregiver() -> None:
    patient = _patient()
    link = CaregiverLinkFactory(patient=patient, scopes=["receive_reminders"])
    _sweep(NY_MORNING)
    templates = set(
        Notification.objects.filter(recipient=link.caregiver).values_list("template", flat=True)
    )
    assert not templates & {"questionnaire_due", "silence_patient"}


def test_a_repeated_sweep_sends_the_caregiver_nothing_twice() -> None:
    patient = _patient()
    link = CaregiverLinkFactory(patient=patient, scopes=["receive_reminders"])
    _sweep(NY_MORNING)
    patient.reminder_schedules.update(next_due_at=NY_MORNING)
    _sweep(NY_MORNING + timedelta(minutes=1))
    assert len(_inbox(link.caregiver, "caregiver_checkin_due")) == 1


def test_it_holds_the_caregivers_push_in_their_own_quiet_hours() -> None:
    patient = _patient()  # the patient's morning is 09:00 New York
    link = CaregiverLinkFactory(patient=patient, scopes=["receive_reminders"])
    # The caregiver lives in Tokyo, where 13:00 UTC is 22:00: inside their quiet hours.
    PreferenceFactory(
        user=link.caregiver,
        timezone="Asia/Tokyo",
        quiet_hours_start=time(21, 0),
        quiet_hours_end=time(8, 0),
    )
    DeviceFactory(user=link.caregiver)
    _sweep(NY_MORNING)
    push = Notification.objects.get(recipient=link.caregiver, channel="push")
    notification_deliver(push.id, now=NY_MORNING)
    push.refresh_from_db()
    assert push.status == "pending" and push.next_attempt_at > NY_MORNING


def test_its_caregiver_texts_carry_no_health_details_or_names() -> None:
    for code in ("caregiver_checkin_due", "caregiver_checklist_nudge"):
        template = TEMPLATES[code]
        assert template.context_keys == frozenset({"local_date"})
        assert "{" not in template.title + template.body
