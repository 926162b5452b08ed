"""The answers behind a finding, in plain words: "saddle numbness: yes", "temperature 38.9 °C".

Pure: takes a finding's recorded facts (exactly what its rule looked at) and returns the
answers that fired it. Used by the care API (a flag's findings) and the dashboard (worklist
rows, the patient page, the timeline). An answer that did not fire anything (a "no", a
symptom not reported) says nothing on its own and is left out, as are the context facts
(day after surgery, approach) and the previous check-in a rule compared against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Field names that do not read well when their underscores become spaces.
LABELS: dict[str, str] = {
    "temperature_c": "temperature",
    "wound_drainage": "drainage",
    "wound_drainage_days": "drainage for",
    "opioid_doses_24h": "opioid doses in 24 h",
    "pain_controlled_by_medication": "pain controlled by medication",
    "new_leg_numbness": "new leg numbness",
    "new_leg_weakness": "new leg weakness",
    "thigh_groin_pain": "thigh/groin pain",
    "no_bowel_movement_days": "no bowel movement for",
    "walking_minutes": "walking",
    "nausea_vomiting": "nausea or vomiting",
    "calf_pain_or_swelling": "calf pain or swelling",
    "headache_worse_upright": "headache worse when upright",
    "clear_fluid_from_wound": "clear fluid from the wound",
    "unable_to_urinate": "unable to pass urine",
    "new_bladder_problem": "new bladder problem",
    "new_bowel_incontinence": "new bowel incontinence",
    "pop_or_click": "pop or click",
    "leg_symptom_side": "leg symptoms on",
    "days_since_last_checkin": "no check-in for",
}
PAIN_SCORES = ("back_pain", "leg_pain", "thigh_groin_pain")
# Keys that describe the situation, not an answer (context.*, previous.*, timestamps).
_SKIPPED_PREFIXES = ("context.", "previous.")
_SKIPPED_KEYS = ("postop_day", "recorded_at", "last_checkin_at")
# An answer that is the healthy value of a yes/no question inverted: "no" is the finding.
_NEGATIVE_QUESTIONS = ("pain_controlled_by_medication",)


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def answer_words(name: str, value: Any) -> str | None:
    """One answer in words, or None when it did not fire anything on its own."""
    if name.startswith(_SKIPPED_PREFIXES) or name in _SKIPPED_KEYS or value is None:
        return None
    if isinstance(value, bool):
        if name in _NEGATIVE_QUESTIONS:
            return None if value else f"{label(name)}: no"
        return f"{label(name)}: yes" if value else None
    if name == "temperature_c" and isinstance(value, int | float):
        return f"temperature {float(value):.1f} °C"
    if name in PAIN_SCORES and isinstance(value, int | float):
        return f"{label(name)} {value:g}/10"
    if name in ("wound_drainage_days", "no_bowel_movement_days", "days_since_last_checkin"):
        if isinstance(value, int | float):
            return f"{label(name)} {value:g} days"
        return None
    if name == "walking_minutes" and isinstance(value, int | float):
        return f"walking {value:g} min"
    if name == "wound_drainage":
        return None if value == "none" else f"drainage: {value}"
    if isinstance(value, int | float):
        return f"{label(name)}: {value:g}"
    if isinstance(value, str):
        return f"{label(name)}: {value}"
    return None  # lists and other structured trend facts


def facts_in_words(facts: Mapping[str, Any]) -> list[str]:
    """The answers that fired a finding, in the order its rule recorded them."""
    words = (answer_words(name, value) for name, value in facts.items())
    return [w for w in words if w]


def merged_words(all_facts: Iterable[Mapping[str, Any]]) -> list[str]:
    """Several findings' answers, each once, in order of first appearance."""
    seen: dict[str, None] = {}
    for facts in all_facts:
        for words in facts_in_words(facts):
            seen.setdefault(words, None)
    return list(seen)
