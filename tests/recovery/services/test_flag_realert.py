"""Re-alert (issue 14): a new finding on a live flag reaches the care team again, once.

A new finding is a rule that has not fired on the flag yet, or a higher severity. It is added
to the flag's history, an acknowledged flag goes back to open and its escalation restarts; a
repeat of a finding the flag already holds changes nothing.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from notifications.models import Notification
from recovery.models import Flag, FlagFinding
from recovery.services import flag_decisions
from recovery.services.flag_decisions import FlagAction, LiveFlag, flag_decide
from recovery.services.flags import flag_acknowledge, flags_escalate_due
from recovery.triage import Finding
from simulation import flags as simulation_flags
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import checkin_payload
from tests.factories.notifications import DeviceFactory, PreferenceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"
START = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
SURGERY_DAY = START.date() - timedelta(days=9)


@pytest.fixture
def patient(db):
    return PatientFactory(surgery__date=SURGERY_DAY)


@pytest.fixture
def nurse(patient):
    return ClinicianFactory(care_teams=[patient.care_team])


@pytest.fixture
def surgeon(patient):
    return ClinicianFactory(care_teams=[patient.care_team], care_teams__role="surgeon")


def _report(api, patient, at: datetime, **symptoms) -> dict:
    with time_machine.travel(at, tick=False):
        response = api(patient.user).post(URL, checkin_payload(**symptoms), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _acknowledge(flag: Flag, by, at: datetime) -> None:
    flag_acknowledge(flag=flag, actor=by, now=at)


def _inbox(flag: Flag) -> list[Notification]:
    return list(
        Notification.objects.filter(
            template="careteam_flag", channel="inapp", link=f"/dashboard/flags/{flag.id}/"
        ).order_by("id")
    )


# ------------------------------------------------------------------ through the check-in API


def test_it_brings_a_new_finding_on_an_acknowledged_flag_to_the_teams_inbox(
    api, patient, nurse, surgeon
) -> None:
    _report(api, patient, START, wound_redness=True)  # urgent infection
    flag = Flag.objects.get()
    _acknowledge(flag, nurse, START + timedelta(minutes=20))
    # Later: fever with pus. The patient is told to call; the team must hear it too.
    _report(api, patient, START + timedelta(hours=5), temperature_c=38.9, wound_drainage="pus")
    realerts = [n for n in _inbox(flag) if ":finding:" in n.idempotency_key]
    assert {n.recipient_id for n in realerts} == {nurse.id, surgeon.id}
    assert all(n.status == "sent" and n.urgent for n in realerts)


def test_it_reopens_an_acknowledged_flag_for_a_new_finding(api, patient, nurse) -> None:
    _report(api, patient, START, wound_redness=True)
    flag = Flag.objects.get()
    _acknowledge(flag, nurse, START + timedelta(minutes=20))
    later = START + timedelta(hours=5)
    _report(api, patient, later, wound_drainage="pus")
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_by, flag.acknowledged_at) == ("open", None, None)
    assert (flag.escalation_level, flag.alerted_at) == (0, later)


def test_it_adds_the_new_finding_to_the_flags_history(api, patient, nurse) -> None:
    _report(api, patient, START, wound_redness=True)
    flag = Flag.objects.get()
    _acknowledge(flag, nurse, START + timedelta(minutes=20))
    body = _report(api, patient, START + timedelta(hours=5), wound_drainage="pus")
    first, *new = FlagFinding.objects.filter(flag=flag)
    assert first.rule_id == "infection.wound_redness"
    pus = next(f for f in new if f.rule_id == "infection.purulent_drainage")
    assert (str(pus.checkin_id), pus.facts["wound_drainage"]) == (body["id"], "pus")
    assert pus.at == START + timedelta(hours=5)
    flag.refresh_from_db()
    assert flag.rule_id == "infection.wound_redness"  # same severity: the headline stays


def test_it_alerts_once_for_the_same_finding_reported_twice(api, patient, nurse) -> None:
    _report(api, patient, START, wound_redness=True)
    flag = Flag.objects.get()
    _acknowledge(flag, nurse, START + timedelta(minutes=20))
    for hours in (2, 5, 9):
        _report(api, patient, START + timedelta(hours=hours), wound_redness=True)
    assert len(_inbox(flag)) == 1
    flag.refresh_from_db()
    assert flag.status == "acknowledged"
    assert FlagFinding.objects.filter(flag=flag).count() == 1


def test_it_alerts_once_for_a_new_finding_reported_twice(api, patient, nurse) -> None:
    _report(api, patient, START, wound_redness=True)
    flag = Flag.objects.get()
    _acknowledge(flag, nurse, START + timedelta(minutes=20))
    _report(api, patient, START + timedelta(hours=2), wound_drainage="pus")
    _acknowledge(flag, nurse, START + timedelta(hours=3))
    _report(api, patient, START + timedelta(hours=4), wound_drainage="pus")
    assert len(_inbox(flag)) == 2  # the opening alert and one re-alert
    flag.refresh_from_db()
    assert flag.status == "acknowledged"


def test_it_realerts_an_open_flag_without_holding_back_its_escalation(api, patient, nurse) -> None:
    _report(api, patient, START, wound_redness=True)
    flag = Flag.objects.get()
    _report(api, patient, START + timedelta(hours=1), wound_drainage="pus")
    flag.refresh_from_db()
    assert len(_inbox(flag)) == 2
    # The escalation clock still runs from the first alert: 2 hours after it, not after pus.
    assert flag.alerted_at == START
    assert flags_escalate_due(now=START + timedelta(hours=2)) == 1


def test_it_pushes_a_realert_by_the_members_preferences(api, patient, nurse, surgeon) -> None:
    DeviceFactory(user=nurse)
    DeviceFactory(user=surgeon)
    PreferenceFactory(user=surgeon, push_enabled=False)
    _report(api, patient, START, wound_redness=True)
    flag = Flag.objects.get()
    _acknowledge(flag, nurse, START + timedelta(minutes=20))
    _report(api, patient, START + timedelta(hours=5), wound_drainage="pus")
    pushed = Notification.objects.filter(
        template="careteam_flag", channel="push", idempotency_key__contains=":finding:"
    )
    assert [n.recipient_id for n in pushed] == [nurse.id]


def test_it_escalates_a_reopened_flag_afresh(api, patient, nurse, coordinator) -> None:
    _report(api, patient, START, wound_redness=True)
    flag = Flag.objects.get()
    first = START + timedelta(hours=2)
    assert flags_escalate_due(now=first) == 1
    _acknowledge(flag, nurse, first + timedelta(minutes=5))
    reopened = START + timedelta(hours=4)
    _report(api, patient, reopened, wound_drainage="pus")
    assert flags_escalate_due(now=reopened + timedelta(hours=2)) == 1
    escalations = Notification.objects.filter(
        template="careteam_flag_escalated", channel="inapp", recipient=nurse
    )
    assert escalations.count() == 2  # one per round, not swallowed by the first


def test_it_takes_a_more_severe_new_finding_as_the_headline(api, patient, nurse) -> None:
    _report(api, patient, START, calf_pain_or_swelling=True)  # urgent dvt_pe
    flag = Flag.objects.get()
    _acknowledge(flag, nurse, START + timedelta(minutes=20))
    _report(api, patient, START + timedelta(hours=1), chest_pain=True)  # emergency
    flag.refresh_from_db()
    assert (flag.rule_id, flag.severity, flag.status) == ("dvt_pe.chest_pain", "emergency", "open")
    # Both alerts reach the inbox (ids are UUIDs, so compare without an order).
    assert sorted(n.idempotency_key.split(":")[2] for n in _inbox(flag)) == ["emergency", "urgent"]


# ----------------------------------------------------------------- the decision, pure


def _finding(rule_id: str, severity: str, category: str = "infection") -> Finding:
    return Finding(
        rule_id=rule_id,
        rule_version=1,
        category=category,
        severity=severity,
        advice="Call your team.",
        rationale="",
        sources=("R1",),
        facts={"x": True},
    )


def _live(severity: str, status: str, *fired: tuple[str, str]) -> LiveFlag:
    return LiveFlag(severity=severity, status=status, fired=frozenset(fired))


REDNESS = ("infection.wound_redness", "urgent")

DECISIONS = [
    # (live flag, findings, from trend, evidence closed) -> action, headline, recorded, restart
    (None, [("a", "urgent"), ("b", "routine")], False, False, "open", "a", ["a", "b"], True),
    (None, [("a", "urgent"), ("b", "urgent")], False, False, "open", "a", ["a", "b"], True),
    (None, [("a", "urgent")], True, True, "skip", None, [], False),
    (None, [("a", "urgent")], False, True, "open", "a", ["a"], True),
    (_live("urgent", "open", ("a", "urgent")), [("a", "urgent")], False, False, "keep", None, [],
     False),
    (_live("urgent", "acknowledged", ("a", "urgent")), [("a", "urgent")], True, True, "keep",
     None, [], False),
    (_live("urgent", "acknowledged", ("a", "urgent")), [("a", "urgent"), ("b", "urgent")], False,
     False, "realert", None, ["b"], True),
    (_live("urgent", "open", ("a", "urgent")), [("b", "routine")], False, False, "realert", None,
     ["b"], False),
    (_live("urgent", "open", ("a", "urgent")), [("c", "emergency"), ("b", "urgent")], False,
     False, "take", "c", ["c", "b"], True),
    # The same rule at a higher severity (a revised rule) is new.
    (_live("urgent", "acknowledged", ("a", "urgent")), [("a", "emergency")], False, False,
     "take", "a", ["a"], True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("live", "found", "trend", "closed", "action", "headline", "recorded", "restart"), DECISIONS
)
def test_it_decides_what_findings_do_to_a_flag(
    live, found, trend, closed, action, headline, recorded, restart
) -> None:
    decision = flag_decide(
        live=live,
        findings=[_finding(rule, severity) for rule, severity in found],
        from_trend=trend,
        evidence_closed=closed,
    )
    assert decision.action == FlagAction(action)
    assert (decision.headline.rule_id if decision.headline else None) == headline
    assert [f.rule_id for f in decision.record] == recorded
    assert decision.restart_escalation is restart
    assert (decision.alert is not None) == (action in ("open", "take", "realert"))


def test_it_refuses_findings_of_two_categories() -> None:
    with pytest.raises(ValueError, match="one category"):
        flag_decide(live=None, findings=[_finding("a", "urgent"), _finding("b", "urgent", "ileus")])


def test_it_shares_one_decision_between_the_service_and_the_simulator() -> None:
    from recovery.services import flags as service_flags

    assert service_flags.flag_decide is flag_decisions.flag_decide
    assert simulation_flags.flag_decide is flag_decisions.flag_decide
