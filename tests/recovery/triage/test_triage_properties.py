"""Properties of the packaged rule set over the whole check-in space (hypothesis, engine only).

A vignette pins one story; these hold for every combination of answers, operation, day and
previous report: a red-flag answer can only raise the tier, a missing temperature is never read
as a normal one, and the engine is a function of its input.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recovery.triage import (
    FACTS,
    Finding,
    RuleSet,
    TriageContext,
    evaluate,
    load_ruleset,
    severity_rank,
)
from recovery.triage.facts import BONE_QUALITIES, SMOKING_STATUSES, TECHNIQUES, FactSpec

from .triage_vignettes import at

# Moderate counts keep the file well under a minute; each example runs all the rules. For a
# deeper search set TRIAGE_PROPERTY_EXAMPLES=5000 (passed with 5,000 when the rules changed).
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("TRIAGE_PROPERTY_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

RULES: RuleSet = load_ruleset()
FEVER = float(RULES.param("fever_threshold_c"))

# Yes/no answers: mostly unanswered or "no", so a drawn check-in holds a few symptoms, not
# twenty (with twenty everything is an emergency and nothing is tested).
_ANSWERS = st.sampled_from([None] * 6 + [False] * 13 + [True])


def _value(spec: FactSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "bool":
        return _ANSWERS
    if spec.kind == "choice":
        return st.sampled_from([None, *spec.choices])
    assert spec.minimum is not None and spec.maximum is not None
    if spec.kind == "int":
        return st.one_of(st.none(), st.integers(int(spec.minimum), int(spec.maximum)))
    return st.one_of(
        st.none(),
        st.floats(36.0, 39.5, allow_nan=False),  # where the threshold decides
        st.floats(spec.minimum, spec.maximum, allow_nan=False),
    )


ANSWERS = st.fixed_dictionaries({name: _value(spec) for name, spec in FACTS.items()})


@st.composite
def contexts(draw: st.DrawFn) -> TriageContext:
    technique = draw(st.sampled_from(TECHNIQUES))
    if technique in ("mis_tlif", "llif", "olif"):
        approach = "mis"
    elif technique == "tlif":
        approach = "open"
    else:
        approach = draw(st.sampled_from(["open", "mis"]))
    return TriageContext(
        postop_day=draw(st.one_of(st.integers(0, 30), st.integers(0, 800))),
        approach=approach,
        technique=technique,
        smoking_status=draw(st.sampled_from(SMOKING_STATUSES)),
        diabetes=draw(st.booleans()),
        bone_quality=draw(st.sampled_from(BONE_QUALITIES)),
        steroid_use=draw(st.booleans()),
        brace_prescribed=draw(st.booleans()),
        follow_up_days=draw(st.one_of(st.none(), st.integers(30, 365))),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], TriageContext, tuple[dict[str, Any], ...]]:
    """A check-in, its context and up to two earlier reports (newest first)."""
    context = draw(contexts())
    day = context.postop_day
    answers = draw(ANSWERS)
    checkin = {"recorded_at": at(day, 12), "postop_day": day, **answers}
    earlier = draw(st.lists(ANSWERS, max_size=2))
    history = tuple(
        {"recorded_at": at(day, 12) - timedelta(hours=20 * (i + 1)), "postop_day": day, **facts}
        for i, facts in enumerate(earlier)
    )
    return checkin, context, history


def highest(findings: list[Finding]) -> int:
    return max((severity_rank(f.severity) for f in findings), default=-1)


def run(checkin: dict[str, Any], context: TriageContext, history: tuple) -> list[Finding]:
    now = checkin["recorded_at"] + timedelta(minutes=1)
    return evaluate(RULES, checkin=checkin, context=context, history=history, now=now)


# A red-flag answer, as each question can give one.
_BOOLEAN_SYMPTOMS = sorted(
    name for name, spec in FACTS.items() if spec.kind == "bool" and name != "nicotine_use"
)
_RED_FLAGS: dict[str, Any] = {
    **{name: True for name in _BOOLEAN_SYMPTOMS if name != "pain_controlled_by_medication"},
    "pain_controlled_by_medication": False,
    "wound_drainage": "pus",
}


@st.composite
def red_flag_answers(draw: st.DrawFn) -> tuple[str, Any]:
    """One red-flag answer: a yes, an uncontrolled pain, pus, a fever or a worse score."""
    kind = draw(st.sampled_from(["answer", "fever", "score"]))
    if kind == "answer":
        name = draw(st.sampled_from(sorted(_RED_FLAGS)))
        return name, _RED_FLAGS[name]
    if kind == "fever":
        return "temperature_c", draw(st.floats(FEVER, 42.0, allow_nan=False))
    name = draw(
        st.sampled_from(["back_pain", "leg_pain", "thigh_groin_pain", "no_bowel_movement_days"])
    )
    return name, draw(st.integers(7, 10))


def _worse(current: Any, name: str, value: Any) -> bool:
    """Whether `value` is a red-flag change of the answer `current` (not a softening)."""
    if name == "temperature_c":
        return current is None or current < value
    if FACTS[name].numeric:
        return current is None or current < value
    return current != value


@PROPERTY_SETTINGS
@given(cases(), red_flag_answers())
def test_it_never_lowers_the_highest_severity_when_a_red_flag_answer_is_added(
    case: tuple, red_flag: tuple[str, Any]
) -> None:
    checkin, context, history = case
    name, value = red_flag
    if not _worse(checkin.get(name), name, value):
        return
    before = highest(run(checkin, context, history))
    after = run({**checkin, name: value}, context, history)
    assert highest(after) >= before, (name, value, [f.rule_id for f in after])


# Signs that, with or without a thermometer, point to infection or meningitis.
_INFECTION_OR_MENINGITIS_SIGNS: tuple[tuple[str, Any], ...] = (
    ("chills", True),
    ("wound_redness", True),
    ("wound_warmth", True),
    ("wound_opening", True),
    ("wound_drainage", "cloudy"),
    ("wound_drainage", "pus"),
    ("stiff_neck", True),
    ("confusion", True),
)


@PROPERTY_SETTINGS
@given(
    cases(),
    st.sampled_from(_INFECTION_OR_MENINGITIS_SIGNS),
    st.floats(30.0, 45.0, allow_nan=False),
)
def test_it_never_lowers_the_highest_severity_when_the_temperature_is_left_out(
    case: tuple, sign: tuple[str, Any], temperature: float
) -> None:
    checkin, context, history = case
    with_sign = {**checkin, sign[0]: sign[1], "temperature_c": temperature}
    measured = highest(run(with_sign, context, history))
    unknown = run({**with_sign, "temperature_c": None}, context, history)
    assert highest(unknown) >= measured, (sign, temperature, [f.rule_id for f in unknown])


@PROPERTY_SETTINGS
@given(cases())
def test_it_gives_the_same_answer_when_the_same_input_is_evaluated_again(case: tuple) -> None:
    checkin, context, history = case
    assert run(checkin, context, history) == run(dict(checkin), context, tuple(history))


@pytest.mark.parametrize("name", sorted(_RED_FLAGS))
def test_it_covers_every_red_flag_answer(name: str) -> None:
    # The drawn red flags are the vocabulary's own: a fact added to FACTS joins the property.
    assert name in FACTS
