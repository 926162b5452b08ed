"""issue 19: the wound photo instructions [R179] are clinical text like the rest: the server
gives them in the patient's language, each translation reviewable beside the English."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from pydantic import ValidationError

from recovery.checks import clinical_text_entries
from recovery.clinical_text import missing_languages
from recovery.pathways.schema import DEFAULT_PHOTO_INSTRUCTIONS, PhotoInstruction
from tests.factories.plans import planned_patient

PROMPT = "/api/v1/me/wound-photos/prompt/"
MORNING = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # post-operative day 9 of SURGERY
SURGERY = date(2026, 6, 1)


def _instructions(api, language: str) -> list[str]:
    with time_machine.travel(MORNING, tick=False):
        patient = planned_patient(surgery_date=SURGERY, language=language)
        return api(patient.user).get(PROMPT).json()["instructions"]


@pytest.mark.django_db
def test_it_gives_a_spanish_patient_the_photo_instructions_in_spanish(api) -> None:
    instructions = _instructions(api, "es")
    assert instructions[0] == (
        "Tome la foto con buena luz, por ejemplo la luz del día que entra por una ventana."
    )


@pytest.mark.django_db
def test_it_leaves_an_english_patients_photo_instructions_unchanged(api) -> None:
    instructions = _instructions(api, "en")
    assert instructions == [i.text for i in DEFAULT_PHOTO_INSTRUCTIONS]


def test_it_checks_every_pathways_photo_instructions_for_every_language() -> None:
    entries = [e for e in clinical_text_entries() if "wound photo instruction" in e.where]
    assert len(entries) == 4 * 4  # four instructions in each of the four pathway files
    assert all(
        missing_languages(e.where, e.translations, e.fields, ("en", "es")) == [] for e in entries
    )


def test_it_reads_a_plain_instruction_as_english_lacking_its_translation() -> None:
    instruction = PhotoInstruction.model_validate("Use daylight.")
    problems = missing_languages("x", instruction.translations, {"text": "Use daylight."}, ["es"])
    assert problems == ["x: text has no 'es' translation"]


def test_it_refuses_a_translation_of_a_field_an_instruction_does_not_have() -> None:
    with pytest.raises(ValidationError, match="translations name 'title'"):
        PhotoInstruction.model_validate(
            {"text": "Use daylight.", "translations": {"title": {"es": {"text": "Luz."}}}}
        )
