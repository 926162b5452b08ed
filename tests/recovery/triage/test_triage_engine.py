"""Specification of the pure triage engine: vignettes, operators, trends, findings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from recovery.triage import (
    CATEGORIES,
    FACTS,
    SEVERITIES,
    SEVERITY_ORDER,
    CheckinError,
    Finding,
    NormalisedCheckin,
    RuleSet,
    TriageContext,
    checkin_normalise,
    evaluate,
    evaluate_trends,
    load_ruleset,
    max_severity,
    most_severe_per_category,
    ruleset_from_text,
    severity_at_least,
    severity_rank,
    spec,
)
from recovery.triage import facts as facts_module
from recovery.triage import operators as ops

from .triage_vignettes import VIGNETTES, Vignette, at, checkin, context

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_ruleset()


def run(rules: RuleSet, vignette: Vignette) -> list[Finding]:
    if vignette.mode == "checkin":
        return evaluate(
            rules,
            checkin=vignette.checkin,
            context=vignette.context,
            history=vignette.history,
            now=vignette.evaluated_at,
        )
    return evaluate_trends(
        rules,
        context=vignette.context,
        history=vignette.history,
        now=vignette.evaluated_at,
        last_checkin_at=vignette.last_checkin_at,
    )


def as_table(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.category, f.severity) for f in findings]


# --------------------------------------------------------------------------- vignettes


def test_it_has_at_least_150_vignettes_with_unique_names() -> None:
    names = [v.name for v in VIGNETTES]
    assert len(names) >= 150
    assert len(set(names)) == len(names)


def test_it_gives_every_vignette_its_source_ids() -> None:
    assert [v.name for v in VIGNETTES if not v.sources] == []
    assert all(re.fullmatch(r"R[1-9][0-9]*", s) for v in VIGNETTES for s in v.sources)


def test_it_cites_only_reference_sources_in_the_vignettes() -> None:
    # shared/ sits beside the repository (/work/shared next to /work/main, or a worktree's).
    candidates = [p / "shared/clinical/REFERENCE.md" for p in REPO_ROOT.parents[:2]]
    reference = next((c for c in candidates if c.is_file()), None)
    if reference is None:
        pytest.skip("shared/clinical/REFERENCE.md is not available on this machine")
    section = reference.read_text(encoding="utf-8").split("## 8.", 1)[1]
    known = {f"R{n}" for n in re.findall(r"^R(\d+)\.", section, flags=re.MULTILINE)}
    assert {s for v in VIGNETTES for s in v.sources} - known == set()


def test_it_has_vignettes_for_every_category_and_for_normal_recovery() -> None:
    expected = {category for v in VIGNETTES for category, _ in v.expect}
    assert expected == set(CATEGORIES)
    assert sum(1 for v in VIGNETTES if v.benign and not v.expect) >= 15
    assert {severity for v in VIGNETTES for _, severity in v.expect} == set(SEVERITIES)


@pytest.mark.parametrize("vignette", VIGNETTES, ids=lambda v: v.name)
def test_it_flags_each_expected_category_at_least_as_severely(
    rules: RuleSet, vignette: Vignette
) -> None:
    findings = run(rules, vignette)
    for category, minimum in vignette.expect:
        severities = [f.severity for f in findings if f.category == category]
        worst = max_severity(severities)
        assert worst is not None and severity_at_least(worst, minimum), (
            f"{vignette.story}: expected {category} >= {minimum}, got {as_table(findings)}"
        )


@pytest.mark.parametrize(
    "vignette", [v for v in VIGNETTES if v.ceiling is not None], ids=lambda v: v.name
)
def test_it_raises_nothing_above_the_vignette_ceiling(rules: RuleSet, vignette: Vignette) -> None:
    findings = run(rules, vignette)
    if vignette.ceiling == "none":
        assert findings == [], f"{vignette.story}: {as_table(findings)}"
    else:
        too_high = [
            f for f in findings if severity_rank(f.severity) > severity_rank(vignette.ceiling)
        ]
        assert too_high == [], f"{vignette.story}: {as_table(too_high)}"


@pytest.mark.parametrize("vignette", VIGNETTES, ids=lambda v: v.name)
def test_it_gives_json_serialisable_facts_and_plain_advice(
    rules: RuleSet, vignette: Vignette
) -> None:
    for finding in run(rules, vignette):
        json.dumps(finding.facts)
        json.dumps(finding.parameters)
        assert finding.sources and all(s.startswith("R") for s in finding.sources)
        assert "you have" not in finding.advice.lower()  # advice, never a diagnosis


@pytest.mark.parametrize(
    "vignette", [v for v in VIGNETTES if v.mode == "checkin"], ids=lambda v: v.name
)
def test_it_ignores_the_notes_text(rules: RuleSet, vignette: Vignette) -> None:
    assert vignette.checkin is not None
    alarming = {**vignette.checkin, "notes": "sudden chest pain, numb saddle, fever 40, 911"}
    calm = {**vignette.checkin, "notes": "feeling great, no problems at all"}
    silent = {k: v for k, v in vignette.checkin.items() if k != "notes"}
    results = [
        evaluate(
            rules,
            checkin=c,
            context=vignette.context,
            history=vignette.history,
            now=vignette.evaluated_at,
        )
        for c in (alarming, calm, silent)
    ]
    assert results[0] == results[1] == results[2]


def _expected_fact_keys(node: Any) -> set[str]:
    """Independent walk over a rule's raw condition mapping: which facts it looks at."""
    keys: set[str] = set()
    if isinstance(node, list):
        for child in node:
            keys |= _expected_fact_keys(child)
        return keys
    if not isinstance(node, dict):
        return keys
    if "fact" in node and ("over_last" not in node):
        keys.add(node["fact"])
    if "is_true" in node:
        keys.add(node["is_true"])
    context_keys = {
        "postop_day": "postop_day",
        "technique_in": "technique",
        "approach_in": "approach",
    }
    keys |= {f"context.{name}" for key, name in context_keys.items() if key in node}
    risk_fields = {
        "current_smoker": "smoking_status",
        "diabetes": "diabetes",
        "osteoporosis": "bone_quality",
        "steroid_use": "steroid_use",
    }
    keys |= {f"context.{risk_fields[r]}" for r in node.get("risk_factor_any", [])}
    for trend in ("rising", "falling", "rebound", "window_max", "window_min"):
        if trend in node:
            keys.add(f"series.{node[trend]['fact']}")
    if "count" in node and isinstance(node["count"], dict):
        keys |= {f"series.{name}" for name in _expected_fact_keys(node["count"]["where"])}
        return keys
    if "days_since_last_checkin" in node:
        keys |= {"days_since_last_checkin", "last_checkin_at"}
    if "not_reported" in node:
        keys.add(node["not_reported"])
    if "previous" in node:
        keys.add("previous.recorded_at")
        keys |= {f"previous.{name}" for name in _expected_fact_keys(node["previous"])}
    if "follow_up" in node:
        keys |= {"context.postop_day", "context.follow_up_days"}
    for key in ("all", "any", "not"):
        if key in node:
            keys |= _expected_fact_keys(node[key])
    if "at_least" in node and isinstance(node["at_least"], dict):
        keys |= _expected_fact_keys(node["at_least"]["of"])
    return keys


@pytest.mark.parametrize("vignette", VIGNETTES, ids=lambda v: v.name)
def test_it_records_exactly_the_facts_each_rule_looked_at(
    rules: RuleSet, vignette: Vignette
) -> None:
    for finding in run(rules, vignette):
        raw = rules.rule(finding.rule_id).model_dump(by_alias=True, exclude_none=True)["when"]
        assert set(finding.facts) == _expected_fact_keys(raw), finding.rule_id


def test_it_keeps_unrelated_answers_out_of_a_findings_facts(rules: RuleSet) -> None:
    findings = evaluate(
        rules,
        checkin=checkin(12, temperature_c=38.5, chest_pain=True, back_pain=2),
        context=context(12),
        now=at(12, 10),
    )
    fever = next(f for f in findings if f.rule_id == "infection.fever_in_monitoring_window")
    assert fever.facts == {"temperature_c": 38.5, "context.postop_day": 12}
    assert fever.parameters == {"fever_threshold_c": 38.0, "ssi_monitoring_days": 90}


# --------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("op", "actual", "operand", "expected"),
    [
        ("eq", 3, 3, True),
        ("eq", 3, 4, False),
        ("eq", True, 1, False),  # a yes/no answer never equals a number
        ("eq", False, False, True),
        ("eq", None, None, False),  # not reported never matches
        ("ne", "pus", "none", True),
        ("ne", None, "none", False),
        ("gte", 38.0, 38.0, True),
        ("gte", 37.9, 38.0, False),
        ("gte", None, 38.0, False),
        ("gt", 6, 5, True),
        ("gt", 5, 5, False),
        ("lte", 90, 90, True),
        ("lte", 91, 90, False),
        ("lt", 4, 5, True),
        ("lt", 5, 5, False),
        ("lt", None, 5, False),
        ("in", "cloudy", ["cloudy", "pus"], True),
        ("in", "clear", ["cloudy", "pus"], False),
        ("in", True, [1], False),
        ("in", None, ["none"], False),
    ],
)
def test_it_compares_with_each_operator(op: str, actual: Any, operand: Any, expected: bool) -> None:
    assert ops.compare(op, actual, operand) is expected


def test_it_keeps_the_operator_registry_in_sync_with_the_schema() -> None:
    assert set(ops.COMPARATORS) == set(spec.COMPARISON_OPS)


@pytest.mark.parametrize(
    ("values", "by", "monotonic", "rose"),
    [
        ([3, 4, 6], 2, True, True),
        ([3, 6, 5], 2, True, False),  # a step down breaks a monotonic rise
        ([3, 6, 5], 2, False, True),
        ([3, 4], 2, True, False),
        ([5], 0, True, False),  # one value is not a trend
        ([], 1, True, False),
    ],
)
def test_it_detects_a_rise(values: list[int], by: int, monotonic: bool, rose: bool) -> None:
    assert ops.rose_by(values, by, monotonic=monotonic) is rose


@pytest.mark.parametrize(
    ("values", "by", "fell"), [([7, 5, 4], 2, True), ([7, 6], 2, False), ([4, 7], 1, False)]
)
def test_it_detects_a_fall(values: list[int], by: int, fell: bool) -> None:
    assert ops.fell_by(values, by) is fell


@pytest.mark.parametrize(
    ("values", "rebounded"),
    [
        ([7, 5, 2, 4, 5], True),
        ([7, 5, 2, 4, 3], False),  # not sustained on both recent logs
        ([2, 2, 2, 4, 5], False),  # never improved first
        ([7, 2, 5], False),  # too short: one recent value for a sustained window of 2
        ([6, 4, 3, 2, 4, 4], True),
        ([6, 4, 3, 2, 3, 4], False),
    ],
)
def test_it_detects_pain_returning_after_improvement(values: list[int], rebounded: bool) -> None:
    assert ops.rebounded(values, by=2, improved_by=2, sustained=2) is rebounded


def test_it_counts_matches_and_days() -> None:
    assert ops.count_at_least([True, False, True], 2)
    assert not ops.count_at_least([True, False, False], 2)
    assert ops.days_between(at(1), at(3, 21)) == pytest.approx(2.5)


# ------------------------------------------------------------- engine nodes (mini rule sets)


def one_rule(when: str, *, kind: str = "checkin", parameters: str = "") -> RuleSet:
    indented = "\n".join("      " + line for line in when.strip().splitlines())
    text = f"""
version: 1
parameters:
  limit: {{value: 3, sources: [R1]}}
{parameters}
rules:
  - id: infection.probe
    version: 2
    category: infection
    severity: urgent
    kind: {kind}
    when:
{indented}
    advice: Contact your surgical team today.
    rationale: Test rule.
    sources: [R1]
"""
    return ruleset_from_text(text)


def fires(
    ruleset: RuleSet,
    *,
    day: int = 10,
    technique: str = "tlif",
    history: tuple = (),
    now: datetime | None = None,
    last: datetime | None = None,
    risk: dict | None = None,
    **facts: Any,
) -> bool:
    ctx = context(day, technique, **(risk or {}))
    if ruleset.rules[0].kind == "trend":
        found = evaluate_trends(
            ruleset, context=ctx, history=history, now=now or at(day, 12), last_checkin_at=last
        )
    else:
        found = evaluate(
            ruleset,
            checkin=checkin(day, **facts),
            context=ctx,
            history=history,
            now=now or at(day, 10),
        )
    return bool(found)


@pytest.mark.parametrize(("day", "expected"), [(2, False), (3, True), (20, True), (21, False)])
def test_it_applies_postoperative_day_windows(day: int, expected: bool) -> None:
    rule = one_rule("postop_day: {gte: {param: limit}, lt: 21}")
    assert fires(rule, day=day) is expected


@pytest.mark.parametrize(
    ("technique", "expected"), [("llif", True), ("olif", True), ("alif", False), ("tlif", False)]
)
def test_it_filters_by_technique(technique: str, expected: bool) -> None:
    assert fires(one_rule("technique_in: [llif, olif]"), technique=technique) is expected


@pytest.mark.parametrize(
    ("technique", "expected"), [("mis_tlif", True), ("llif", True), ("plf", False)]
)
def test_it_filters_by_approach(technique: str, expected: bool) -> None:
    assert fires(one_rule("approach_in: [mis]"), technique=technique) is expected


@pytest.mark.parametrize(
    ("risk", "expected"),
    [
        ({}, False),
        ({"smoking_status": "former"}, False),
        ({"smoking_status": "current"}, True),
        ({"bone_quality": "osteopenia"}, False),
        ({"bone_quality": "osteoporosis"}, True),
        ({"diabetes": True}, True),
        ({"steroid_use": True}, True),
    ],
)
def test_it_filters_by_risk_factor(risk: dict, expected: bool) -> None:
    rule = one_rule("risk_factor_any: [current_smoker, osteoporosis, diabetes, steroid_use]")
    assert fires(rule, risk=risk) is expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"chills": True, "nausea_vomiting": True}, True),
        ({"chills": True}, False),
        ({"chills": True, "no_bowel_movement_days": 3}, True),
        ({}, False),
    ],
)
def test_it_requires_k_of_n_conditions(facts: dict, expected: bool) -> None:
    rule = one_rule(
        """
at_least:
  count: 2
  of:
    - {is_true: chills}
    - {is_true: nausea_vomiting}
    - {fact: no_bowel_movement_days, gte: {param: limit}}
"""
    )
    assert fires(rule, **facts) is expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"pain_controlled_by_medication": True}, True),
        ({"pain_controlled_by_medication": False}, False),
        ({}, True),
    ],
)
def test_it_negates_a_condition(facts: dict, expected: bool) -> None:
    rule = one_rule("not: {fact: pain_controlled_by_medication, eq: false}")
    assert fires(rule, **facts) is expected


def test_it_treats_unreported_answers_as_not_matching_any_comparison() -> None:
    rule = one_rule("any: [{fact: back_pain, lt: 3}, {fact: wound_drainage, ne: none}]")
    assert not fires(rule)
    assert fires(rule, back_pain=2)


def test_it_judges_a_rise_only_within_the_time_window() -> None:
    rule = one_rule("rising: {fact: back_pain, by: 2, over_last: 3, within_days: 5}")
    history = (checkin(9, back_pain=4), checkin(8, back_pain=3))
    assert fires(rule, day=10, history=history, back_pain=6)
    old = (checkin(4, back_pain=4), checkin(3, back_pain=3))
    assert not fires(rule, day=10, history=old, back_pain=6)


def test_it_skips_checkins_that_did_not_report_the_fact() -> None:
    rule = one_rule("rising: {fact: back_pain, by: 2, over_last: 2}")
    history = (checkin(9, temperature_c=37.0), checkin(8, back_pain=3))
    assert fires(rule, day=10, history=history, back_pain=5)


def test_it_detects_a_fall_over_checkins() -> None:
    rule = one_rule("falling: {fact: leg_pain, by: 3, over_last: 3}")
    history = (checkin(9, leg_pain=5), checkin(8, leg_pain=7))
    assert fires(rule, day=10, history=history, leg_pain=3)
    assert not fires(rule, day=10, history=history, leg_pain=6)


@pytest.mark.parametrize(
    ("node", "values", "expected"),
    [
        ("window_max: {fact: temperature_c, over_last: 3, gte: 38.0}", [37.0, 38.2, 37.1], True),
        ("window_max: {fact: temperature_c, over_last: 3, gte: 38.0}", [37.0, 37.2, 37.1], False),
        ("window_min: {fact: back_pain, over_last: 2, gte: 4}", [5, 4], True),
        ("window_min: {fact: back_pain, over_last: 2, gte: 4}", [5, 3], False),
        ("window_min: {fact: back_pain, over_last: 3, gte: 4}", [5, 5], False),  # too few
    ],
)
def test_it_compares_the_max_or_min_over_a_window(node: str, values: list, expected: bool) -> None:
    fact = "temperature_c" if "temperature" in node else "back_pain"
    history = tuple(checkin(20 - i, **{fact: v}) for i, v in enumerate(values))
    assert fires(one_rule(node, kind="trend"), day=21, history=history) is expected


def test_it_counts_checkins_meeting_a_condition_within_days_of_now() -> None:
    rule = one_rule(
        """
count:
  where: {fact: temperature_c, gte: 38.0}
  at_least: 2
  over_last: 3
  within_days: 3
""",
        kind="trend",
    )
    history = (checkin(21, temperature_c=38.3), checkin(20, temperature_c=38.1))
    assert fires(rule, day=21, history=history, now=at(21, 12))
    # The same two fevers, judged a week later, are no longer "persistent".
    assert not fires(rule, day=28, history=history, now=at(28, 12))


@pytest.mark.parametrize(
    ("history_days", "last", "now_day", "expected_days"),
    [
        ((5,), None, 10, 5.0),  # from the newest check-in in the history
        ((5,), 8, 10, 2.0),  # last_checkin_at given by the caller wins
        ((), None, 4, 4.0),  # never checked in: counted from the operation
    ],
)
def test_it_measures_silence_with_time_passed_in(
    history_days: tuple, last: int | None, now_day: int, expected_days: float
) -> None:
    rule = one_rule("days_since_last_checkin: {gte: 0}", kind="trend")
    findings = evaluate_trends(
        rule,
        context=context(now_day),
        history=tuple(checkin(d) for d in history_days),
        now=at(now_day),
        last_checkin_at=at(last) if last is not None else None,
    )
    assert findings[0].facts["days_since_last_checkin"] == expected_days


def test_it_detects_a_rebound_over_the_patients_own_course() -> None:
    rule = one_rule(
        "rebound: {fact: back_pain, by: 2, improved_by: 2, sustained: 2, over_last: 10}",
        kind="trend",
    )
    course = [(7, 7), (30, 3), (60, 2), (100, 4), (110, 5)]
    history = tuple(checkin(d, back_pain=p) for d, p in reversed(course))
    assert fires(rule, day=111, history=history)
    steady = tuple(checkin(d, back_pain=p) for d, p in reversed(course[:3]))
    assert not fires(rule, day=111, history=steady)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ((checkin(9, chills=True),), True),
        ((checkin(9, chills=False),), False),
        ((checkin(9),), False),  # not answered last time
        ((), False),  # no earlier report
        ((checkin(9, chills=False), checkin(8, chills=True)), False),  # only the newest counts
    ],
)
def test_it_judges_a_condition_on_the_previous_report(history: tuple, expected: bool) -> None:
    rule = one_rule("previous: {is_true: chills}")
    assert fires(rule, day=10, history=history) is expected


def test_it_treats_the_first_report_as_new() -> None:
    rule = one_rule("all: [{is_true: chills}, {not: {previous: {is_true: chills}}}]")
    assert fires(rule, day=1, chills=True)
    assert not fires(rule, day=2, history=(checkin(1, chills=True),), chills=True)


def test_it_records_what_the_previous_report_said() -> None:
    [finding] = evaluate(
        one_rule("previous: {fact: leg_symptom_side, eq: left}"),
        checkin=checkin(4, leg_symptom_side="both"),
        context=context(4),
        history=(checkin(3, leg_symptom_side="left"),),
        now=at(4, 10),
    )
    assert finding.facts == {
        "previous.leg_symptom_side": "left",
        "previous.recorded_at": at(3).isoformat(),
    }


def test_it_compares_with_the_previous_report_in_trend_rules_too() -> None:
    rule = one_rule("previous: {fact: back_pain, gte: 5}", kind="trend")
    history = (checkin(9, back_pain=2), checkin(8, back_pain=6))
    assert fires(rule, day=10, history=history)
    assert not fires(rule, day=10, history=history[:1])


@pytest.mark.parametrize(
    ("facts", "expected"),
    [({}, True), ({"temperature_c": 37.0}, False), ({"temperature_c": 38.5}, False)],
)
def test_it_tells_an_unanswered_question_from_a_normal_answer(facts: dict, expected: bool) -> None:
    rule = one_rule("not_reported: temperature_c")
    assert fires(rule, **facts) is expected


@pytest.mark.parametrize(
    ("day", "window", "expected"),
    [(90, None, True), (91, None, False), (150, 180, True), (61, 60, False), (60, 60, True)],
)
def test_it_watches_the_pathways_follow_up_window_or_else_the_default(
    day: int, window: int | None, expected: bool
) -> None:
    rule = one_rule("follow_up: {default_days: 90}")
    assert fires(rule, day=day, risk={"follow_up_days": window}) is expected


def test_it_rejects_a_follow_up_window_that_is_not_a_positive_whole_number() -> None:
    with pytest.raises(CheckinError, match="follow_up_days"):
        TriageContext(postop_day=5, approach="open", technique="tlif", follow_up_days=0)


def test_it_runs_trend_rules_only_in_evaluate_trends_and_checkin_rules_only_in_evaluate() -> None:
    trend = one_rule("days_since_last_checkin: {gte: 0}", kind="trend")
    assert evaluate(trend, checkin=checkin(5), context=context(5), now=at(5, 10)) == []
    checkin_rule = one_rule("postop_day: {gte: 0}")
    assert evaluate_trends(checkin_rule, context=context(5), history=(), now=at(5)) == []


def test_it_stamps_findings_with_rule_and_ruleset_versions() -> None:
    [finding] = evaluate(
        one_rule("{is_true: chills}"),
        checkin=checkin(5, chills=True),
        context=context(5),
        now=at(5, 10),
    )
    assert (finding.rule_id, finding.rule_version, finding.ruleset_version) == (
        "infection.probe",
        2,
        1,
    )
    assert finding.facts == {"chills": True}


def test_it_ignores_history_at_or_after_the_checkin_being_evaluated() -> None:
    rule = one_rule("count: {where: {is_true: chills}, at_least: 2, over_last: 5}")
    current = checkin(5, chills=True)
    # A caller that saved the check-in first and passes it in the history must not double count.
    assert not fires(rule, day=5, history=(current, checkin(6, chills=True)), chills=True)
    assert fires(rule, day=5, history=(checkin(4, chills=True),), chills=True)


def test_it_sorts_a_history_given_in_the_wrong_order() -> None:
    rule = one_rule("rising: {fact: back_pain, by: 2, over_last: 3}")
    oldest_first = (checkin(8, back_pain=3), checkin(9, back_pain=4))
    assert fires(rule, day=10, history=oldest_first, back_pain=6)


# --------------------------------------------------------------------------- input contract


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"back_pain": "7"}, "back_pain"),
        ({"back_pain": 11}, "back_pain"),
        ({"temperature_c": 100.4}, "temperature_c"),  # Fahrenheit by mistake
        ({"chills": "yes"}, "chills"),
        ({"wound_drainage": "green"}, "wound_drainage"),
        ({"opioid_doses_24h": True}, "opioid_doses_24h"),
        ({"recorded_at": "2025-03-10"}, "recorded_at"),
    ],
)
def test_it_rejects_malformed_checkins(rules: RuleSet, bad: dict, message: str) -> None:
    with pytest.raises(CheckinError, match=message):
        evaluate(rules, checkin={**checkin(5), **bad}, context=context(5), now=at(5, 10))


def test_it_rejects_a_malformed_history_entry(rules: RuleSet) -> None:
    history = (checkin(4, back_pain="7"),)
    with pytest.raises(CheckinError, match="history entry 0: back_pain"):
        evaluate(rules, checkin=checkin(5), context=context(5), history=history, now=at(5, 10))


# Values on and off every kind of fact's edges, of every type a phone or a bug might send.
_PROBES = (
    None,
    True,
    False,
    0,
    -1,
    1,
    5,
    10,
    11,
    100,
    101,
    365,
    3650,
    3651,
    5.5,
    29.9,
    30.0,
    37.5,
    45.0,
    45.1,
    float("nan"),
    float("inf"),
    "7",
    "none",
    "pus",
    "green",
    [],
    {},
)


@pytest.mark.parametrize("name", sorted(FACTS))
def test_it_accepts_and_refuses_each_value_as_the_full_check_does(name: str) -> None:
    # checkin_normalise takes a fast path for common values; it must agree with _fact_problem.
    for value in _PROBES:
        problem = facts_module._fact_problem(name, value, FACTS[name])
        if problem is None:
            assert checkin_normalise({"recorded_at": at(1), name: value})[name] is value
        else:
            with pytest.raises(CheckinError, match=re.escape(problem)):
                checkin_normalise({"recorded_at": at(1), name: value})


@pytest.mark.parametrize("vignette", VIGNETTES, ids=lambda v: v.name)
def test_it_gives_the_same_findings_for_a_pre_normalised_history(
    rules: RuleSet, vignette: Vignette
) -> None:
    # A caller that keeps a patient's history (the simulator) normalises each entry once.
    history = tuple(checkin_normalise(entry) for entry in vignette.history)
    assert all(isinstance(entry, NormalisedCheckin) for entry in history)
    pre = replace(
        vignette,
        history=history,
        checkin=checkin_normalise(vignette.checkin) if vignette.checkin is not None else None,
    )
    assert run(rules, pre) == run(rules, vignette)


def test_it_evaluates_a_replaced_ruleset_with_its_own_parameters() -> None:
    # Conditions are compiled with their parameters resolved: a copy with other values
    # (dataclasses.replace) must be compiled anew, not run the original's thresholds.
    ruleset = one_rule("fact: back_pain\ngte: {param: limit}")
    assert fires(ruleset, back_pain=3)
    higher = {"limit": spec.ParameterSpec(value=5, sources=["R1"])}
    assert not fires(replace(ruleset, parameters=higher), back_pain=3)


def test_it_rejects_mixing_naive_and_aware_times(rules: RuleSet) -> None:
    with pytest.raises(CheckinError, match="timezone"):
        evaluate(rules, checkin=checkin(5), context=context(5), now=at(5).replace(tzinfo=None))


@pytest.mark.parametrize(
    "fields",
    [
        {"technique": "xlif"},
        {"approach": "robotic"},
        {"postop_day": -1},
        {"bone_quality": "bad"},
        {"diabetes": "no"},
    ],
)
def test_it_rejects_an_invalid_context(fields: dict) -> None:
    base = {"postop_day": 5, "approach": "open", "technique": "tlif"}
    with pytest.raises(CheckinError):
        TriageContext(**{**base, **fields})


def test_it_ignores_unknown_keys_in_a_checkin(rules: RuleSet) -> None:
    plain = evaluate(rules, checkin=checkin(5, chills=True), context=context(5), now=at(5, 10))
    extra = evaluate(
        rules,
        checkin=checkin(5, chills=True, id=17, client_uuid="x"),
        context=context(5),
        now=at(5, 10),
    )
    assert plain == extra


# ------------------------------------------------------------------------ severity helpers


def make_finding(category: str, severity: str, rule_id: str | None = None) -> Finding:
    return Finding(
        rule_id=rule_id or f"{category}.{severity}",
        rule_version=1,
        category=category,
        severity=severity,
        advice="a",
        rationale="r",
        sources=("R1",),
        facts={},
    )


def test_it_orders_severities() -> None:
    assert SEVERITY_ORDER["emergency"] > SEVERITY_ORDER["urgent"] > SEVERITY_ORDER["routine"]
    assert severity_at_least("emergency", "urgent")
    assert not severity_at_least("routine", "urgent")
    assert max_severity(["routine", "emergency", "urgent"]) == "emergency"
    assert max_severity([]) is None


def test_it_keeps_the_most_severe_finding_per_category_in_a_fixed_order() -> None:
    findings = [
        make_finding("infection", "routine"),
        make_finding("dvt_pe", "urgent"),
        make_finding("infection", "urgent"),
        make_finding("cauda_equina", "emergency"),
        make_finding("csf_leak", "urgent"),
    ]
    expected = [
        ("cauda_equina", "emergency"),
        ("csf_leak", "urgent"),
        ("dvt_pe", "urgent"),
        ("infection", "urgent"),
    ]
    for ordering in (findings, list(reversed(findings))):
        got = [(f.category, f.severity) for f in most_severe_per_category(ordering)]
        assert got == expected


def test_it_breaks_ties_within_a_category_by_rule_id() -> None:
    a = make_finding("infection", "urgent", "infection.a")
    b = make_finding("infection", "urgent", "infection.b")
    assert most_severe_per_category([b, a]) == [a]
    assert most_severe_per_category([]) == []


def test_it_returns_findings_in_a_deterministic_order(rules: RuleSet) -> None:
    busy = checkin(
        3,
        temperature_c=38.5,
        chest_pain=True,
        wound_redness=True,
        chills=True,
        calf_pain_or_swelling=True,
    )
    findings = evaluate(rules, checkin=busy, context=context(3), now=at(3, 10))
    keys = [(-severity_rank(f.severity), f.category, f.rule_id) for f in findings]
    assert keys == sorted(keys)
    assert findings[0].severity == "emergency"


def test_it_is_frozen() -> None:
    finding = make_finding("infection", "urgent")
    with pytest.raises(AttributeError):
        finding.severity = "routine"  # type: ignore[misc]
    assert replace(finding, severity="routine").severity == "routine"


def test_it_never_imports_django() -> None:
    code = (
        "import sys, recovery.triage as t; t.load_ruleset(); "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=False)
    assert result.returncode == 0


def test_it_uses_now_not_the_clock(rules: RuleSet) -> None:
    vignette = next(v for v in VIGNETTES if v.name == "trend_persistent_fever")
    later = vignette.evaluated_at + timedelta(days=30)
    shifted = replace(vignette, now=later, context=context(51))
    # A month later the two fevers are no longer "persistent" (the silence is another matter).
    assert run(rules, vignette)
    assert [f for f in run(rules, shifted) if f.category == "infection"] == []


@pytest.mark.parametrize(
    "vignette", [v for v in VIGNETTES if v.mode == "checkin"], ids=lambda v: v.name
)
def test_it_names_the_configured_emergency_number_in_every_finding(vignette: Vignette) -> None:
    ruleset = load_ruleset(emergency_number="112")
    for finding in run(ruleset, vignette):
        assert "911" not in finding.advice and "{" not in finding.advice
        if finding.severity == "emergency":
            assert "emergency services (112)" in finding.advice.lower()
