"""Specification of the packaged triage rule set (rules.yaml) and of its validation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from recovery.services.triage_facts import triage_ruleset
from recovery.triage import (
    CATEGORIES,
    DEFAULT_RULES_PATH,
    EMERGENCY_NUMBER_PLACEHOLDER,
    RuleSet,
    RuleSetError,
    clear_ruleset_cache,
    load_ruleset,
)

# shared/ sits next to the repository (/work/shared beside /work/main); a worktree is one deeper.
REFERENCE = next(
    (
        parent / "shared/clinical/REFERENCE.md"
        for parent in Path(__file__).resolve().parents[4:6]
        if (parent / "shared/clinical/REFERENCE.md").is_file()
    ),
    Path(__file__).resolve().parents[4] / "shared/clinical/REFERENCE.md",
)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_ruleset()


def reference_source_ids() -> set[str]:
    text = REFERENCE.read_text(encoding="utf-8")
    section = text.split("## 8.", 1)[1]
    return {f"R{n}" for n in re.findall(r"^R(\d+)\.", section, flags=re.MULTILINE)}


def test_it_loads_the_packaged_rules(rules: RuleSet) -> None:
    assert rules.version >= 1
    assert len(rules.rules) >= 40
    assert load_ruleset() is rules  # cached


def test_it_cites_only_sources_listed_in_the_reference(rules: RuleSet) -> None:
    if not REFERENCE.is_file():
        pytest.skip(f"{REFERENCE} is not available on this machine")
    known = reference_source_ids()
    assert len(known) > 100
    cited = {s for rule in rules.rules for s in rule.sources}
    cited |= {s for parameter in rules.parameters.values() for s in parameter.sources}
    assert cited - known == set()


def test_it_has_a_rule_for_every_category(rules: RuleSet) -> None:
    assert {rule.category for rule in rules.rules} == set(CATEGORIES)


def test_it_has_trend_rules_for_pain_trajectory_fever_and_silence(rules: RuleSet) -> None:
    trend_ids = {rule.id for rule in rules.rules_of_kind("trend")}
    assert {
        "pseudarthrosis.pain_returns_after_improvement",
        "infection.persistent_fever",
        "silence.no_checkin_in_follow_up",
    } <= trend_ids


def test_it_gives_every_rule_a_source_and_a_versioned_stable_id(rules: RuleSet) -> None:
    for rule in rules.rules:
        assert rule.sources, rule.id
        assert rule.version >= 1
        assert rule.id.startswith(f"{rule.category}.")


def test_it_only_references_parameters_that_exist_and_uses_every_parameter(rules: RuleSet) -> None:
    referenced = {name for names in rules.rule_parameters.values() for name in names}
    assert referenced <= set(rules.parameters)
    assert set(rules.parameters) - referenced == set()  # no dead thresholds


def test_it_keeps_the_fever_threshold_within_the_sourced_range(rules: RuleSet) -> None:
    assert 38.0 <= rules.param("fever_threshold_c") <= 38.6


@pytest.mark.parametrize(
    ("severity", "phrase"),
    [("emergency", "call emergency services"), ("urgent", "contact your surgical team")],
)
def test_it_tells_the_patient_what_to_do_for_each_tier(
    rules: RuleSet, severity: str, phrase: str
) -> None:
    for rule in rules.rules:
        if rule.severity == severity:
            assert phrase in " ".join(rule.advice.lower().split()), rule.id


def test_it_never_lets_urinary_retention_be_routine(rules: RuleSet) -> None:
    mentions = [r for r in rules.rules if "unable_to_urinate" in r.model_dump_json()]
    assert mentions and all(r.severity != "routine" for r in mentions)


# ------------------------------------------------------------------- the emergency number

RAW_RULES = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))["rules"]


@pytest.mark.parametrize("rule", RAW_RULES, ids=lambda rule: rule["id"])
def test_it_never_hard_codes_an_emergency_number_in_a_rule_text(rule: dict) -> None:
    for text in (rule["advice"], rule["rationale"]):
        assert not re.search(r"(?<![0-9])(911|112|999)(?![0-9])", text), rule["id"]


def test_it_names_the_emergency_number_in_every_emergency_advice(rules: RuleSet) -> None:
    emergencies = [rule for rule in rules.rules if rule.severity == "emergency"]
    assert len(emergencies) >= 15
    assert all(EMERGENCY_NUMBER_PLACEHOLDER in rule.advice for rule in emergencies)


@pytest.mark.parametrize("number", ["911", "112", "999"])
def test_it_fills_the_deployments_number_into_every_advice(number: str) -> None:
    ruleset = load_ruleset(emergency_number=number)
    mentions = [rule.id for rule in ruleset.rules if EMERGENCY_NUMBER_PLACEHOLDER in rule.advice]
    assert mentions
    for rule_id in mentions:
        assert f"({number})" in ruleset.advice[rule_id]
    assert all("{" not in advice for advice in ruleset.advice.values())
    others = {"911", "112", "999"} - {number}
    assert not [a for a in ruleset.advice.values() if any(o in a for o in others)]


def test_it_uses_the_emergency_number_setting_in_every_emergency_message(settings) -> None:
    settings.EMERGENCY_NUMBER = "112"
    ruleset = triage_ruleset()
    emergencies = [rule.id for rule in ruleset.rules if rule.severity == "emergency"]
    assert all("call emergency services (112)" in ruleset.advice[i].lower() for i in emergencies)
    assert not [advice for advice in ruleset.advice.values() if "911" in advice]


def test_it_defaults_the_emergency_number_setting_to_911() -> None:
    from django.conf import settings

    assert settings.EMERGENCY_NUMBER == "911"
    assert "(911)" in triage_ruleset().advice["cauda_equina.saddle_numbness"]


@pytest.mark.parametrize("number", ["", "91 1", "emergency", "1", "1234567"])
def test_it_refuses_an_emergency_number_that_is_not_a_short_number(number: str) -> None:
    with pytest.raises(RuleSetError, match="emergency number"):
        load_ruleset(emergency_number=number)


# ------------------------------------------------------------------------ broken files

VALID = yaml.safe_load(
    """
version: 1
parameters:
  fever_threshold_c: {value: 38.0, sources: [R3]}
rules:
  - id: infection.fever
    version: 1
    category: infection
    severity: urgent
    kind: checkin
    when: {fact: temperature_c, gte: {param: fever_threshold_c}}
    advice: Contact your surgical team today.
    rationale: Fever.
    sources: [R3]
"""
)


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def with_rule(**changes: object) -> dict:
    rule = {**VALID["rules"][0], **changes}
    return {**VALID, "rules": [rule]}


def test_it_accepts_the_minimal_valid_file(tmp_path: Path) -> None:
    assert load_ruleset(write(tmp_path, VALID)).rules[0].id == "infection.fever"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({**VALID, "rules": VALID["rules"] * 2}, "duplicate rule id"),
        (with_rule(when={"fact": "temprature_c", "gte": 38}), "unknown fact 'temprature_c'"),
        (with_rule(when={"is_true": "notes"}), "unknown fact 'notes'"),
        (with_rule(category="infections"), "unknown category 'infections'"),
        (with_rule(severity="critical"), "unknown severity 'critical'"),
        (with_rule(kind="sometimes"), "unknown kind 'sometimes'"),
        (with_rule(sources=[]), "missing sources"),
        (
            {**VALID, "rules": [{k: v for k, v in VALID["rules"][0].items() if k != "sources"}]},
            "missing sources",
        ),
        (with_rule(sources=["Smith 2020"]), "'Smith 2020' is not of the form R<number>"),
        (with_rule(sources=["R0"]), "'R0' is not of the form R<number>"),
        (
            with_rule(when={"fact": "temperature_c", "gte": {"param": "fever_c"}}),
            "unknown parameter 'fever_c'",
        ),
        (with_rule(when={"fact": "temperature_c", "between": [38, 39]}), "between"),
        (with_rule(when={"fact": "temperature_c", "gte": 38, "lte": 40}), "exactly one"),
        (with_rule(when={"eval": "checkin['temperature_c'] > 38"}), "a condition must be"),
        (with_rule(when={"is_true": "back_pain"}), "is_true needs a yes/no fact"),
        (with_rule(when={"fact": "wound_drainage", "in": ["green"]}), "'green' is not a value"),
        (with_rule(when={"fact": "chills", "gte": 1}), "chills is a yes/no fact"),
        (
            with_rule(when={"rising": {"fact": "chills", "by": 1, "over_last": 2}}),
            "trend operators need a numeric fact",
        ),
        (
            with_rule(
                when={
                    "count": {
                        "where": {"days_since_last_checkin": {"gte": 3}},
                        "at_least": 1,
                        "over_last": 2,
                    }
                }
            ),
            "may only test one check-in",
        ),
        (with_rule(when={"technique_in": ["xlif"]}), "technique_in"),
        (with_rule(id="fever"), "id"),
        (with_rule(id="nerve_injury.fever"), "id must start with its category"),
        (with_rule(version=0), "version"),
        (with_rule(advice=""), "advice"),
        ({**VALID, "parameters": {"fever_threshold_c": {"value": "38"}}}, "value"),
        ({**VALID, "parameters": {"fever_threshold_c": {"value": 38.0}}}, "missing sources"),
        ({k: v for k, v in VALID.items() if k != "version"}, "version"),
        ({**VALID, "rules": []}, "rules"),
        ("version: 1\nrules: [\n", "not valid YAML"),
        ("version: 1\nversion: 2\nrules: []\n", "duplicate key 'version'"),
        ("- just a list\n", "must be a mapping"),
        (with_rule(advice="Call 911 now."), "hard-codes the emergency number '911'"),
        (with_rule(rationale="Dial 112."), "hard-codes the emergency number '112'"),
        (with_rule(advice="Call {emergency_nummer}."), "unknown placeholder"),
        (with_rule(when={"not_reported": "temprature_c"}), "unknown fact 'temprature_c'"),
        (
            with_rule(when={"previous": {"days_since_last_checkin": {"gte": 3}}}),
            "may only test one check-in",
        ),
        (with_rule(when={"previous": {"is_true": "sneezing"}}), "unknown fact 'sneezing'"),
        (
            with_rule(when={"follow_up": {"default_days": {"param": "fever_threshold_c"}}}),
            "must be a whole number",
        ),
    ],
)
def test_it_rejects_a_broken_file_naming_the_problem(
    tmp_path: Path, data: object, problem: str
) -> None:
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(write(tmp_path, data))
    assert problem in str(caught.value)


def test_it_lists_every_problem_at_once(tmp_path: Path) -> None:
    data = {
        **VALID,
        "rules": [
            {**VALID["rules"][0], "category": "gout", "sources": ["x"]},
            {**VALID["rules"][0], "id": "infection.two", "when": {"is_true": "sneezing"}},
            {**VALID["rules"][0], "id": "infection.three", "severity": "whenever"},
        ],
    }
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(write(tmp_path, data))
    joined = "\n".join(caught.value.problems)
    for problem in (
        "unknown category 'gout'",
        "'x' is not of the form",
        "unknown fact 'sneezing'",
        "unknown severity 'whenever'",
    ):
        assert problem in joined
    assert len(caught.value.problems) >= 4


def test_it_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="cannot read"):
        load_ruleset(tmp_path / "absent.yaml")


def test_it_reloads_a_file_after_it_changes(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    first = load_ruleset(path)
    write(
        tmp_path,
        {
            **VALID,
            "version": 2,
            "rules": VALID["rules"] + [{**VALID["rules"][0], "id": "infection.second"}],
        },
    )
    clear_ruleset_cache()
    assert first.version == 1
    assert load_ruleset(path).version == 2


def test_it_ships_the_rules_file_inside_the_package() -> None:
    assert DEFAULT_RULES_PATH.name == "rules.yaml" and DEFAULT_RULES_PATH.is_file()
    assert DEFAULT_RULES_PATH.parent.name == "triage"


# ------------------------------------------------------------------ the clinical review


REVIEW = Path(__file__).resolve().parents[3] / "docs" / "clinical-review.md"


def test_it_keeps_the_committed_clinical_review_in_step_with_the_rules() -> None:
    from django.core.management import call_command

    # Fails when rules.yaml changed without `python manage.py clinical_review --write`.
    call_command("clinical_review", "--check")


def test_it_gives_every_rule_one_row_with_id_version_severity_and_sources(rules: RuleSet) -> None:
    rows = [line for line in REVIEW.read_text(encoding="utf-8").splitlines() if "| `" in line]
    for rule in rules.rules:
        [row] = [r for r in rows if r.startswith(f"| `{rule.id}` |")]
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[1:4] == [str(rule.version), rule.category, rule.severity.upper()]
        assert cells[6] == ", ".join(rule.sources)
        assert cells[7] == "sourced" or cells[7].startswith("VERIFY")


def test_it_records_every_finding_of_the_second_clinical_pass() -> None:
    text = REVIEW.read_text(encoding="utf-8").split("<!-- BEGIN GENERATED", 1)[0]
    numbered = re.findall(r"^ ?(\d+)\. \*\*", text, flags=re.MULTILINE)
    assert [int(n) for n in numbered] == list(range(1, 13))


def test_it_refuses_a_stale_review_and_rewrites_only_the_generated_part(tmp_path: Path) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "clinical-review.md"
    path.write_text(
        REVIEW.read_text(encoding="utf-8").replace("| URGENT |", "| ROUTINE |", 1),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="stale"):
        call_command("clinical_review", "--check", "--path", str(path))
    call_command("clinical_review", "--write", "--path", str(path))
    assert path.read_text(encoding="utf-8") == REVIEW.read_text(encoding="utf-8")


def test_it_fails_the_system_check_when_the_emergency_number_setting_is_invalid(settings) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.EMERGENCY_NUMBER = "call 911"
    with pytest.raises(SystemCheckError, match=r"recovery\.E001"):
        call_command("check")
