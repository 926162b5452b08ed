"""Typed shapes of the instrument data files, and the errors this package raises.

Every YAML file in this package is parsed through one of these pydantic models on load, so a
malformed edit fails at startup with a list of problems instead of at the first patient.
"""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SourceId = Annotated[str, Field(pattern=r"^R\d+$")]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$")]


class InstrumentError(Exception):
    """A data file is missing or invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid instrument data:\n- " + "\n- ".join(problems))


class UnknownInstrumentError(LookupError):
    """No instrument (or measure) with that code is defined."""


class AnswerError(ValueError):
    """Answers failed validation; `errors` has the shape returned by `validate_answers`."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(f"invalid answers: {errors}")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- instruments -------------------------------------------------------------------------------


class Licence(_Frozen):
    status: Literal["free", "licence_required", "verify"]
    holder: str | None = None
    wording_shipped: bool
    note: str
    sources: tuple[SourceId, ...] = ()


class Item(_Frozen):
    key: Code
    title: str
    min: int
    max: int
    value_type: Literal["integer", "number"] = "integer"
    skippable: bool = False
    note: str | None = None
    sources: tuple[SourceId, ...] = ()

    @model_validator(mode="after")
    def _range(self) -> Item:
        if self.min >= self.max:
            raise ValueError(f"item {self.key}: min must be below max")
        return self


class Band(_Frozen):
    code: Code
    upper: Decimal  # inclusive upper bound of the band, on the rounded score


class Scoring(_Frozen):
    # percent_of_maximum: sum / (item max x answered items) x 100 (ODI).
    # item_values: each item is its own score (NRS back/leg, an externally computed T-score).
    method: Literal["percent_of_maximum", "item_values"]
    primary: Code
    max_missing_items: int = Field(default=1, ge=0)
    decimals: int = Field(default=1, ge=0, le=4)
    rounding: Literal["ROUND_HALF_UP"] = "ROUND_HALF_UP"
    bands: tuple[Band, ...] = ()
    bands_sources: tuple[SourceId, ...] = ()
    note: str | None = None
    sources: tuple[SourceId, ...] = ()


class Instrument(_Frozen):
    code: Code
    name: str
    version: str
    definition_version: int = Field(ge=1)
    enabled: bool
    answer_format: Literal["ordered_list", "keyed"]
    wording_options: Literal["all", "anchors"]
    licence: Licence
    items: tuple[Item, ...] = Field(min_length=1)
    scoring: Scoring
    sources: tuple[SourceId, ...] = ()

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @property
    def score_keys(self) -> tuple[str, ...]:
        if self.scoring.method == "percent_of_maximum":
            return ("total",)
        return self.item_keys

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        keys = self.item_keys
        if len(set(keys)) != len(keys):
            raise ValueError("item keys must be unique")
        scoring = self.scoring
        if scoring.max_missing_items >= len(self.items):
            raise ValueError("max_missing_items must leave at least one item to score")
        if scoring.method == "percent_of_maximum":
            # The published formula assumes every item runs 0..same max (ODI 0-5, R144).
            if any(i.value_type != "integer" or i.min != 0 for i in self.items):
                raise ValueError("percent_of_maximum needs integer items starting at 0")
            if len({i.max for i in self.items}) != 1:
                raise ValueError("percent_of_maximum needs the same max on every item")
            if scoring.primary != "total":
                raise ValueError("percent_of_maximum has one score, 'total'")
        else:
            by_key = {i.key: i for i in self.items}
            if scoring.primary not in by_key:
                raise ValueError(f"primary score {scoring.primary!r} is not an item key")
            if by_key[scoring.primary].skippable:
                raise ValueError("the primary item cannot be skippable")
        uppers = [b.upper for b in scoring.bands]
        if uppers != sorted(set(uppers)):
            raise ValueError("band upper bounds must be strictly ascending")
        return self


class ItemWording(_Frozen):
    prompt: str
    options: dict[int, str]


class Wording(_Frozen):
    """Licensed questionnaire text, loaded from a file that is never committed."""

    instrument: Code
    version: str
    title: str | None = None
    instructions: str | None = None
    licence_reference: str | None = None
    items: dict[str, ItemWording]


# --- schedule ----------------------------------------------------------------------------------


class BaselineTimepoint(_Frozen):
    code: Code = "baseline"
    grace_days_after_surgery: int = Field(default=0, ge=0)
    instruments: tuple[Code, ...]
    note: str | None = None
    sources: tuple[SourceId, ...] = ()


class FollowUpTimepoint(_Frozen):
    code: Code
    target_day: int = Field(gt=0)
    window_days: int | None = Field(default=None, ge=0)
    instruments: tuple[Code, ...]
    sources: tuple[SourceId, ...] = ()


class Schedule(_Frozen):
    version: int = Field(ge=1)
    default_window_days: int = Field(default=14, ge=0)
    window_note: str | None = None
    baseline: BaselineTimepoint
    follow_ups: tuple[FollowUpTimepoint, ...]

    def window_days(self, timepoint: FollowUpTimepoint) -> int:
        if timepoint.window_days is None:
            return self.default_window_days
        return timepoint.window_days

    @property
    def timepoint_codes(self) -> tuple[str, ...]:
        return (self.baseline.code, *(tp.code for tp in self.follow_ups))

    @model_validator(mode="after")
    def _non_overlapping(self) -> Schedule:
        codes = self.timepoint_codes
        if len(set(codes)) != len(codes):
            raise ValueError("timepoint codes must be unique")
        # timepoint_for() returns one timepoint per day, so windows may touch but never overlap.
        previous_close, previous_code = self.baseline.grace_days_after_surgery, self.baseline.code
        for tp in self.follow_ups:
            opens = tp.target_day - self.window_days(tp)
            if opens <= previous_close:
                raise ValueError(f"window of {tp.code} overlaps {previous_code}")
            previous_close, previous_code = tp.target_day + self.window_days(tp), tp.code
        return self


# --- MCID / SCB thresholds ---------------------------------------------------------------------


class Criterion(_Frozen):
    # improvement_points / improvement_percent: change in the better direction (percent of
    # baseline); final_score: the follow-up value itself, e.g. ODI SCB "final < 31.3" (R149).
    kind: Literal["improvement_points", "improvement_percent", "final_score"]
    op: Literal["ge", "gt", "le", "lt"] = "ge"
    value: Decimal
    sources: tuple[SourceId, ...] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _op_fits_kind(self) -> Criterion:
        if self.kind != "final_score" and self.op not in ("ge", "gt"):
            raise ValueError("improvement criteria must use ge or gt")
        return self


class ThresholdSet(_Frozen):
    any_of: tuple[Criterion, ...] = Field(min_length=1)
    note: str | None = None


class Alternative(_Frozen):
    """A published value that is recorded but not used by default."""

    description: str
    sources: tuple[SourceId, ...] = Field(min_length=1)
    verify: bool = False


class Measure(_Frozen):
    code: Code
    instrument: Code
    score_key: Code
    label: str  # patient-facing, e.g. "daily-life score"
    direction: Literal["lower_is_better", "higher_is_better"]
    scale_min: Decimal
    scale_max: Decimal
    mcid: ThresholdSet
    scb: ThresholdSet | None = None
    scb_requires_mcid: bool = True
    alternatives: tuple[Alternative, ...] = ()
    note: str | None = None


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class Summaries(_Frozen):
    worse: str
    unchanged: str
    improved_below_mcid: str
    improved: str
    mcid: str
    scb: str

    @model_validator(mode="after")
    def _only_label(self) -> Summaries:
        for name in ("worse", "unchanged", "improved_below_mcid", "improved", "mcid", "scb"):
            if _placeholders(getattr(self, name)) - {"label"}:
                raise ValueError(f"summary {name!r} may only use the {{label}} placeholder")
        return self


class PainReductionConfig(_Frozen):
    cutoffs_percent: tuple[int, ...] = Field(min_length=1)
    note: str


class Thresholds(_Frozen):
    version: int = Field(ge=1)
    summaries: Summaries
    pain_reduction: PainReductionConfig
    measures: tuple[Measure, ...]

    @property
    def by_code(self) -> dict[str, Measure]:
        return {m.code: m for m in self.measures}

    @model_validator(mode="after")
    def _unique(self) -> Thresholds:
        codes = [m.code for m in self.measures]
        if len(set(codes)) != len(codes):
            raise ValueError("measure codes must be unique")
        return self
