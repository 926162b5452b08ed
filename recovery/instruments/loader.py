"""Load and validate the instrument data files (cached), and licensed wording (never cached).

Loaders take an optional `directory` so a deployment or a test can point at another set of
reviewed files; the default is this package's directory.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .schema import (
    BaselineTimepoint,
    FollowUpTimepoint,
    Instrument,
    InstrumentError,
    Schedule,
    Thresholds,
    UnknownInstrumentError,
    Wording,
)

DATA_DIR = Path(__file__).resolve().parent
SCHEDULE_FILE = "schedule.yaml"
THRESHOLDS_FILE = "thresholds.yaml"
_NOT_INSTRUMENTS = {SCHEDULE_FILE, THRESHOLDS_FILE}

_Model = TypeVar("_Model", bound=BaseModel)


def load_instruments(directory: Path | None = None) -> dict[str, Instrument]:
    """Every instrument definition (`<code>.yaml`) keyed by code; raises InstrumentError."""
    # A copy, so a caller adding or removing entries cannot change what everyone else sees.
    return dict(_instruments(directory or DATA_DIR))


def load_schedule(directory: Path | None = None) -> Schedule:
    """The timepoint schedule, checked against the instruments; raises InstrumentError."""
    return _schedule(directory or DATA_DIR)


def load_thresholds(directory: Path | None = None) -> Thresholds:
    """MCID/SCB thresholds, checked against the instruments; raises InstrumentError."""
    return _thresholds(directory or DATA_DIR)


def clear_caches() -> None:
    """Forget loaded files (tests, or a reload after a reviewed data change)."""
    from .schedule import _default_windows

    for cached in (_instruments, _schedule, _thresholds, _default_windows):
        cached.cache_clear()


def load_wording(instrument_code: str, path: Path | None) -> Wording | None:
    """Licensed questionnaire text from `path`, or None when no path is set or the file is absent.

    The file is deliberately outside version control (ODI wording is licensed by Mapi,
    R144/R145); its format is documented at the top of odi.yaml. A file that exists but does not
    match the instrument raises InstrumentError, because a half-right questionnaire is worse
    than none. Not cached: the file may be installed or replaced at run time.
    """
    if path is None or not path.is_file():
        return None
    instrument = get_instrument(instrument_code)
    wording = _parse(Wording, _read_yaml(path), path.name)
    problems = _wording_problems(instrument, wording)
    if problems:
        raise InstrumentError([f"{path.name}: {problem}" for problem in problems])
    return wording


def get_instrument(
    instrument_code: str, instruments: Mapping[str, Instrument] | None = None
) -> Instrument:
    """One instrument from `instruments` (default: the shipped ones); UnknownInstrumentError."""
    try:
        return (load_instruments() if instruments is None else instruments)[instrument_code]
    except KeyError:
        raise UnknownInstrumentError(f"unknown instrument {instrument_code!r}") from None


@functools.cache
def _instruments(directory: Path) -> Mapping[str, Instrument]:
    # Collect problems across all files so one review round fixes them all.
    problems: list[str] = []
    instruments: dict[str, Instrument] = {}
    files = sorted(p for p in directory.glob("*.yaml") if p.name not in _NOT_INSTRUMENTS)
    if not files:
        raise InstrumentError([f"{directory}: no instrument files"])
    for path in files:
        try:
            instrument = _parse(Instrument, _read_yaml(path), path.name)
        except InstrumentError as exc:
            problems.extend(exc.problems)
            continue
        if instrument.code != path.stem:
            problems.append(f"{path.name}: code {instrument.code!r} must match the file name")
        instruments[instrument.code] = instrument
    if problems:
        raise InstrumentError(problems)
    return instruments


@functools.cache
def _schedule(directory: Path) -> Schedule:
    schedule = _parse(Schedule, _read_yaml(directory / SCHEDULE_FILE), SCHEDULE_FILE)
    known = _instruments(directory)
    timepoints: tuple[BaselineTimepoint | FollowUpTimepoint, ...] = (
        schedule.baseline,
        *schedule.follow_ups,
    )
    problems = [
        f"{SCHEDULE_FILE}: {tp.code}: unknown instrument {code!r}"
        for tp in timepoints
        for code in tp.instruments
        if code not in known
    ]
    if problems:
        raise InstrumentError(problems)
    return schedule


@functools.cache
def _thresholds(directory: Path) -> Thresholds:
    thresholds = _parse(Thresholds, _read_yaml(directory / THRESHOLDS_FILE), THRESHOLDS_FILE)
    known = _instruments(directory)
    problems: list[str] = []
    for measure in thresholds.measures:
        where = f"{THRESHOLDS_FILE}: {measure.code}"
        instrument = known.get(measure.instrument)
        if instrument is None:
            problems.append(f"{where}: unknown instrument {measure.instrument!r}")
        elif measure.score_key not in instrument.score_keys:
            problems.append(f"{where}: {measure.instrument} has no score {measure.score_key!r}")
        if measure.scale_min >= measure.scale_max:
            problems.append(f"{where}: scale_min must be below scale_max")
    if problems:
        raise InstrumentError(problems)
    return thresholds


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InstrumentError([f"{path.name}: cannot read ({exc.strerror})"]) from exc
    except yaml.YAMLError as exc:
        raise InstrumentError([f"{path.name}: not valid YAML ({exc})"]) from exc


def _parse(model: type[_Model], data: Any, where: str) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InstrumentError(
            [
                f"{where}: {'.'.join(str(part) for part in err['loc']) or '<root>'}: {err['msg']}"
                for err in exc.errors()
            ]
        ) from exc


def _wording_problems(instrument: Instrument, wording: Wording) -> list[str]:
    problems: list[str] = []
    if wording.instrument != instrument.code:
        problems.append(f"instrument {wording.instrument!r} is not {instrument.code!r}")
    if wording.version != instrument.version:
        problems.append(f"version {wording.version!r} is not {instrument.version!r}")
    expected, given = set(instrument.item_keys), set(wording.items)
    problems += [f"items: missing {key!r}" for key in sorted(expected - given)]
    problems += [f"items: unexpected {key!r}" for key in sorted(given - expected)]
    for item in instrument.items:
        text = wording.items.get(item.key)
        if text is None:
            continue
        codes = set(text.options)
        allowed = set(range(item.min, item.max + 1))
        required = allowed if instrument.wording_options == "all" else {item.min, item.max}
        if codes - allowed:
            problems.append(f"items.{item.key}: option codes outside {item.min}-{item.max}")
        if required - codes:
            missing = ", ".join(str(code) for code in sorted(required - codes))
            problems.append(f"items.{item.key}: missing options {missing}")
    return problems
