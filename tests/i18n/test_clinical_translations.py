"""issue 19: clinical text is reviewable data in every supported language."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pydantic import ValidationError

from notifications.services import preference_update
from recovery.checks import clinical_text_problems
from recovery.clinical_text import Translation
from recovery.services.triage_facts import triage_ruleset
from recovery.triage import RuleSetError, clear_ruleset_cache, load_ruleset, spec
from tests.factories.checkins import checkin_payload
from tests.recovery.triage.test_triage_rules_data import VALID, with_rule, write

ES_ADVICE = {
    "advice": {"es": {"status": "draft", "reviewer": None, "text": "Llame hoy a su equipo."}}
}


@pytest.fixture
def rules_file(settings, tmp_path: Path):
    """Point the system at a rules file of the test's making."""

    def _use(data: dict) -> Path:
        path = write(tmp_path, data)
        settings.TRIAGE_RULES_PATH = str(path)
        clear_ruleset_cache()
        return path

    yield _use
    clear_ruleset_cache()


def test_it_ships_every_advice_in_every_supported_language() -> None:
    problems, _ = clinical_text_problems(("en", "es"))
    assert problems == []


def test_it_starts_every_spanish_advice_as_a_draft_without_a_reviewer() -> None:
    translations = [rule.translations["advice"]["es"] for rule in triage_ruleset().rules]
    assert {(t.status, t.reviewer) for t in translations} == {("draft", None)}


def test_it_keeps_the_emergency_number_in_every_spanish_emergency_advice(settings) -> None:
    settings.EMERGENCY_NUMBER = "112"
    ruleset = triage_ruleset()
    emergencies = [rule.id for rule in ruleset.rules if rule.severity == "emergency"]
    assert emergencies
    for rule_id in emergencies:
        advice = ruleset.advice_in(rule_id, "es")
        assert "112" in advice
        assert "emergencia" in advice
        assert "{" not in advice


def test_it_falls_back_to_the_english_for_a_language_without_the_text() -> None:
    ruleset = triage_ruleset()
    rule_id = ruleset.rules[0].id
    assert ruleset.advice_in(rule_id, "pt") == ruleset.advice[rule_id]


def test_it_fails_the_system_check_when_an_advice_lacks_a_supported_language(rules_file) -> None:
    rules_file(VALID)  # English only
    with pytest.raises(SystemCheckError, match=r"recovery\.E005.*infection\.fever.*'es'"):
        call_command("check")


def test_it_passes_the_system_check_once_the_translation_is_beside_the_english(
    rules_file,
) -> None:
    rules_file(with_rule(translations=ES_ADVICE))
    call_command("check")


def test_it_asks_for_every_language_in_the_setting(rules_file, settings) -> None:
    rules_file(with_rule(translations=ES_ADVICE))
    settings.LANGUAGES = [("en", "English"), ("es", "Español"), ("pt", "Português")]
    with pytest.raises(SystemCheckError, match=r"recovery\.E005.*'pt'"):
        call_command("check")


@pytest.mark.parametrize(
    ("translations", "problem"),
    [
        (
            {"advice": {"es": {"text": "Llame al 911 ahora."}}},
            "hard-codes the emergency number",
        ),
        (
            {"advice": {"es": {"text": "Llame hoy ({numero})."}}},
            "unknown placeholder",
        ),
        ({"rationale": {"es": {"text": "Fiebre."}}}, "translations name 'rationale'"),
    ],
)
def test_it_refuses_a_broken_translation(tmp_path: Path, translations, problem) -> None:
    with pytest.raises(RuleSetError, match=problem):
        load_ruleset(write(tmp_path, with_rule(translations=translations)))


def test_it_refuses_a_translation_that_drops_the_emergency_number(tmp_path: Path) -> None:
    data = with_rule(
        advice="Call emergency services ({emergency_number}) now.",
        translations={"advice": {"es": {"text": "Llame a emergencias ahora."}}},
    )
    with pytest.raises(RuleSetError, match="must name"):
        load_ruleset(write(tmp_path, data))


def test_it_refuses_a_reviewed_translation_without_its_reviewer() -> None:
    with pytest.raises(ValidationError, match="names its reviewer"):
        Translation(text="Llame hoy.", status="reviewed")


def test_it_accepts_a_reviewed_translation_naming_its_reviewer() -> None:
    translation = Translation(text="Llame hoy.", status="reviewed", reviewer="Dr. A. Ruiz (MD)")
    assert translation.status == "reviewed"


def test_it_keeps_the_rationale_for_clinicians_in_english() -> None:
    assert spec.PATIENT_FACING_FIELDS == ("advice",)


def test_it_writes_the_translations_beside_the_english_in_the_rules_file() -> None:
    data = yaml.safe_load(Path(spec.__file__).with_name("rules.yaml").read_text(encoding="utf-8"))
    for rule in data["rules"]:
        assert list(rule).index("translations") == list(rule).index("advice") + 1


# ------------------------------------------------------------------- the check-in answer


@pytest.mark.django_db
def test_it_gives_a_spanish_patient_emergency_advice_in_spanish(api, patient, settings) -> None:
    settings.EMERGENCY_NUMBER = "911"
    preference_update(user_id=patient.user_id, language="es")  # stored once (issue 19)
    response = api(patient.user).post(
        "/api/v1/me/check-ins/", checkin_payload(chest_pain=True), format="json"
    )
    [flag] = response.json()["flags"]
    assert flag["severity"] == "emergency"
    assert "emergencia" in flag["advice"]
    assert "911" in flag["advice"]
    assert flag["language"] == "es"


@pytest.mark.django_db
def test_it_leaves_an_english_patients_advice_unchanged(api, patient) -> None:
    response = api(patient.user).post(
        "/api/v1/me/check-ins/", checkin_payload(chest_pain=True), format="json"
    )
    [flag] = response.json()["flags"]
    ruleset = triage_ruleset()
    rule_id = [r.id for r in ruleset.rules if ruleset.advice[r.id] == flag["advice"]]
    assert rule_id
    assert flag["language"] == "en"
    assert "emergency" in flag["advice"].lower()


@pytest.mark.django_db
def test_it_keeps_the_care_teams_flag_in_english(api, patient) -> None:
    from recovery.models import Flag

    preference_update(user_id=patient.user_id, language="es")  # stored once (issue 19)
    api(patient.user).post("/api/v1/me/check-ins/", checkin_payload(chest_pain=True), format="json")
    assert "emergency" in Flag.objects.get().advice.lower()


@pytest.mark.django_db
def test_it_gives_the_next_check_in_in_the_language_chosen_by_patch(api, patient) -> None:
    from django.contrib.auth.models import User

    api(patient.user).patch("/api/v1/me/preferences/", {"language": "es"}, format="json")
    fresh = User.objects.get(id=patient.user_id)
    response = api(fresh).post(
        "/api/v1/me/check-ins/", checkin_payload(chest_pain=True), format="json"
    )
    assert "emergencia" in response.json()["flags"][0]["advice"]
