"""Escalation of unacknowledged flags: to the other team members, then to the coordinator."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from notifications.models import Notification
from recovery.models import Flag
from recovery.services.flags import flag_escalate
from recovery.tasks import escalate_flags
from tests.factories import ClinicianFactory
from tests.factories.checkins import FlagFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def surgeon(patient):
    return ClinicianFactory(care_teams=[patient.care_team], care_teams__role="surgeon")


def _flag(patient, severity: str, **fields) -> Flag:
    return FlagFactory(patient=patient, severity=severity, opened_at=START, **fields)


def _escalation_recipients(flag: Flag, level: int) -> set[int]:
    return set(
        Notification.objects.filter(
            template="careteam_flag_escalated",
            channel="inapp",
            idempotency_key__contains=f":escalation{level}:",
            link=f"/dashboard/flags/{flag.id}/",
        ).values_list("recipient_id", flat=True)
    )


def _run_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return escalate_flags()


@pytest.mark.parametrize(
    ("severity", "minutes", "level"),
    [
        ("emergency", 14, 0),
        ("emergency", 15, 1),
        ("urgent", 119, 0),
        ("urgent", 120, 1),
        ("routine", 60 * 24 * 7, 0),
    ],
)
def test_it_escalates_after_the_delay_for_the_severity(patient, severity, minutes, level) -> None:
    flag = _flag(patient, severity)
    _run_at(START + timedelta(minutes=minutes))
    flag.refresh_from_db()
    assert flag.escalation_level == level


def test_it_re_alerts_the_clinical_members_at_level_one(
    patient, clinician, surgeon, coordinator
) -> None:
    flag = _flag(patient, "emergency")
    _run_at(START + timedelta(minutes=15))
    assert _escalation_recipients(flag, 1) == {clinician.id, surgeon.id}
    assert all(n.urgent for n in Notification.objects.filter(template="careteam_flag_escalated"))


def test_it_reaches_the_coordinator_after_a_second_delay(
    patient, clinician, surgeon, coordinator
) -> None:
    flag = _flag(patient, "urgent")
    _run_at(START + timedelta(hours=2))
    _run_at(START + timedelta(hours=3, minutes=59))
    flag.refresh_from_db()
    assert flag.escalation_level == 1
    _run_at(START + timedelta(hours=4))
    flag.refresh_from_db()
    assert flag.escalation_level == 2
    assert _escalation_recipients(flag, 2) == {coordinator.id}


def test_it_stops_at_the_coordinator(patient, clinician, coordinator) -> None:
    flag = _flag(patient, "emergency")
    for minutes in (15, 30, 45, 600):
        _run_at(START + timedelta(minutes=minutes))
    flag.refresh_from_db()
    assert flag.escalation_level == 2
    assert Notification.objects.filter(template="careteam_flag_escalated").count() == 2


def test_it_does_not_escalate_an_acknowledged_flag(patient, clinician, coordinator) -> None:
    flag = _flag(patient, "emergency", status="acknowledged")
    assert _run_at(START + timedelta(hours=5)) == 0
    flag.refresh_from_db()
    assert flag.escalation_level == 0


@pytest.mark.parametrize("status", ["resolved", "dismissed"])
def test_it_does_not_escalate_a_closed_flag(patient, clinician, status) -> None:
    _flag(patient, "emergency", status=status, **{f"{status}_at": START})
    assert _run_at(START + timedelta(hours=5)) == 0


def test_it_escalates_each_level_once_however_often_it_runs(patient, clinician) -> None:
    flag = _flag(patient, "emergency")
    moment = START + timedelta(minutes=20)
    assert [_run_at(moment) for _ in range(3)] == [1, 0, 0]
    assert _escalation_recipients(flag, 1) == {clinician.id}


def test_it_lets_only_one_claim_win(patient, clinician) -> None:
    flag = _flag(patient, "emergency")
    now = START + timedelta(minutes=20)
    assert flag_escalate(flag_id=flag.id, from_level=0, now=now) is True
    assert flag_escalate(flag_id=flag.id, from_level=0, now=now) is False


def test_it_restarts_the_clock_when_the_severity_rises(api, patient, clinician) -> None:
    patient.surgeries.update(date=START.date() - timedelta(days=5))
    with time_machine.travel(START, tick=False):
        api(patient.user).post(
            "/api/v1/me/check-ins/",
            {
                "id": "6a1f0a56-4a5b-4e0c-9e67-5c8f3d7c2a11",
                "recorded_at": START.isoformat(),
                "calf_pain_or_swelling": True,
            },
            format="json",
        )
    _run_at(START + timedelta(hours=2))
    with time_machine.travel(START + timedelta(hours=2, minutes=5), tick=False):
        api(patient.user).post(
            "/api/v1/me/check-ins/",
            {
                "id": "0c7e5f0e-0f1d-4d7a-a3b4-0b0f6a1c9d22",
                "recorded_at": (START + timedelta(hours=2, minutes=4)).isoformat(),
                "chest_pain": True,
            },
            format="json",
        )
    flag = Flag.objects.get()
    assert (flag.severity, flag.escalation_level) == ("emergency", 0)
    _run_at(START + timedelta(hours=2, minutes=19))
    flag.refresh_from_db()
    assert flag.escalation_level == 0
    _run_at(START + timedelta(hours=2, minutes=20))
    flag.refresh_from_db()
    assert flag.escalation_level == 1


def test_it_reads_the_delays_from_settings(patient, clinician, settings) -> None:
    settings.TRIAGE_ESCALATION = {"urgent_after": timedelta(minutes=30)}
    flag = _flag(patient, "urgent")
    _run_at(START + timedelta(minutes=30))
    flag.refresh_from_db()
    assert flag.escalation_level == 1


def test_it_falls_back_to_everyone_when_the_team_has_only_coordinators(patient) -> None:
    only = ClinicianFactory(care_teams=[patient.care_team], care_teams__role="coordinator")
    flag = _flag(patient, "emergency")
    _run_at(START + timedelta(minutes=15))
    assert _escalation_recipients(flag, 1) == {only.id}


def test_it_registers_the_sweeps_with_beat() -> None:
    from backend.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"recovery.tasks.escalate_flags", "recovery.tasks.evaluate_trends"} <= tasks
