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
against the English, then `reviewed` with the reviewer's name and `source_hash`, the
fingerprint of the English the review was made against (`english_hash`; `manage.py
clinical_translations` prints it for each entry):

        es: {status: reviewed, reviewer: "A. Ruiz, RN", source_hash: 3f0c9a1b2d4e5f60, text: ...}

When the English changes after the review, the fingerprint no longer matches: the translation
is *stale* and counts as a draft again (`needs_review`), so a reviewed Spanish text can never
silently stand for English it was not checked against. The system check recovery.E005 refuses
a file where a patient-facing string lacks a supported language; recovery.W006 names stale
reviews; recovery.I005 counts the translations still waiting for review. Pure: no Django, no
clock (callers pass the languages).
"""

from __future__ import annotations

import hashlib
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
    # english_hash() of the English the review was made against; a mismatch = a stale review.
    source_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")

    @model_validator(mode="after")
    def _reviewed_names_its_reviewer(self) -> Translation:
        if self.status == REVIEWED and not (self.reviewer or "").strip():
            raise ValueError("a reviewed translation names its reviewer")
        return self

    @property
    def folded(self) -> str:
        return " ".join(self.text.split())


def english_hash(english: str) -> str:
    """The fingerprint of an English text a review is pinned to: the first 16 hex digits of the
    SHA-256 of its whitespace-folded form (re-wrapping a YAML block does not change it; any
    change of wording, number or placeholder does). Not a security measure: a change detector."""
    return hashlib.sha256(" ".join(english.split()).encode("utf-8")).hexdigest()[:16]


def is_stale(translation: Translation, english: str) -> bool:
    """A review no longer valid: reviewed, but not against this English (or against none)."""
    return translation.status == REVIEWED and translation.source_hash != english_hash(english)


def needs_review(translation: Translation, english: str) -> bool:
    """A draft, or a stale review: not yet checked by a clinician against this English."""
    return translation.status == DRAFT or is_stale(translation, english)


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


def draft_count(
    translations: Mapping[str, Mapping[str, Translation]],
    fields: Mapping[str, str | None] | None = None,
) -> dict[str, int]:
    """Per language, how many translations still wait for a clinician's review: the drafts,
    and (given the entry's English `fields`) the stale reviews."""
    counts: dict[str, int] = {}
    for name, by_language in translations.items():
        english = (fields or {}).get(name) or ""
        for language, translation in by_language.items():
            waiting = translation.status == DRAFT or (
                fields is not None and is_stale(translation, english)
            )
            if waiting:
                counts[language] = counts.get(language, 0) + 1
    return counts


def stale_reviews(
    where: str,
    translations: Mapping[str, Mapping[str, Translation]],
    fields: Mapping[str, str | None],
) -> list[str]:
    """A problem for each reviewed translation whose English changed since (or that names no
    `source_hash`, so nothing says which English was reviewed)."""
    problems: list[str] = []
    for name, by_language in translations.items():
        english = fields.get(name) or ""
        for language, translation in by_language.items():
            if not is_stale(translation, english):
                continue
            if translation.source_hash is None:
                why = "is reviewed but names no source_hash"
            else:
                why = "was reviewed against English that has changed since"
            problems.append(
                f"{where}: {name} in {language!r} {why} (English now {english_hash(english)})"
            )
    return problems
