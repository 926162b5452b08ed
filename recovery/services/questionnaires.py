"""Questionnaire submission and the patient's due list, over the pure instrument package.

Scoring, answer validation, windows and thresholds all live in recovery/instruments/ (with
their sources); this module adds the patient's calendar, storage, idempotency and errors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from rest_framework import status

from core.exceptions import ApplicationError
from recovery import instruments
from recovery.models import Patient, QuestionnaireResponse, Surgery
from recovery.selectors import current_surgery
from recovery.services.attention import attention_refresh_patient

ALREADY_SUBMITTED = "already_submitted"
WINDOW_CLOSED = "window_not_open"


@dataclass(frozen=True)
class PatientCalendar:
    """The dates the schedule is computed from, on the patient's own calendar."""

    surgery: Surgery
    enrolled_on: date
    today: date


@dataclass(frozen=True)
class Submission:
    response: QuestionnaireResponse
    created: bool  # False when the same id was replayed


def patient_calendar(*, patient: Patient, now: datetime) -> PatientCalendar | None:
    """None when the patient has no surgery yet (nothing can be scheduled)."""
    surgery = current_surgery(patient)
    if surgery is None:
        return None
    return PatientCalendar(
        surgery=surgery,
        enrolled_on=patient.local_date(patient.created_at),
        today=patient.local_date(now),
    )


def questionnaires_due(*, patient: Patient, now: datetime) -> list[instruments.Due]:
    """Open (and missed) questionnaires not yet answered, in window order.

    A stored response counts as answered even when invalid (too many items skipped): the
    timepoint accepts one submission per instrument.
    """
    calendar = patient_calendar(patient=patient, now=now)
    if calendar is None:
        return []
    completed = QuestionnaireResponse.objects.filter(patient=patient).values_list(
        "instrument", "timepoint"
    )
    return instruments.due_timepoints(
        calendar.surgery.date, calendar.enrolled_on, calendar.today, list(completed)
    )


def instrument_wording(code: str) -> instruments.Wording | None:
    """Licensed wording from settings.INSTRUMENT_WORDING_DIR/<code>.yaml, when installed.

    The file is never committed (ODI wording is licensed, see recovery/instruments/odi.yaml).
    """
    directory = getattr(settings, "INSTRUMENT_WORDING_DIR", None)
    if not directory:
        return None
    return instruments.load_wording(code, Path(directory) / f"{code}.yaml")


@transaction.atomic
def questionnaire_submit(
    *,
    patient: Patient,
    response_id: uuid.UUID,
    instrument: str,
    timepoint: str,
    answers: Any,
    now: datetime,
) -> Submission:
    """Validate, score on the server and store one questionnaire; idempotent on `response_id`.

    Raises ApplicationError: 400 for unknown/disabled instruments, invalid answers (one
    message per item path, e.g. "answers[3]") or a timepoint whose window is not open today;
    409 when this timepoint was already answered, or the id belongs to someone else.
    """
    existing = _replay(patient=patient, response_id=response_id)
    if existing is not None:
        return Submission(response=existing, created=False)

    definition = _enabled_instrument(instrument)
    errors = instruments.validate_answers(instrument, answers)
    if errors:
        raise ApplicationError(gettext("Some answers are not valid."), fields=errors)

    calendar = patient_calendar(patient=patient, now=now)
    if calendar is None:
        raise ApplicationError(
            gettext("No surgery is recorded yet, so no questionnaire is scheduled."),
            code=WINDOW_CLOSED,
            fields={"timepoint": [gettext("No surgery is recorded yet.")]},
        )
    _require_open_window(calendar, instrument=definition, timepoint=timepoint)
    if QuestionnaireResponse.objects.filter(
        patient=patient, instrument=instrument, timepoint=timepoint
    ).exists():
        raise _already_submitted(definition.name, timepoint)

    result = instruments.score(instrument, answers)
    details = dict(result.details)
    if result.reason:
        details["reason"] = result.reason
    response = QuestionnaireResponse(
        id=response_id,
        patient=patient,
        surgery=calendar.surgery,
        instrument=result.instrument,
        instrument_version=result.instrument_version,
        definition_version=result.definition_version,
        timepoint=timepoint,
        answers=answers,
        score=None if result.score is None else Decimal(str(result.score)),
        scores=result.scores,
        valid=result.valid,
        details=details,
        submitted_at=now,
    )
    try:
        # A savepoint, so a lost race (double tap, two devices) leaves the outer transaction
        # usable for the replay lookup below.
        with transaction.atomic():
            response.save(force_insert=True)
    except IntegrityError:
        existing = _replay(patient=patient, response_id=response_id)
        if existing is not None:
            return Submission(response=existing, created=False)
        raise _already_submitted(definition.name, timepoint) from None

    from recovery.services.outcomes import outcome_flag_if_worse

    outcome_flag_if_worse(response)
    # The worklist's attention summary (issue 16): overdue and worse-than-baseline reasons.
    attention_refresh_patient(patient_id=patient.id, now=now)
    return Submission(response=response, created=True)


def _replay(*, patient: Patient, response_id: uuid.UUID) -> QuestionnaireResponse | None:
    existing = QuestionnaireResponse.objects.filter(id=response_id).first()
    if existing is None:
        return None
    if existing.patient_id != patient.id:
        # Never reveal another patient's record; a fresh client UUID cannot collide.
        raise ApplicationError(
            gettext("This id is already used; generate a new one."),
            code="id_conflict",
            fields={"id": [gettext("This id is already used.")]},
            status_code=status.HTTP_409_CONFLICT,
        )
    return existing


def _enabled_instrument(code: str) -> instruments.Instrument:
    try:
        definition = instruments.get_instrument(code)
    except instruments.UnknownInstrumentError:
        definition = None
    if definition is None or not definition.enabled:
        known = sorted(c for c, i in instruments.load_instruments().items() if i.enabled)
        raise ApplicationError(
            gettext("Unknown questionnaire."),
            fields={
                "instrument": [gettext("Choose one of: %(codes)s.") % {"codes": ", ".join(known)}]
            },
        )
    return definition


def _require_open_window(
    calendar: PatientCalendar, *, instrument: instruments.Instrument, timepoint: str
) -> None:
    windows = {
        w.timepoint: w
        for w in instruments.timepoint_windows(calendar.surgery.date, calendar.enrolled_on)
    }
    window = windows.get(timepoint)
    if window is None:
        # Only the baseline can be missing: its window closed before the patient enrolled.
        message = gettext(
            "The before-surgery questionnaire can only be answered before the operation."
        )
    elif instrument.code not in window.instruments:
        message = f"{instrument.name} is not scheduled at this timepoint."
    elif calendar.today < window.opens_on:
        message = gettext("This questionnaire opens on %(date)s.") % {
            "date": window.opens_on.isoformat()
        }
    elif calendar.today > window.closes_on:
        message = gettext("This questionnaire closed on %(date)s.") % {
            "date": window.closes_on.isoformat()
        }
    else:
        return
    raise ApplicationError(message, code=WINDOW_CLOSED, fields={"timepoint": [message]})


def _already_submitted(name: str, timepoint: str) -> ApplicationError:
    message = f"{name} has already been answered for this timepoint ({timepoint})."
    return ApplicationError(
        message,
        code=ALREADY_SUBMITTED,
        fields={"timepoint": [message]},
        status_code=status.HTTP_409_CONFLICT,
    )
