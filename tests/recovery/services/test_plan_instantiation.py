"""Instantiation: enrollment copies the pathway template into the patient's own rows."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.utils import timezone

from recovery.checks import check_pathway_templates
from recovery.models import Milestone, PatientPlan, PlanItem
from recovery.pathways import load_pathways
from recovery.pathways.loader import DEFAULT_DIRECTORY
from recovery.services.plans import plan_instantiate
from tests.factories.plans import APPROACHES, plan_of, planned_patient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("family", sorted(APPROACHES))
def test_it_copies_the_template_of_the_surgerys_approach_family(family: str) -> None:
    technique, approach = APPROACHES[family]
    template = load_pathways()[family]
    patient = planned_patient(technique=technique, approach=approach)
    plan = plan_of(patient)
    assert (plan.template_code, plan.template_version) == (template.code, template.version)
    assert set(plan.items.values_list("template_code", "template_version")) == {
        (template.code, template.version)
    }
    phases = {(p.code, p.start_day, p.end_day) for p in template.phases}
    assert set(plan.items.values_list("phase_code", "start_day", "end_day")) == phases


@pytest.mark.parametrize(
    ("technique", "family"),
    [
        ("plf", "open_posterior"),
        ("plif", "open_posterior"),
        ("tlif", "open_posterior"),
        ("mis_tlif", "mis_tlif"),
        ("llif", "lateral"),
        ("alif", "anterior"),
        ("olif", "anterior"),
    ],
)
def test_it_maps_every_technique_to_its_family(technique: str, family: str) -> None:
    approach = "mis" if technique in {"mis_tlif", "llif"} else "open"
    assert plan_of(planned_patient(technique=technique, approach=approach)).template_code == family


@pytest.mark.parametrize(
    ("brace", "smoking", "has_brace", "has_cessation"),
    [
        (False, "never", False, False),
        (True, "never", True, False),
        (False, "current", False, True),
        (True, "current", True, True),
        (False, "former", False, False),
    ],
)
def test_it_adjusts_the_plan_to_the_risk_profile(
    brace: bool, smoking: str, has_brace: bool, has_cessation: bool
) -> None:
    plan = plan_of(planned_patient(brace_prescribed=brace, smoking_status=smoking))
    codes = set(plan.items.values_list("code", flat=True))
    milestones = set(plan.milestones.values_list("code", flat=True))
    assert ("brace" in codes) is has_brace
    assert ("nicotine_cessation" in codes) is has_cessation
    assert any(code.startswith("nicotine_free") for code in milestones) is has_cessation
    assert plan.risk_profile == {"brace_prescribed": brace, "smoking_status": smoking}


def test_it_gives_every_item_and_milestone_its_sources() -> None:
    plan = plan_of(planned_patient(brace_prescribed=True, smoking_status="current"))
    rows = [*plan.items.all(), *plan.milestones.all()]
    assert rows
    assert all(row.sources and all(s.startswith("R") for s in row.sources) for row in rows)


def test_it_derives_milestone_target_dates_from_the_surgery_date() -> None:
    patient = planned_patient(postop_day=3)
    surgery_date = patient.surgeries.get().date
    for milestone in Milestone.objects.filter(plan__patient=patient):
        assert milestone.target_date_min == surgery_date + timedelta(days=milestone.day_min)
        assert milestone.target_date_max == surgery_date + timedelta(days=milestone.day_max)


def test_it_is_idempotent_for_a_surgery_that_already_has_a_plan() -> None:
    patient = planned_patient()
    surgery = patient.surgeries.get()
    before = PlanItem.objects.filter(plan__patient=patient).count()
    assert plan_instantiate(surgery=surgery) == plan_of(patient)
    assert PlanItem.objects.filter(plan__patient=patient).count() == before


def test_a_template_edit_never_rewrites_an_existing_plan() -> None:
    patient = planned_patient()
    edited = load_pathways()["open_posterior"].model_copy(update={"version": 99})
    templates = {**load_pathways(), "open_posterior": edited}
    later = planned_patient()
    later_surgery = later.surgeries.get()
    PatientPlan.objects.filter(surgery=later_surgery).delete()
    plan_instantiate(surgery=later_surgery, templates=templates)
    assert plan_of(later).template_version == 99
    assert set(PlanItem.objects.filter(plan__patient=patient).values_list("template_version")) == {
        (1,)
    }


def test_enrollment_through_the_api_builds_the_plan(api, clinician) -> None:
    surgery_date = timezone.now().date() - timedelta(days=2)
    body = {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "date_of_birth": "1961-04-02",
        "timezone": "Europe/Madrid",
        "smoking_status": "current",
        "surgery": {
            "date": surgery_date.isoformat(),
            "indication": "ddd",
            "approach": "mis",
            "technique": "mis_tlif",
            "brace_prescribed": True,
        },
    }
    response = api(clinician).post("/api/v1/care/patients/", body)
    assert response.status_code == 201
    plan = PatientPlan.objects.get(patient_id=response.data["id"])
    assert plan.template_code == "mis_tlif"
    assert {"brace", "nicotine_cessation"} <= set(plan.items.values_list("code", flat=True))


def test_the_shipped_templates_pass_the_system_check() -> None:
    assert [m for m in run_checks() if m.id == "recovery.E002"] == []


def test_a_broken_template_fails_the_system_check(settings, tmp_path: Path) -> None:
    for path in DEFAULT_DIRECTORY.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    broken = tmp_path / "mis_tlif.yaml"
    broken.write_text(broken.read_text().replace("start_day: 15", "start_day: 20", 1))
    settings.PATHWAY_TEMPLATES_DIR = str(tmp_path)
    errors = check_pathway_templates(None)
    assert errors
    assert {e.id for e in errors} == {"recovery.E002"}
    assert any("gap between phases" in e.msg for e in errors)
