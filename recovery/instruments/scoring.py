"""Validate and score questionnaire answers. Pure functions over plain data, no framework.

Answer shapes come from each instrument's `answer_format`:
- ordered_list (ODI): a list with one value per item in the published order; None = skipped.
- keyed (NRS, PROMIS PF): a dict keyed by item key; every non-skippable key required, no extras.
Values must be ints (or int/float for `number` items) inside the item range; bools are
rejected even though Python treats them as ints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from .loader import get_instrument
from .schema import AnswerError, Instrument, Item


@dataclass(frozen=True)
class ScoreResult:
    """Outcome of scoring one completed questionnaire.

    `scores` holds every score the instrument produces (odi: {"total": %}; nrs_pain:
    {"back": b, "leg": l}); `score` is the instrument's primary one (odi total, nrs back pain)
    or None when the result is invalid. `reason` is a machine code when invalid.
    """

    instrument: str
    instrument_version: str
    definition_version: int
    valid: bool
    score: float | None
    scores: dict[str, float] = field(default_factory=dict)
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


TOO_MANY_MISSING = "too_many_missing_items"


def validate_answers(
    instrument_code: str,
    answers: object,
    *,
    instruments: Mapping[str, Instrument] | None = None,
) -> dict[str, list[str]]:
    """Per-item error messages keyed by path ("answers", "answers[3]", "answers.back").

    Empty when the answers are valid. Raises UnknownInstrumentError for an unknown code.
    Paths use 0-based list indexes; messages name the item by its title.
    """
    instrument = get_instrument(instrument_code, instruments)
    if instrument.answer_format == "ordered_list":
        return _validate_list(instrument, answers)
    return _validate_keyed(instrument, answers)


def score(
    instrument_code: str,
    answers: object,
    *,
    instruments: Mapping[str, Instrument] | None = None,
) -> ScoreResult:
    """Score answers; raises AnswerError (with `.errors`) when they fail `validate_answers`.

    Too many skipped items is not an error but an invalid result (score None, reason
    "too_many_missing_items"), so the raw answers can still be stored with the reason.
    """
    instrument = get_instrument(instrument_code, instruments)
    errors = validate_answers(instrument_code, answers, instruments=instruments)
    if errors:
        raise AnswerError(errors)
    values = _values_by_key(instrument, answers)
    if instrument.scoring.method == "percent_of_maximum":
        return _score_percent_of_maximum(instrument, values)
    return _score_item_values(instrument, values)


def resolve_multiple_ticks(ticks: Iterable[int]) -> int | None:
    """The code to record when a paper form has several boxes ticked in one ODI section.

    The developers' rule is to score the higher one [R143]; no ticks means skipped (None).
    """
    return max(ticks, default=None)


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """Round like a person would (35.55 -> 35.6), not like Python's banker's rounding."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# --- validation --------------------------------------------------------------------------------


def _validate_list(instrument: Instrument, answers: object) -> dict[str, list[str]]:
    items = instrument.items
    if not isinstance(answers, list):
        return {"answers": [f"Expected a list of {len(items)} answers in the published order."]}
    errors: dict[str, list[str]] = {}
    if len(answers) != len(items):
        errors["answers"] = [
            f"Expected exactly {len(items)} answers in the published order, got {len(answers)}."
        ]
    for index, (item, value) in enumerate(zip(items, answers, strict=False)):
        if message := _value_error(item, value):
            errors[f"answers[{index}]"] = [message]
    return errors


def _validate_keyed(instrument: Instrument, answers: object) -> dict[str, list[str]]:
    keys = ", ".join(instrument.item_keys)
    if not isinstance(answers, dict):
        return {"answers": [f"Expected an object with the keys {keys}."]}
    errors: dict[str, list[str]] = {}
    for item in instrument.items:
        if item.key not in answers:
            if not item.skippable:
                errors[f"answers.{item.key}"] = [f"{item.title}: this answer is required."]
        elif message := _value_error(item, answers[item.key]):
            errors[f"answers.{item.key}"] = [message]
    for key in answers:
        if key not in instrument.item_keys:
            errors[f"answers.{key}"] = [f"Unexpected key; allowed keys are {keys}."]
    return errors


def _value_error(item: Item, value: object) -> str | None:
    expected = "a whole number" if item.value_type == "integer" else "a number"
    expected += f" from {item.min} to {item.max}"
    if item.skippable:
        expected += ", or null if skipped"
    if value is None:
        return None if item.skippable else f"{item.title}: this answer is required."
    number_types: tuple[type, ...] = (int,) if item.value_type == "integer" else (int, float)
    # bool is a subclass of int; True must not be read as answer code 1.
    if isinstance(value, bool) or not isinstance(value, number_types):
        return f"{item.title}: expected {expected}; got {type(value).__name__}."
    if isinstance(value, float) and not math.isfinite(value):
        return f"{item.title}: expected {expected}; got {value}."
    # The isinstance check above made value an int or a float (mypy cannot follow number_types).
    if not item.min <= cast(float, value) <= item.max:
        return f"{item.title}: expected {expected}; got {value}."
    return None


# --- scoring -----------------------------------------------------------------------------------


def _values_by_key(instrument: Instrument, answers: Any) -> dict[str, int | float | None]:
    if instrument.answer_format == "ordered_list":
        return dict(zip(instrument.item_keys, answers, strict=True))
    return {key: answers.get(key) for key in instrument.item_keys}


def _missing(values: Mapping[str, int | float | None]) -> list[str]:
    return [key for key, value in values.items() if value is None]


def _invalid(instrument: Instrument, reason: str, details: dict[str, Any]) -> ScoreResult:
    return ScoreResult(
        instrument=instrument.code,
        instrument_version=instrument.version,
        definition_version=instrument.definition_version,
        valid=False,
        score=None,
        reason=reason,
        details=details,
    )


def _score_percent_of_maximum(
    instrument: Instrument, values: Mapping[str, int | float | None]
) -> ScoreResult:
    scoring = instrument.scoring
    missing = _missing(values)
    answered = [int(value) for value in values.values() if value is not None]
    details: dict[str, Any] = {
        "answered": len(answered),
        "missing": missing,
        "max_missing": scoring.max_missing_items,
    }
    if len(missing) > scoring.max_missing_items:
        return _invalid(instrument, TOO_MANY_MISSING, details)
    # Each skipped item removes its maximum from the denominator [R144][R146].
    item_max = instrument.items[0].max
    raw_sum, max_possible = sum(answered), item_max * len(answered)
    total = round_half_up(Decimal(raw_sum) * 100 / Decimal(max_possible), scoring.decimals)
    details |= {"raw_sum": raw_sum, "max_possible": max_possible, "band": _band(instrument, total)}
    return ScoreResult(
        instrument=instrument.code,
        instrument_version=instrument.version,
        definition_version=instrument.definition_version,
        valid=True,
        score=float(total),
        scores={"total": float(total)},
        details=details,
    )


def _score_item_values(
    instrument: Instrument, values: Mapping[str, int | float | None]
) -> ScoreResult:
    scoring = instrument.scoring
    missing = _missing(values)
    details: dict[str, Any] = {"answered": len(values) - len(missing), "missing": missing}
    if len(missing) > scoring.max_missing_items:
        return _invalid(instrument, TOO_MANY_MISSING, details)
    scores = {
        key: float(round_half_up(Decimal(str(value)), scoring.decimals))
        for key, value in values.items()
        if value is not None
    }
    return ScoreResult(
        instrument=instrument.code,
        instrument_version=instrument.version,
        definition_version=instrument.definition_version,
        valid=True,
        score=scores[scoring.primary],
        scores=scores,
        details=details,
    )


def _band(instrument: Instrument, total: Decimal) -> str | None:
    for band in instrument.scoring.bands:
        if total <= band.upper:
            return band.code
    return None
