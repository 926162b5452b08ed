"""The risk-profile cut-offs the patient header applies, as reviewed data (risk_profile.yaml).

Validated on load (pydantic, like the instrument files); a malformed file fails loudly on
first use rather than showing a wrong threshold.
"""

from __future__ import annotations

import functools
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


def load_risk_profile(path: Path | None = None) -> RiskProfile:
    """The reviewed cut-offs; raises pydantic.ValidationError for a malformed file."""
    return _load(path or RISK_PROFILE_FILE)


@functools.cache
def _load(path: Path) -> RiskProfile:
    return RiskProfile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
