"""The closed vocabulary of check-in facts and patient context the rules may look at.

A check-in arrives as a plain mapping. `checkin_normalise` keeps only the facts listed here (so
free text such as `notes` can never reach a rule), checks their types and ranges, and fails loudly
on a malformed value rather than silently treating it as "not reported".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

FactKind = Literal["bool", "int", "number", "choice"]


@dataclass(frozen=True)
class FactSpec:
    kind: FactKind
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "number")


_BOOL = FactSpec("bool")
_PAIN = FactSpec("int", 0, 10)

DRAINAGE_CHOICES = ("none", "clear", "bloody", "cloudy", "pus")

FACTS: Mapping[str, FactSpec] = {
    "back_pain": _PAIN,
    "leg_pain": _PAIN,
    "pain_controlled_by_medication": _BOOL,
    "opioid_doses_24h": FactSpec("int", 0, 100),
    # A plausible body-temperature range in Celsius; 100.4 arriving here is Fahrenheit by mistake.
    "temperature_c": FactSpec("number", 30.0, 45.0),
    "chills": _BOOL,
    "wound_redness": _BOOL,
    "wound_swelling": _BOOL,
    "wound_warmth": _BOOL,
    "wound_opening": _BOOL,
    "wound_drainage": FactSpec("choice", choices=DRAINAGE_CHOICES),
    "wound_drainage_days": FactSpec("int", 0, 3650),
    "new_leg_numbness": _BOOL,
    "new_leg_weakness": _BOOL,
    "foot_drop": _BOOL,
    "thigh_numbness": _BOOL,
    "hip_flexion_weakness": _BOOL,
    "saddle_numbness": _BOOL,
    "new_bladder_problem": _BOOL,
    "new_bowel_incontinence": _BOOL,
    "sudden_pain_increase": _BOOL,
    "pop_or_click": _BOOL,
    "new_deformity": _BOOL,
    "calf_pain_or_swelling": _BOOL,
    "chest_pain": _BOOL,
    "shortness_of_breath": _BOOL,
    "headache_worse_upright": _BOOL,
    "clear_fluid_from_wound": _BOOL,
    "stiff_neck": _BOOL,
    "confusion": _BOOL,
    "unable_to_urinate": _BOOL,
    "nausea_vomiting": _BOOL,
    "abdominal_swelling": _BOOL,
    "not_passing_gas": _BOOL,
    "no_bowel_movement_days": FactSpec("int", 0, 365),
    "fall": _BOOL,
    "nicotine_use": _BOOL,
    "walking_minutes": FactSpec("int", 0, 1440),
    "abdominal_pain": _BOOL,
    "coughing_blood": _BOOL,
    "racing_heartbeat": _BOOL,
    "drowsiness": _BOOL,
    "leg_symptom_side": FactSpec("choice", choices=("left", "right", "both")),
    "thigh_groin_pain": _PAIN,
}

# Keys a check-in carries that are not decision facts. `notes` is free text and is dropped on
# normalisation: a rule must never depend on what a patient happened to type.
METADATA_KEYS = ("recorded_at", "postop_day")
IGNORED_KEYS = ("notes",)

APPROACHES = ("open", "mis")
TECHNIQUES = ("plf", "plif", "tlif", "mis_tlif", "llif", "alif", "olif")
SMOKING_STATUSES = ("never", "former", "current")
BONE_QUALITIES = ("normal", "osteopenia", "osteoporosis", "unknown")
RISK_FACTORS = ("current_smoker", "diabetes", "osteoporosis", "steroid_use")

# Context fields a rule can see, recorded in a finding's facts under "context.<name>".
CONTEXT_FIELDS = (
    "postop_day",
    "approach",
    "technique",
    "smoking_status",
    "diabetes",
    "bone_quality",
    "steroid_use",
    "brace_prescribed",
)


class CheckinError(ValueError):
    """A check-in or context value has the wrong type or is out of range."""


@dataclass(frozen=True)
class TriageContext:
    """What the engine knows about the patient and the operation, at the time of evaluation."""

    postop_day: int
    approach: str
    technique: str
    smoking_status: str = "never"
    diabetes: bool = False
    bone_quality: str = "unknown"
    steroid_use: bool = False
    brace_prescribed: bool = False

    def __post_init__(self) -> None:
        problems = []
        if isinstance(self.postop_day, bool) or not isinstance(self.postop_day, int):
            problems.append(f"postop_day must be an int, got {self.postop_day!r}")
        elif self.postop_day < 0:
            problems.append(f"postop_day must be >= 0, got {self.postop_day}")
        for name, allowed in (
            ("approach", APPROACHES),
            ("technique", TECHNIQUES),
            ("smoking_status", SMOKING_STATUSES),
            ("bone_quality", BONE_QUALITIES),
        ):
            if getattr(self, name) not in allowed:
                problems.append(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        for name in ("diabetes", "steroid_use", "brace_prescribed"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name} must be a bool, got {getattr(self, name)!r}")
        if problems:
            raise CheckinError("invalid triage context: " + "; ".join(problems))

    def has_risk_factor(self, name: str) -> bool:
        if name == "current_smoker":
            return self.smoking_status == "current"
        if name == "osteoporosis":
            return self.bone_quality == "osteoporosis"
        if name in ("diabetes", "steroid_use"):
            return bool(getattr(self, name))
        raise KeyError(name)


def _fact_problem(name: str, value: Any, spec: FactSpec) -> str | None:
    if value is None:
        return None
    if spec.kind == "bool":
        return None if isinstance(value, bool) else f"{name} must be a bool, got {value!r}"
    if spec.kind == "choice":
        return None if value in spec.choices else f"{name} must be one of {spec.choices}"
    wanted = int if spec.kind == "int" else (int, float)
    if isinstance(value, bool) or not isinstance(value, wanted):
        return f"{name} must be {'an int' if spec.kind == 'int' else 'a number'}, got {value!r}"
    if (spec.minimum is not None and value < spec.minimum) or (
        spec.maximum is not None and value > spec.maximum
    ):
        return f"{name} must be between {spec.minimum:g} and {spec.maximum:g}, got {value!r}"
    return None


class NormalisedCheckin(dict[str, Any]):
    """A check-in as `checkin_normalise` returned it: the engine does not validate it again.

    Treat it as read-only; a caller that changes a value must normalise the result anew.
    """


def _quick_check(spec: FactSpec) -> Callable[[Any], bool]:
    """A cheap test that accepts the common valid values; anything else gets `_fact_problem`.

    It may only say yes where `_fact_problem` would, so the slow path decides every doubt.
    """
    if spec.kind == "bool":
        return lambda value: value is True or value is False
    if spec.kind == "choice":
        return lambda value: value in spec.choices
    low, high = spec.minimum, spec.maximum
    types = (int,) if spec.kind == "int" else (int, float)
    if low is None or high is None:
        return lambda value: False
    return lambda value: type(value) in types and low <= value <= high


_QUICK_CHECKS = tuple((name, spec, _quick_check(spec)) for name, spec in FACTS.items())


def checkin_normalise(checkin: Mapping[str, Any], *, label: str = "check-in") -> dict[str, Any]:
    """Return the decision facts and metadata of one check-in; raise CheckinError if malformed.

    Unknown keys are ignored (callers may pass extra metadata such as ids); `notes` is dropped.
    The result is a `NormalisedCheckin`, which the engine accepts without checking it again.
    """
    problems = []
    recorded_at = checkin.get("recorded_at")
    if not isinstance(recorded_at, datetime):
        problems.append(f"recorded_at must be a datetime, got {recorded_at!r}")
    postop_day = checkin.get("postop_day")
    if postop_day is not None and (isinstance(postop_day, bool) or not isinstance(postop_day, int)):
        problems.append(f"postop_day must be an int, got {postop_day!r}")
    normalised = NormalisedCheckin(recorded_at=recorded_at, postop_day=postop_day)
    for name, spec, quick in _QUICK_CHECKS:
        value = checkin.get(name)
        if value is not None and not quick(value) and (problem := _fact_problem(name, value, spec)):
            problems.append(problem)
        normalised[name] = value
    if problems:
        raise CheckinError(f"invalid {label}: " + "; ".join(problems))
    return normalised
