"""Flags raised from check-ins: one live flag per problem, highest severity, alerts once."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Notification
from recovery.models import CheckIn, Flag, FlagFinding
from tests.factories import ClinicianFactory
from tests.factories.checkins import FlagFactory, checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"


def _report(api, patient, **symptoms):
    response = api(patient.user).post(URL, checkin_payload(**symptoms), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _alerts(flag: Flag, template: str = "careteam_flag") -> list[Notification]:
    return list(Notification.objects.filter(template=template, link=f"/dashboard/flags/{flag.id}/"))


def test_it_opens_a_flag_with_the_rule_and_the_facts_it_saw(api, patient) -> None:
    _report(api, patient, temperature_c=38.5)
    flag = Flag.objects.get()
    assert (flag.category, flag.severity, flag.status) == ("infection", "urgent", "open")
    assert flag.rule_id == "infection.fever_in_monitoring_window"
    assert flag.rule_version >= 1
    assert flag.facts["temperature_c"] == 38.5
    assert flag.sources
    assert list(flag.checkins.all()) == [CheckIn.objects.get()]


def test_it_updates_the_open_flag_when_the_problem_is_reported_again(api, patient) -> None:
    _report(api, patient, wound_redness=True)
    _report(api, patient, wound_redness=True)
    flag = Flag.objects.get()
    assert flag.checkins.count() == 2
    assert flag.status == "open"


def test_it_keeps_the_highest_severity_when_a_milder_report_follows(api, patient) -> None:
    _report(api, patient, chest_pain=True)  # emergency dvt_pe
    body = _report(api, patient, calf_pain_or_swelling=True)  # urgent dvt_pe
    # The patient is told what this report calls for; the flag keeps the worst seen.
    assert [(f["category"], f["severity"]) for f in body["flags"]] == [("dvt_pe", "urgent")]
    flag = Flag.objects.get()
    assert (flag.severity, flag.rule_id) == ("emergency", "dvt_pe.chest_pain")
    assert flag.checkins.count() == 2


def test_it_escalates_the_open_flag_when_the_severity_rises(api, patient) -> None:
    _report(api, patient, sudden_pain_increase=True)  # routine hardware
    first = Flag.objects.get()
    assert first.severity == "routine"
    _report(api, patient, sudden_pain_increase=True, pop_or_click=True)  # urgent hardware
    flag = Flag.objects.get()
    assert flag.id == first.id
    assert flag.severity == "urgent"
    assert flag.rule_id == "hardware_failure.sudden_pain_with_mechanical_sign"
    assert flag.checkins.count() == 2


def test_it_reopens_an_acknowledged_flag_whose_severity_rises(api, patient, clinician) -> None:
    _report(api, patient, calf_pain_or_swelling=True)  # urgent dvt_pe
    flag = Flag.objects.get()
    api(clinician).post(f"/api/v1/care/flags/{flag.id}/acknowledge/")
    _report(api, patient, chest_pain=True)  # emergency dvt_pe
    flag.refresh_from_db()
    assert (flag.severity, flag.status, flag.acknowledged_by) == ("emergency", "open", None)


def test_it_opens_a_new_flag_after_the_last_one_was_resolved(api, patient, clinician) -> None:
    _report(api, patient, wound_opening=True)
    old = Flag.objects.get()
    api(clinician).post(
        f"/api/v1/care/flags/{old.id}/resolve/", {"outcome": "seen_in_clinic"}, format="json"
    )
    _report(api, patient, wound_opening=True)
    assert Flag.objects.filter(status="open").exclude(id=old.id).count() == 1


def test_it_opens_one_flag_per_category(api, patient) -> None:
    body = _report(api, patient, chest_pain=True, saddle_numbness=True, temperature_c=38.9)
    assert sorted(f["category"] for f in body["flags"]) == ["cauda_equina", "dvt_pe", "infection"]
    assert Flag.objects.count() == 3
    assert [f["severity"] for f in body["flags"]] == ["emergency", "emergency", "urgent"]


def test_it_alerts_every_member_of_the_care_team_once(api, patient, clinician, coordinator) -> None:
    surgeon = ClinicianFactory(care_teams=[patient.care_team])
    _report(api, patient, chest_pain=True)
    flag = Flag.objects.get()
    alerts = _alerts(flag)
    members = {clinician.id, coordinator.id, surgeon.id}
    assert {a.recipient_id for a in alerts if a.channel == "inapp"} == members
    assert all(a.urgent for a in alerts)
    assert {a.idempotency_key for a in alerts} == {
        f"flag:{flag.id}:emergency:{uid}" for uid in members
    }


def test_it_does_not_alert_again_for_a_repeat_of_the_same_severity(api, patient, clinician) -> None:
    _report(api, patient, wound_redness=True)
    _report(api, patient, wound_redness=True)
    assert len(_alerts(Flag.objects.get())) == 1


def test_it_alerts_once_more_when_the_severity_rises(api, patient, clinician) -> None:
    _report(api, patient, calf_pain_or_swelling=True)
    _report(api, patient, chest_pain=True)
    _report(api, patient, chest_pain=True)
    keys = sorted(a.idempotency_key.split(":")[2] for a in _alerts(Flag.objects.get()))
    assert keys == ["emergency", "urgent"]


def test_it_sends_routine_flags_without_the_urgent_mark(api, patient, clinician) -> None:
    _report(api, patient, nicotine_use=True)
    [alert] = _alerts(Flag.objects.get())
    assert alert.urgent is False


def test_it_keeps_health_data_out_of_the_alert(api, patient, clinician) -> None:
    _report(api, patient, saddle_numbness=True, temperature_c=39.1)
    for alert in Notification.objects.all():
        text = str(alert.context) + alert.link + alert.template
        assert "saddle" not in text and "39.1" not in text and "cauda" not in text


def test_it_never_holds_two_live_flags_of_one_category(patient) -> None:
    FlagFactory(patient=patient, category="ileus")
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFactory(patient=patient, category="ileus", status="acknowledged")


def test_it_allows_closed_flags_alongside_a_live_one(patient) -> None:
    now = timezone.now()
    FlagFactory(patient=patient, category="ileus", status="resolved", resolved_at=now)
    FlagFactory(patient=patient, category="ileus", status="dismissed", dismissed_at=now)
    FlagFactory(patient=patient, category="ileus")
    assert Flag.objects.count() == 3


def test_it_refuses_a_severity_rank_out_of_step(patient) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFactory(patient=patient, severity="emergency", severity_rank=0)


def test_it_stamps_flags_with_the_server_time_not_the_phones(api, patient) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        recorded = timezone.now() - timedelta(hours=6)
        api(patient.user).post(
            URL,
            checkin_payload(recorded_at=recorded.isoformat(), wound_warmth=True),
            format="json",
        )
        flag = Flag.objects.get()
        assert flag.opened_at == timezone.now()


# ------------------------------------------------------------ every rule that fired (issue 16)


def test_it_records_every_rule_that_fired_with_the_facts_it_saw(api, patient) -> None:
    # 38.9 °C, pus and chills: three infection rules; the flag used to keep only the chills.
    body = _report(api, patient, temperature_c=38.9, wound_drainage="pus", chills=True)
    flag = Flag.objects.get()
    findings = {f.rule_id: f for f in FlagFinding.objects.filter(flag=flag)}
    assert {
        "infection.fever_in_monitoring_window",
        "infection.purulent_drainage",
        "infection.chills_in_monitoring_window",
    } <= set(findings)
    assert findings["infection.fever_in_monitoring_window"].facts["temperature_c"] == 38.9
    assert findings["infection.purulent_drainage"].facts["wound_drainage"] == "pus"
    assert findings["infection.chills_in_monitoring_window"].facts["chills"] is True
    assert {str(f.checkin_id) for f in findings.values()} == {body["id"]}
    assert all(f.rule_version >= 1 and f.at == flag.opened_at for f in findings.values())


def test_it_keeps_the_most_severe_finding_as_the_headline(api, patient) -> None:
    _report(api, patient, calf_pain_or_swelling=True, chest_pain=True)
    flag = Flag.objects.get()
    assert (flag.rule_id, flag.severity) == ("dvt_pe.chest_pain", "emergency")
    recorded = FlagFinding.objects.filter(flag=flag).values_list("rule_id", "severity")
    assert set(recorded) == {
        ("dvt_pe.chest_pain", "emergency"),
        ("dvt_pe.calf_pain_or_swelling", "urgent"),
    }


def test_it_records_a_finding_only_on_its_own_categorys_flag(api, patient) -> None:
    _report(api, patient, saddle_numbness=True, temperature_c=38.9)
    for flag in Flag.objects.all():
        assert all(f.rule_id.startswith(flag.category) for f in flag.findings.all())


def test_it_treats_the_headline_of_a_flag_without_findings_as_already_fired(
    api, patient, clinician
) -> None:
    # A flag raised before findings were recorded: its headline is not news.
    flag = FlagFactory(
        patient=patient, rule_id="infection.wound_redness", facts={"wound_redness": True}
    )
    _report(api, patient, wound_redness=True)
    assert _alerts(flag) == []
    assert not FlagFinding.objects.filter(flag=flag).exists()


def test_it_records_no_check_in_for_a_trend_finding(patient) -> None:
    from recovery.services.flags import flags_apply_findings
    from recovery.triage import Finding

    finding = Finding(
        rule_id="silence.no_checkin_first_six_weeks",
        rule_version=1,
        category="silence",
        severity="routine",
        advice="Please check in.",
        rationale="",
        sources=("R1",),
        facts={"days_since_checkin": 3},
    )
    [raised] = flags_apply_findings(
        patient=patient, findings=[finding], now=timezone.now(), origin=Flag.Origin.TREND
    )
    [recorded] = raised.flag.findings.all()
    assert (recorded.checkin_id, recorded.facts) == (None, {"days_since_checkin": 3})


def _backfill_sql() -> str:
    # Found by content, not by file name: migration numbers are re-chained at merge.
    import importlib
    import pkgutil

    import recovery.migrations as migrations

    for module in pkgutil.iter_modules(migrations.__path__):
        loaded = importlib.import_module(f"recovery.migrations.{module.name}")
        if hasattr(loaded, "BACKFILL_FINDINGS"):
            return loaded.BACKFILL_FINDINGS
    raise AssertionError("no migration backfills flag findings")


def test_it_backfills_each_existing_flags_headline_as_its_first_finding(patient) -> None:
    from django.db import connection

    flag = FlagFactory(patient=patient, facts={"temperature_c": 38.4})
    with connection.cursor() as cursor:
        cursor.execute(_backfill_sql())
    [finding] = FlagFinding.objects.filter(flag=flag)
    assert (finding.rule_id, finding.severity, finding.facts) == (
        flag.rule_id,
        flag.severity,
        {"temperature_c": 38.4},
    )
    assert (finding.checkin_id, finding.at) == (None, flag.alerted_at)
