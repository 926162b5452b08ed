"""Typed shape of a recovery-pathway template file (one YAML file per approach family).

A template is reviewed clinical data: phases by post-operative day (day 0 = surgery day), each
phase holding checklist items, plus milestones with target day windows and the parameters a
clinic may override. Models are frozen so a loaded template can be shared safely.

Cross-field rules that need the whole template (contiguous phases, unique codes, parameter
targets, placeholders in titles) are checked in `loader.py`, so every problem in a file can be
reported at once instead of stopping at the first.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from recovery import clinical_text
from recovery.clinical_text import Translations

# Techniques the surgery record can name; the Django choices must use these exact codes.
TECHNIQUES: tuple[str, ...] = ("plf", "plif", "tlif", "mis_tlif", "llif", "olif", "alif")

# Closed vocabulary for `applies_if`. "smoker" means smoking_status == "current".
AppliesIf = Literal["always", "brace_prescribed", "smoker"]
APPLIES_IF: tuple[str, ...] = ("always", "brace_prescribed", "smoker")

ItemKind = Literal["restriction", "task", "goal"]
MilestoneKind = Literal["event", "visit", "imaging", "goal"]
ReviewStatus = Literal["draft", "clinician_approved"]

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
SourceId = Annotated[str, StringConstraints(pattern=r"^R[1-9][0-9]*$")]
Sources = Annotated[list[SourceId], Field(min_length=1)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Number = int | float
# "item:<code>.<value key>" or "milestone:<code>.day_min|day_max"
Target = Annotated[
    str,
    StringConstraints(
        pattern=r"^(item:[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*|milestone:[a-z][a-z0-9_]*\.day_(min|max))$"
    ),
]


# The fields a patient reads, per entry kind (recovery.E005 wants each in every language).
PATIENT_FACING = {
    "phase": ("title",),
    "item": ("title", "detail"),
    "milestone": ("title", "detail"),
    "photo_instruction": ("text",),  # issue 19: the wound photo instructions too
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Item(_Frozen):
    """One checklist entry in force for the whole of its phase.

    `title` and `detail` may reference numeric `values` as `{key}`; they are rendered when the
    plan is built, so a clinic override of a value also changes the text the patient reads.
    """

    code: Code
    title: Text
    detail: str = ""
    kind: ItemKind
    applies_if: AppliesIf = "always"
    # False: guidance shown in the plan but not ticked daily (so not counted in adherence).
    daily_check: bool = True
    values: dict[Code, Number] = Field(default_factory=dict)
    sources: Sources
    range_note: str | None = None
    # issue 19: title and detail in other languages, beside the English (same `{key}`s).
    translations: Translations = Field(default_factory=dict)


class Phase(_Frozen):
    code: Code
    title: Text
    translations: Translations = Field(default_factory=dict)  # the title (issue 19)
    start_day: Annotated[int, Field(ge=0)]
    end_day: Annotated[int, Field(ge=0)] | None  # inclusive; None = open-ended
    items: Annotated[list[Item], Field(min_length=1)]

    def contains(self, postop_day: int) -> bool:
        return self.start_day <= postop_day and (self.end_day is None or postop_day <= self.end_day)


class Milestone(_Frozen):
    code: Code
    title: Text
    detail: str = ""
    kind: MilestoneKind
    day_min: Annotated[int, Field(ge=0)]
    day_max: Annotated[int, Field(ge=0)]
    applies_if: AppliesIf = "always"
    # After the first window the milestone recurs every N days (e.g. yearly reviews).
    repeat_every_days: Annotated[int, Field(gt=0)] | None = None
    sources: Sources
    range_note: str | None = None
    translations: Translations = Field(default_factory=dict)  # title, detail (issue 19)
    # The patient may mark it achieved themselves in the app (issue 16): first walk, back to
    # driving; visits, imaging and fusion are recorded by the care team.
    self_report: bool = False


class Parameter(_Frozen):
    """A default a clinic may override; `targets` say which numbers it sets."""

    name: Code
    description: Text
    unit: Text
    default: Number
    min: Number | None = None
    max: Number | None = None
    targets: Annotated[list[Target], Field(min_length=1)]
    sources: Sources
    range_note: str | None = None


class Review(_Frozen):
    status: ReviewStatus
    approved_by: str | None = None
    approved_on: datetime.date | None = None
    note: str = ""


class PhotoInstruction(_Frozen):
    """One written photo instruction, with its translations beside it (issue 19):
    `translations: {text: {es: {status, reviewer, text}}}`. A plain string is read as the
    English alone (a clinic's own file; recovery.E005 then asks for the translations)."""

    text: Text
    translations: Translations = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: object) -> object:
        return {"text": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _translates_its_text_only(self) -> PhotoInstruction:
        problems = clinical_text.unknown_fields("instruction", self.translations, ("text",))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def text_in(self, language: str) -> str:
        return clinical_text.text_in(self.text, self.translations.get("text", {}), language)


def _draft_es(text: str) -> Translations:
    return {"text": {"es": clinical_text.Translation(text=text)}}


# Daily wound-photo prompts (issue 21): daily photos for the first 2 weeks after discharge
# [R177], with written instructions, on which image quality depended [R179]. The pathway files
# carry the same four; these serve a patient with no operation on record yet. Spanish: drafts.
DEFAULT_PHOTO_INSTRUCTIONS: tuple[PhotoInstruction, ...] = (
    PhotoInstruction(
        text="Take the photo in good light, such as daylight from a window.",
        translations=_draft_es(
            "Tome la foto con buena luz, por ejemplo la luz del día que entra por una ventana."
        ),
    ),
    PhotoInstruction(
        text="Get the whole incision in the frame.",
        translations=_draft_es("Haga que se vea toda la incisión en la foto."),
    ),
    PhotoInstruction(
        text="Put a reference for scale, such as a coin, next to the incision.",
        translations=_draft_es(
            "Ponga junto a la incisión algo que sirva de escala, como una moneda."
        ),
    ),
    PhotoInstruction(
        text="Keep other parts of your body and your face out of the photo.",
        translations=_draft_es("Deje fuera de la foto su cara y otras partes del cuerpo."),
    ),
)


class WoundPhotoPrompts(_Frozen):
    """When the daily "photo of your wound" prompt runs, and what it tells the patient.

    Days are post-operative days, inclusive (day 0 = surgery). `last_day` below `first_day`
    turns the prompts off for the pathway.
    """

    first_day: Annotated[int, Field(ge=0)] = 1
    last_day: Annotated[int, Field(ge=0)] = 14
    instructions: Annotated[list[PhotoInstruction], Field(min_length=1)] = Field(
        default_factory=lambda: list(DEFAULT_PHOTO_INSTRUCTIONS)
    )
    sources: Sources = Field(default_factory=lambda: ["R177", "R179"])

    def prompts_on(self, postop_day: int | None) -> bool:
        return postop_day is not None and self.first_day <= postop_day <= self.last_day

    def instructions_in(self, language: str) -> list[str]:
        """The instructions in `language` (issue 19); the English where it has none."""
        return [instruction.text_in(language) for instruction in self.instructions]


class PathwayTemplate(_Frozen):
    code: Code
    version: Annotated[int, Field(ge=1)]
    title: Text
    techniques: Annotated[list[Code], Field(min_length=1)]
    review: Review
    notes: str = ""
    parameters: list[Parameter] = Field(default_factory=list)
    phases: Annotated[list[Phase], Field(min_length=1)]
    milestones: Annotated[list[Milestone], Field(min_length=1)]
    wound_photos: WoundPhotoPrompts = Field(default_factory=WoundPhotoPrompts)
