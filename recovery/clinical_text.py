"""Translations of clinical text, kept beside the English in the data files (issue 19).

Every patient-facing string in a clinical data file (triage advice, restriction text and
rationale, milestone names and descriptions, questionnaire prompts where the licence allows)
may carry a `translations` block next to it, keyed by field, then language:

    advice: >-
      Call emergency services ({emergency_number}) now. ...
    translations:
      advice:
        es: {status: draft, reviewer: null, text: "Llame a los servicios de emergencia ..."}

Each translation has its own review status: `draft` until a bilingual clinician has checked it
against the English, then `reviewed` with the reviewer's name. The system check recovery.E005
refuses a file where a patient-facing string lacks a supported language; recovery.I005 counts
the drafts still waiting for review. Pure: no Django, no clock (callers pass the languages).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SOURCE_LANGUAGE = "en"
Status = Literal["draft", "reviewed"]
DRAFT: Status = "draft"
REVIEWED: Status = "reviewed"


class Translation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    status: Status = DRAFT
    reviewer: str | None = None  # who checked it against the English (name, role)

    @model_validator(mode="after")
    def _reviewed_names_its_reviewer(self) -> Translation:
        if self.status == REVIEWED and not (self.reviewer or "").strip():
            raise ValueError("a reviewed translation names its reviewer")
        return self

    @property
    def folded(self) -> str:
        return " ".join(self.text.split())


# field name -> language code -> translation
Translations = dict[str, dict[str, Translation]]


def missing_languages(
    where: str,
    translations: Mapping[str, Mapping[str, Translation]],
    fields: Mapping[str, str | None],
    languages: Iterable[str],
) -> list[str]:
    """A problem for each patient-facing field (with English text) lacking one of `languages`.

    `fields` maps each patient-facing field name to its English text (None or "" when the
    entry has none, which needs no translation either).
    """
    problems: list[str] = []
    for name, english in fields.items():
        if not english:
            continue
        have = translations.get(name, {})
        problems.extend(
            f"{where}: {name} has no {language!r} translation"
            for language in languages
            if language != SOURCE_LANGUAGE and language not in have
        )
    return problems


def unknown_fields(
    where: str, translations: Mapping[str, object], fields: Iterable[str]
) -> list[str]:
    """A problem for each translated field that is not a patient-facing field of the entry."""
    allowed = set(fields)
    return [
        f"{where}: translations name {name!r}, not one of {sorted(allowed)}"
        for name in translations
        if name not in allowed
    ]


def text_in(english: str, translations: Mapping[str, Translation], language: str) -> str:
    """The text in `language` (whitespace folded); the English when there is no translation."""
    if language != SOURCE_LANGUAGE and language in translations:
        return translations[language].folded
    return " ".join(english.split())


def draft_count(translations: Mapping[str, Mapping[str, Translation]]) -> dict[str, int]:
    """Per language, how many translations still wait for a clinician's review."""
    counts: dict[str, int] = {}
    for by_language in translations.values():
        for language, translation in by_language.items():
            if translation.status == DRAFT:
                counts[language] = counts.get(language, 0) + 1
    return counts
