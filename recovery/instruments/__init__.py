"""Patient-reported outcome instruments: versioned data plus pure scoring and scheduling.

Framework-free on purpose (no Django, no clock): services pass dates and answers in, store the
results together with `instrument_version`/`definition_version`, and stay easy to test.
Licensed questionnaire wording is never shipped; see `load_wording` and odi.yaml.
"""

from .loader import (
    clear_caches,
    get_instrument,
    load_instruments,
    load_schedule,
    load_thresholds,
    load_wording,
)
from .mcid import ChangeResult, PainReduction, classify_change, measures_for, pain_reduction_share
from .schedule import Due, TimepointWindow, due_timepoints, timepoint_for, timepoint_windows
from .schema import AnswerError, Instrument, InstrumentError, UnknownInstrumentError, Wording
from .scoring import ScoreResult, resolve_multiple_ticks, score, validate_answers

__all__ = [
    "AnswerError",
    "ChangeResult",
    "Due",
    "Instrument",
    "InstrumentError",
    "PainReduction",
    "ScoreResult",
    "TimepointWindow",
    "UnknownInstrumentError",
    "Wording",
    "classify_change",
    "clear_caches",
    "due_timepoints",
    "get_instrument",
    "load_instruments",
    "load_schedule",
    "load_thresholds",
    "load_wording",
    "measures_for",
    "pain_reduction_share",
    "resolve_multiple_ticks",
    "score",
    "timepoint_for",
    "timepoint_windows",
    "validate_answers",
]
