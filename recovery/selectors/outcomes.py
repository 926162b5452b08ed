"""One patient's outcomes: change from baseline per measure (the arithmetic is
recovery.services.outcomes.outcomes_from_responses, a pure function)."""

from __future__ import annotations

from recovery.models import Patient, QuestionnaireResponse
from recovery.services.outcomes import MeasureOutcome, outcomes_from_responses


def patient_outcomes(*, patient: Patient) -> list[MeasureOutcome]:
    """Every measure of the enabled instruments, with each answered follow-up (one query)."""
    responses = QuestionnaireResponse.objects.filter(patient=patient, valid=True).only(
        "instrument", "timepoint", "scores"
    )
    return outcomes_from_responses(responses)
