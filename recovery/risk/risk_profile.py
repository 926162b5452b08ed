"""The risk-profile cut-offs the patient header applies, as reviewed data (risk_profile.yaml).

Validated on load (pydantic, like the instrument files); a malformed file fails loudly on
first use rather than showing a wrong threshold.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

RISK_PROFILE_FILE = Path(__file__).resolve().parent / "risk_profile.yaml"

SourceId = Annotated[str, Field(pattern=r"^R\d+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cutoff(_Strict):
    value: Decimal
    sources: tuple[SourceId, ...] = Field(min_length=1)


class BmiClass(_Strict):
    min: Decimal
    name: str = Field(min_length=1)


class BmiClasses(_Strict):
    sources: tuple[SourceId, ...] = Field(min_length=1)
    classes: tuple[BmiClass, ...] = Field(min_length=1)

    @field_validator("classes")
    @classmethod
    def _highest_first(cls, classes: tuple[BmiClass, ...]) -> tuple[BmiClass, ...]:
        cuts = [c.min for c in classes]
        if cuts != sorted(set(cuts), reverse=True):
            raise ValueError("BMI classes must be listed highest cut-off first, without repeats")
        return classes


class RiskProfile(_Strict):
    version: int = Field(ge=1)
    hba1c_raised_percent: Cutoff
    bmi_classes: BmiClasses
    age_older_years: Cutoff
    multilevel_fused_levels: Cutoff


@dataclass(frozen=True)
class ProfileEntry:
    """One line of the risk profile (the fields of the dashboard's RiskFactor)."""

    label: str
    detail: str
    sources: tuple[str, ...]


def fused_level_count(levels: str) -> int:
    """Segments fused, from the stored levels text such as "L3-L4" or "L3-L4,L4-L5"."""
    return len([segment for segment in levels.split(",") if segment.strip()])


def age_and_levels(*, age: int, levels: str, path: Path | None = None) -> list[ProfileEntry]:
    """Age and fused levels, shown on every risk profile with their sources (issue 14).

    Each is marked when it reaches the reviewed cut-off (over 65 [R47]; multilevel [R127]).
    They weight the team's attention only: REFERENCE.md gives incidence risks for them, not a
    source to change the tier of a reported symptom, so no triage rule reads them.
    """
    profile = load_risk_profile(path)
    older = profile.age_older_years
    age_detail = f"{age}" + (f" (over {older.value})" if age > older.value else "")
    count = fused_level_count(levels)
    multilevel = profile.multilevel_fused_levels
    marked = ", multilevel" if count >= multilevel.value else ""
    level_detail = f"{count}{marked} ({levels.replace(',', ', ')})"
    return [
        ProfileEntry("Age", age_detail, older.sources),
        ProfileEntry("Fused levels", level_detail, multilevel.sources),
    ]


def load_risk_profile(path: Path | None = None) -> RiskProfile:
    """The reviewed cut-offs; raises pydantic.ValidationError for a malformed file."""
    return _load(path or RISK_PROFILE_FILE)


@functools.cache
def _load(path: Path) -> RiskProfile:
    return RiskProfile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
