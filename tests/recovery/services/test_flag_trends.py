"""The periodic trend sweep: persistent fever, silence, and no re-nagging without new evidence."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from recovery.models import Flag
from recovery.services.flags import (
    SILENCE_ANSWERED_NOTE,
    patient_trends_evaluate,
    patients_for_trend_evaluation,
)
from recovery.tasks import evaluate_trends, evaluate_trends_batch
from tests.factories import PatientFactory
from tests.factories.checkins import CheckInFactory, checkin_payload

pytestmark = pytest.mark.django_db


def _patient_on_day(day: int, **fields):
    return PatientFactory(surgery__date=timezone.now().date() - timedelta(days=day), **fields)


def test_it_flags_a_fever_reported_on_two_recent_check_ins(clinician) -> None:
    patient = _patient_on_day(120)  # past the SSI window: one late fever alone is routine
    now = timezone.now()
    for hours in (30, 6):
        CheckInFactory(
            patient=patient, recorded_at=now - timedelta(hours=hours), temperature_c=38.3
        )
    [raised] = patient_trends_evaluate(patient_id=patient.id, now=now)
    flag = Flag.objects.get()
    assert raised.flag == flag
    assert (flag.category, flag.severity, flag.origin) == ("infection", "urgent", "trend")
    assert flag.rule_id == "infection.persistent_fever"
    assert len(flag.facts["series.temperature_c"]) == 2


def test_it_alerts_the_team_for_a_trend_flag(patient, clinician) -> None:
    now = timezone.now()
    CheckInFactory(patient=patient, recorded_at=now - timedelta(days=4))
    patient_trends_evaluate(patient_id=patient.id, now=now)
    flag = Flag.objects.get(category="silence")
    assert Notification.objects.filter(
        recipient=clinician, template="careteam_flag", link=f"/dashboard/flags/{flag.id}/"
    ).exists()


def test_it_flags_silence_in_the_first_six_weeks(patient) -> None:
    now = timezone.now()
    CheckInFactory(patient=patient, recorded_at=now - timedelta(days=3, hours=1))
    patient_trends_evaluate(patient_id=patient.id, now=now)
    flag = Flag.objects.get()
    assert (flag.category, flag.severity) == ("silence", "routine")


def test_it_does_not_flag_a_patient_who_checked_in_today(patient) -> None:
    CheckInFactory(patient=patient, recorded_at=timezone.now() - timedelta(hours=2))
    assert patient_trends_evaluate(patient_id=patient.id, now=timezone.now()) == []


def test_it_keeps_one_flag_across_repeated_runs(patient, clinician) -> None:
    now = timezone.now()
    CheckInFactory(patient=patient, recorded_at=now - timedelta(days=4))
    for hours in range(3):
        patient_trends_evaluate(patient_id=patient.id, now=now + timedelta(hours=hours))
    assert Flag.objects.count() == 1
    assert Notification.objects.filter(template="careteam_flag", channel="inapp").count() == 1


def test_it_does_not_reopen_a_dismissed_trend_flag_without_new_evidence(
    api, patient, clinician
) -> None:
    now = timezone.now()
    CheckInFactory(
        patient=patient, recorded_at=now - timedelta(days=4), received_at=now - timedelta(days=4)
    )
    patient_trends_evaluate(patient_id=patient.id, now=now)
    flag = Flag.objects.get()
    api(clinician).post(
        f"/api/v1/care/flags/{flag.id}/dismiss/", {"reason": "Phoned: on holiday."}, format="json"
    )
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        assert patient_trends_evaluate(patient_id=patient.id, now=timezone.now()) == []
    assert Flag.objects.count() == 1


def test_it_raises_a_fresh_trend_flag_once_new_evidence_arrives(api, patient, clinician) -> None:
    now = timezone.now()
    CheckInFactory(
        patient=patient, recorded_at=now - timedelta(days=8), received_at=now - timedelta(days=8)
    )
    patient_trends_evaluate(patient_id=patient.id, now=now - timedelta(days=4))
    flag = Flag.objects.get()
    api(clinician).post(
        f"/api/v1/care/flags/{flag.id}/dismiss/", {"reason": "Phoned."}, format="json"
    )
    # The patient checks in again, then falls silent again.
    later = timezone.now() + timedelta(minutes=1)
    CheckInFactory(patient=patient, recorded_at=later, received_at=later)
    patient_trends_evaluate(patient_id=patient.id, now=later + timedelta(days=4))
    assert Flag.objects.filter(status="open", category="silence").count() == 1


def test_it_picks_recent_reporters_and_patients_in_their_first_weeks() -> None:
    now = timezone.now()
    early = _patient_on_day(10)
    late_reporter = _patient_on_day(200)
    CheckInFactory(
        patient=late_reporter,
        recorded_at=now - timedelta(days=1),
        received_at=now - timedelta(days=1),
    )
    late_silent = _patient_on_day(200)
    not_activated = _patient_on_day(10, user__is_active=False)
    picked = set(patients_for_trend_evaluation(now=now))
    assert {early.id, late_reporter.id} <= picked
    assert late_silent.id not in picked
    assert not_activated.id not in picked


def test_it_fans_the_candidates_out_in_batches(monkeypatch, settings) -> None:
    settings.TRIAGE_TREND_BATCH = 2
    patients = [_patient_on_day(5) for _ in range(5)]
    sent: list[list[str]] = []
    monkeypatch.setattr(evaluate_trends_batch, "delay", lambda ids: sent.append(ids))
    assert evaluate_trends() == 5
    assert [len(batch) for batch in sent] == [2, 2, 1]
    assert {pid for batch in sent for pid in batch} == {str(p.id) for p in patients}


def test_it_carries_on_past_a_patient_that_fails(patient) -> None:
    CheckInFactory(patient=patient, recorded_at=timezone.now() - timedelta(days=5))
    raised = evaluate_trends_batch([str(uuid.uuid4()), str(patient.id)])
    assert raised == 1
    assert Flag.objects.filter(patient=patient, category="silence").exists()


def _silent_for_four_days(patient) -> Flag:
    now = timezone.now()
    CheckInFactory(
        patient=patient, recorded_at=now - timedelta(days=4), received_at=now - timedelta(days=4)
    )
    patient_trends_evaluate(patient_id=patient.id, now=now)
    return Flag.objects.get(category="silence", status="open")


def test_a_check_in_closes_the_patients_silence_flag(api, patient, clinician) -> None:
    flag = _silent_for_four_days(patient)
    response = api(patient.user).post(
        "/api/v1/me/check-ins/", checkin_payload(back_pain=3), format="json"
    )
    assert response.status_code == 201
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by, flag.resolution_outcome) == ("resolved", None, "")
    assert flag.resolution_note == SILENCE_ANSWERED_NOTE


def test_a_patient_silent_again_after_an_answered_silence_gets_a_new_flag(api, patient) -> None:
    _silent_for_four_days(patient)
    api(patient.user).post("/api/v1/me/check-ins/", checkin_payload(), format="json")
    with time_machine.travel(timezone.now() + timedelta(days=4), tick=False):
        patient_trends_evaluate(patient_id=patient.id, now=timezone.now())
    assert Flag.objects.filter(category="silence", status="open").count() == 1
    assert Flag.objects.filter(category="silence", status="resolved").count() == 1


def test_a_check_in_leaves_other_flags_to_the_care_team(api, patient) -> None:
    now = timezone.now()
    for hours in (30, 6):
        CheckInFactory(
            patient=patient, recorded_at=now - timedelta(hours=hours), temperature_c=38.3
        )
    patient_trends_evaluate(patient_id=patient.id, now=now)
    api(patient.user).post("/api/v1/me/check-ins/", checkin_payload(), format="json")
    assert Flag.objects.get(category="infection").status == "open"
