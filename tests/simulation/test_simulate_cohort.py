"""simulate_cohort: a deterministic synthetic cohort whose rows are what the services write."""

import io
import random
import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command

from recovery.models import (
    CareTeam,
    CheckIn,
    ChecklistEntry,
    Flag,
    FlagFinding,
    Milestone,
    Patient,
    PatientPlan,
    PlanItem,
    QuestionnaireResponse,
    ReminderSchedule,
    Surgery,
)
from recovery.models.checkins import SYMPTOM_FIELDS
from recovery.services.checkins import checkin_create
from recovery.services.triage_facts import history_limit, triage_ruleset
from simulation.cohort import Complication, sample_profile
from simulation.flags import CATEGORY_OF, triage_patient
from simulation.questionnaires import questionnaires_answered
from simulation.run import Plan, _batches, patient_simulate
from simulation.trajectory import simulate_reports
from tests.factories import PatientFactory, SurgeryFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 20, 18, 0, tzinfo=UTC)
START = date(2026, 6, 1)
PATIENTS, DAYS, SEED = 12, 20, 7


def _simulate(seed: int = SEED, *extra: str) -> str:
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command(
            "simulate_cohort",
            "--patients", str(PATIENTS), "--days", str(DAYS), "--seed", str(seed),
            "--start-date", START.isoformat(), "--no-progress", *extra,
            stdout=out, stderr=io.StringIO(),
        )  # fmt: skip
    return out.getvalue()


def _plan(seed: int = SEED) -> Plan:
    return Plan(PATIENTS, DAYS, seed, START, 1, NOW)


def test_it_simulates_the_same_patients_for_the_same_seed() -> None:
    first = [patient_simulate(_plan(), i) for i in range(PATIENTS)]
    again = [patient_simulate(_plan(), i) for i in range(PATIENTS)]
    assert first == again
    other = [patient_simulate(_plan(seed=SEED + 1), i) for i in range(PATIENTS)]
    assert [s.triaged.reports for s in other] != [s.triaged.reports for s in first]


def test_it_stores_exactly_what_the_simulation_produced() -> None:
    sims = [patient_simulate(_plan(), i) for i in range(PATIENTS)]
    _simulate()
    assert Patient.objects.count() == PATIENTS
    assert Surgery.objects.count() == PATIENTS
    assert PatientPlan.objects.count() == PATIENTS
    assert CheckIn.objects.count() == sum(len(s.triaged.reports) for s in sims)
    assert Flag.objects.count() == sum(len(s.triaged.flags) for s in sims)
    assert ReminderSchedule.objects.count() == 2 * PATIENTS
    assert QuestionnaireResponse.objects.count() == sum(len(s.questionnaires) for s in sims)
    stored = set(CheckIn.objects.values_list("id", "postop_day", "back_pain"))
    simulated = {
        (r.id, r.postop_day, r.symptoms["back_pain"]) for s in sims for r in s.triaged.reports
    }
    assert stored == simulated


@pytest.mark.parametrize(
    "model",
    [
        Patient,
        Surgery,
        PatientPlan,
        PlanItem,
        Milestone,
        CheckIn,
        ChecklistEntry,
        Flag,
        FlagFinding,
        QuestionnaireResponse,
        ReminderSchedule,
    ],
)
def test_it_writes_rows_that_pass_model_validation(model) -> None:
    _simulate()
    sample = list(model.objects.order_by("pk")[:25])
    assert sample
    for row in sample:
        row.full_clean()


def test_it_refuses_to_run_twice_with_the_same_seed() -> None:
    _simulate()
    with pytest.raises(CommandError, match="already exists"):
        _simulate()
    assert CareTeam.objects.filter(name__contains=f"s{SEED}-").count() == 1
    _simulate(seed=SEED + 1)  # another seed is another cohort
    assert Patient.objects.count() == 2 * PATIENTS


def test_it_does_nothing_on_a_second_run_with_skip_existing() -> None:
    _simulate()
    assert "nothing done" in _simulate(SEED, "--skip-existing")
    assert Patient.objects.count() == PATIENTS


def test_it_links_every_check_in_flag_to_the_check_ins_that_raised_it() -> None:
    _simulate()
    flags = list(Flag.objects.prefetch_related("checkins"))
    assert flags
    for flag in flags:
        if flag.origin == Flag.Origin.TREND:
            continue
        assert flag.checkins.exists()
        assert all(c.patient_id == flag.patient_id for c in flag.checkins.all())
    shown = {item["id"] for c in CheckIn.objects.exclude(flags=[]) for item in c.flags}
    assert shown <= {str(f.id) for f in flags}


def test_it_records_each_simulated_flags_findings_with_its_headline() -> None:
    sims = [patient_simulate(_plan(), i) for i in range(PATIENTS)]
    _simulate()
    simulated = sum(len(flag.findings) for s in sims for flag in s.triaged.flags)
    assert simulated
    assert FlagFinding.objects.count() == simulated
    for flag in Flag.objects.prefetch_related("findings"):
        fired = {(f.rule_id, f.severity) for f in flag.findings.all()}
        assert (flag.rule_id, flag.severity) in fired


@pytest.mark.parametrize(
    ("kind", "onset", "days"),
    [
        ("infection", 12, 30),
        ("nerve", 4, 20),
        ("thigh_numbness", 3, 20),
        ("hip_weakness", 3, 20),
        ("hardware", 40, 60),
        ("cauda_equina", 5, 20),
        ("nonunion", 100, 200),
    ],
)
def test_it_raises_a_flag_for_an_injected_complication(kind, onset, days) -> None:
    rng = random.Random(kind)
    profile = sample_profile(rng)
    technique = "llif" if kind in ("thigh_numbness", "hip_weakness") else "tlif"
    approach = "mis" if technique == "llif" else "open"
    profile = profile.__class__(
        **{
            **profile.__dict__,
            "technique": technique,
            "approach": approach,
            "engagement": 1.0,
            "complications": (Complication(kind, onset, 10_000),),
        }
    )
    surgery_date = date(2026, 1, 1)
    last = date.fromordinal(surgery_date.toordinal() + days)
    treated: set[str] = set()
    reports = simulate_reports(
        rng, profile, surgery_date=surgery_date, last_date=last, timezone="Europe/London",
        now=datetime(2030, 1, 1, tzinfo=UTC), treated=treated,
    )  # fmt: skip
    ruleset = triage_ruleset()
    triaged = triage_patient(
        rng, profile, reports, ruleset=ruleset, history_limit=history_limit(ruleset),
        now=datetime(2030, 1, 1, tzinfo=UTC), treated=treated,
    )  # fmt: skip
    onset_at = min(r.recorded_at for r in triaged.reports if r.postop_day >= onset)
    caught = [
        f for f in triaged.flags if f.category == CATEGORY_OF[kind] and f.opened_at >= onset_at
    ]
    assert caught, f"no {CATEGORY_OF[kind]} flag after day {onset}"


def test_it_shows_the_patient_what_the_check_in_service_would_have() -> None:
    """Replaying a simulated patient's reports through checkin_create gives the same advice."""
    _simulate()
    flagged = CheckIn.objects.exclude(flags=[]).order_by("patient_id").first()
    assert flagged is not None
    original = flagged.patient
    surgery = original.surgeries.get()
    clone = PatientFactory(
        surgery=None,
        timezone=original.timezone_name,
        smoking_status=original.smoking_status,
        smoking_quit_date=original.smoking_quit_date,
        diabetes=original.diabetes,
        bone_quality=original.bone_quality,
        steroid_use=original.steroid_use,
    )
    SurgeryFactory(
        patient=clone, date=surgery.date, technique=surgery.technique,
        approach=surgery.approach, brace_prescribed=surgery.brace_prescribed,
    )  # fmt: skip
    for checkin in original.checkins.order_by("recorded_at"):
        data = {name: getattr(checkin, name) for name in SYMPTOM_FIELDS}
        result = checkin_create(
            patient=clone,
            checkin_id=uuid.uuid4(),
            data={**data, "recorded_at": checkin.recorded_at},
            now=checkin.received_at,
        )
        served = [(f["category"], f["severity"], f["advice"]) for f in result.checkin.flags]
        assert served == [(f["category"], f["severity"], f["advice"]) for f in checkin.flags]


def test_it_improves_odi_by_more_than_the_mcid_by_three_months_for_most_patients() -> None:
    """ODI falls by at least the 10-point MCID [R150] at 3 months in most simulated patients."""
    gains = []
    for index in range(300):
        rng = random.Random(f"odi:{index}")
        answered = questionnaires_answered(
            rng, sample_profile(rng), surgery_date=date(2025, 1, 1), timezone="Europe/London",
            stop_at=NOW,
        )  # fmt: skip
        scores = {a.timepoint: sum(a.answers) * 2 for a in answered if a.instrument == "odi"}
        if "baseline" in scores and "3m" in scores:
            gains.append(scores["baseline"] - scores["3m"])
    assert len(gains) > 100
    assert sum(gain >= 10 for gain in gains) > len(gains) / 2


def test_it_simulates_the_same_patients_for_any_worker_count_and_batch_size() -> None:
    plan = Plan(PATIENTS, DAYS, SEED, START, 1, NOW)
    alone = list(_batches(plan, workers=1, batch_size=PATIENTS))
    forked = list(_batches(plan, workers=2, batch_size=5))
    assert [len(batch) for batch in forked] == [5, 5, 2]
    assert [sim for batch in forked for sim in batch] == alone[0]
