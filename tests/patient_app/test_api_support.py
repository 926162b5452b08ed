"""The API the patient app adds: emergency answers from the rules, goals it may record."""

from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from recovery.models import Milestone
from recovery.services.triage_facts import triage_ruleset
from recovery.triage import clear_ruleset_cache
from recovery.triage.emergency_answers import emergency_answers
from recovery.triage.loader import ruleset_from_mapping
from tests.factories.plans import plan_of, planned_patient

pytestmark = pytest.mark.django_db

URL = "/api/v1/triage/emergency-answers/"
RULES = Path(__file__).resolve().parents[2] / "recovery" / "triage" / "rules.yaml"


def test_it_publishes_the_answers_that_are_emergencies_alone_without_sign_in(api):
    body = api().get(URL).json()

    facts = {answer["fact"] for answer in body["answers"]}
    assert {"saddle_numbness", "new_bladder_problem", "chest_pain"} <= facts
    assert "fall" not in facts  # an emergency only together with a neurological sign
    assert body["version"].startswith(f"{triage_ruleset().version}-")


def test_it_fills_the_configured_emergency_number_into_the_advice(api, settings):
    settings.EMERGENCY_NUMBER = "112"
    clear_ruleset_cache()
    body = api().get(URL).json()

    assert body["emergency_number"] == "112"
    assert all("(112)" in answer["advice"] for answer in body["answers"])
    clear_ruleset_cache()


def test_it_derives_the_list_from_the_rules_not_a_copy():
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    data["rules"] = [r for r in data["rules"] if r["id"] != "cauda_equina.saddle_numbness"]

    facts = {a.fact for a in emergency_answers(ruleset_from_mapping(data))}

    assert "saddle_numbness" not in facts
    assert "new_bladder_problem" in facts


def _milestone(patient, kind):
    return Milestone.objects.filter(plan=plan_of(patient), kind=kind).first()


def test_it_lets_a_patient_record_one_of_their_goals(api):
    patient = planned_patient(postop_day=30)
    goal = _milestone(patient, "goal")

    response = api(patient.user).post(
        reverse("me-milestone-achieved", args=[goal.id]), {}, format="json"
    )

    assert response.status_code == 200
    goal.refresh_from_db()
    assert (goal.status, response.json()["status"]) == ("achieved", "achieved")


def test_it_leaves_visits_to_the_care_team(api):
    patient = planned_patient(postop_day=30)
    visit = _milestone(patient, "visit")

    response = api(patient.user).post(
        reverse("me-milestone-achieved", args=[visit.id]), {}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "not_self_reportable")


def test_it_answers_404_for_another_patients_goal(api):
    patient, other = planned_patient(), planned_patient()
    goal = _milestone(other, "goal")

    response = api(patient.user).post(
        reverse("me-milestone-achieved", args=[goal.id]), {}, format="json"
    )

    assert response.status_code == 404


def test_it_gives_the_patient_their_care_teams_phone(api):
    patient = planned_patient()
    patient.care_team.phone = "+1-202-555-0100"
    patient.care_team.save()

    body = api(patient.user).get("/api/v1/me/").json()

    assert body["care_team_phone"] == "+1-202-555-0100"
