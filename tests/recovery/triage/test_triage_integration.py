"""The triage engine wired to the database and the API: what a patient sees, what the team gets."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from notifications.models import Notification
from recovery.models import Flag
from recovery.triage import clear_ruleset_cache, severity_rank
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory, checkin_payload
from tests.factories.notifications import DeviceFactory
from tests.recovery.triage.triage_vignettes import SURGERY_AT, VIGNETTES, Vignette

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"
NOON = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _on_day(day: int, **fields) -> object:
    return PatientFactory(surgery__date=NOON.date() - timedelta(days=day), **fields)


@time_machine.travel(NOON, tick=False)
def test_it_raises_an_urgent_infection_flag_and_alerts_the_team(
    api, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from notifications.tasks import deliver_batch

    published: list[list[str]] = []
    monkeypatch.setattr(
        deliver_batch,
        "apply_async",
        lambda *, kwargs, **_: published.append(kwargs["notification_ids"]),
    )
    patient = _on_day(9)
    nurse = ClinicianFactory(care_teams=[patient.care_team])
    surgeon = ClinicianFactory(care_teams=[patient.care_team], care_teams__role="surgeon")
    DeviceFactory(user=nurse)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(patient.user).post(
            URL, checkin_payload(temperature_c=38.4, wound_drainage="cloudy"), format="json"
        )
    assert response.status_code == 201
    assert response.json()["postop_day"] == 9
    [shown] = response.json()["flags"]
    assert (shown["category"], shown["severity"]) == ("infection", "urgent")
    assert "surgical team today" in shown["advice"]

    flag = Flag.objects.get()
    assert (flag.category, flag.severity, flag.status) == ("infection", "urgent", "open")
    alerts = Notification.objects.filter(template="careteam_flag", channel="inapp")
    assert {a.recipient_id for a in alerts} == {nurse.id, surgeon.id}
    assert all(a.urgent and a.link == f"/dashboard/flags/{flag.id}/" for a in alerts)
    assert {a.status for a in alerts} == {"sent"}  # in both inboxes at once
    [push] = Notification.objects.filter(template="careteam_flag", channel="push")
    assert push.recipient_id == nurse.id
    assert [i for batch in published for i in batch] == [str(push.id)]  # published on commit


@time_machine.travel(NOON, tick=False)
def test_it_tells_a_patient_with_saddle_numbness_to_call_emergency_services(api) -> None:
    patient = _on_day(4)
    response = api(patient.user).post(URL, checkin_payload(saddle_numbness=True), format="json")
    [shown] = response.json()["flags"]
    assert (shown["category"], shown["severity"]) == ("cauda_equina", "emergency")
    assert "call emergency services" in shown["advice"].lower()
    assert Flag.objects.get().severity == "emergency"


# ---------------------------------------------------------------- the vignettes, end to end


def _patient_for(vignette: Vignette):
    ctx = vignette.context
    return PatientFactory(
        timezone="UTC",
        smoking_status=ctx.smoking_status,
        diabetes=ctx.diabetes,
        bone_quality=ctx.bone_quality,
        steroid_use=ctx.steroid_use,
        surgery__date=date(2026, 1, 1),
        surgery__approach=ctx.approach,
        surgery__technique=ctx.technique,
        surgery__brace_prescribed=ctx.brace_prescribed,
    )


def _shift(vignette_time: datetime) -> datetime:
    # Vignettes are written against their own operation date; move them onto ours.
    return datetime(2026, 1, 1, 8, 0, tzinfo=UTC) + (vignette_time - SURGERY_AT)


def _facts(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k not in ("recorded_at", "postop_day")}


CHECKIN_VIGNETTES = [v for v in VIGNETTES if v.mode == "checkin"]


@pytest.mark.parametrize("vignette", CHECKIN_VIGNETTES, ids=lambda v: v.name)
def test_it_gives_each_vignette_its_expected_advice_through_the_api(api, vignette) -> None:
    patient = _patient_for(vignette)
    for entry in vignette.history:
        facts = {"back_pain": None, "leg_pain": None, **_facts(entry)}
        CheckInFactory(patient=patient, recorded_at=_shift(entry["recorded_at"]), **facts)
    assert vignette.checkin is not None
    recorded_at = _shift(vignette.checkin["recorded_at"])
    with time_machine.travel(_shift(vignette.evaluated_at), tick=False):
        body = checkin_payload(recorded_at=recorded_at.isoformat(), **_facts(vignette.checkin))
        response = api(patient.user).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    shown = {flag["category"]: flag["severity"] for flag in response.json()["flags"]}
    assert response.json()["postop_day"] == vignette.context.postop_day
    for category, minimum in vignette.expect:
        assert category in shown, f"{vignette.name}: {category} missed"
        assert severity_rank(shown[category]) >= severity_rank(minimum), vignette.name
    if vignette.ceiling == "none":
        assert shown == {}, vignette.name
    elif vignette.ceiling is not None:
        ceiling = severity_rank(vignette.ceiling)
        assert all(severity_rank(s) <= ceiling for s in shown.values()), vignette.name


def test_it_covers_enough_vignettes_end_to_end() -> None:
    assert len(CHECKIN_VIGNETTES) >= 60


# ------------------------------------------------------------------------ startup check


def test_it_fails_the_system_check_when_the_rules_file_is_broken(settings, tmp_path: Path) -> None:
    broken = tmp_path / "rules.yaml"
    broken.write_text("version: 1\nrules: [{id: nope}]\n")
    settings.TRIAGE_RULES_PATH = str(broken)
    clear_ruleset_cache()
    with pytest.raises(SystemCheckError, match=r"recovery\.E001"):
        call_command("check")


def test_it_passes_the_system_check_with_the_packaged_rules() -> None:
    call_command("check")


# ------------------------------------------------------- new answers, every finding recorded

PROBE_RULES = """
version: 1
rules:
  - id: dvt_pe.probe_new_answers
    version: 1
    category: dvt_pe
    severity: emergency
    kind: checkin
    when:
      all:
        - {is_true: coughing_blood}
        - {fact: leg_symptom_side, in: [left, both]}
        - {fact: thigh_groin_pain, gte: 5}
    advice: Test rule over the new answers.
    rationale: Test rule.
    sources: [R1]
"""


@time_machine.travel(NOON, tick=False)
def test_it_lets_a_rule_read_the_new_answers(api, settings, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(PROBE_RULES)
    settings.TRIAGE_RULES_PATH = str(rules)
    clear_ruleset_cache()
    try:
        patient = _on_day(9)
        body = checkin_payload(coughing_blood=True, leg_symptom_side="left", thigh_groin_pain=6)
        response = api(patient.user).post(URL, body, format="json")
    finally:
        clear_ruleset_cache()
    [shown] = response.json()["flags"]
    assert (shown["category"], shown["severity"]) == ("dvt_pe", "emergency")
    assert Flag.objects.get().facts == {
        "coughing_blood": True,
        "leg_symptom_side": "left",
        "thigh_groin_pain": 6,
    }


@time_machine.travel(NOON, tick=False)
def test_it_shows_the_care_team_every_finding_behind_a_flag(api) -> None:
    patient = _on_day(9)
    nurse = ClinicianFactory(care_teams=[patient.care_team])
    body = checkin_payload(temperature_c=38.9, wound_drainage="pus", chills=True)
    api(patient.user).post(URL, body, format="json")
    flag = Flag.objects.get()
    detail = api(nurse).get(f"/api/v1/care/flags/{flag.id}/").json()
    by_rule = {finding["rule_id"]: finding for finding in detail["findings"]}
    assert by_rule["infection.fever_in_monitoring_window"]["facts"]["temperature_c"] == 38.9
    assert by_rule["infection.purulent_drainage"]["facts"]["wound_drainage"] == "pus"
    assert by_rule["infection.chills_in_monitoring_window"]["facts"]["chills"] is True
    assert {finding["check_in"] for finding in detail["findings"]} == {body["id"]}
