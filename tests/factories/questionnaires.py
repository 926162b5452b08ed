"""Questionnaire responses scored by the instrument package, and cohort-building helpers."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from recovery.instruments import score
from recovery.models import CareTeam, Patient, QuestionnaireResponse
from recovery.selectors import current_surgery
from tests.factories.recovery import PatientFactory


def odi_answers(percent: int) -> list[int | None]:
    """Ten answered sections scoring `percent` (an even number: each point is 2%)."""
    if percent % 2 or not 0 <= percent <= 100:
        raise ValueError("an all-answered ODI scores an even percentage from 0 to 100")
    total = percent // 2
    return [min(5, max(0, total - 5 * i)) for i in range(10)]


class QuestionnaireResponseFactory(factory.django.DjangoModelFactory):
    """Scored exactly as the service scores, from `instrument` and `answers`."""

    class Meta:
        model = QuestionnaireResponse

    class Params:
        result = factory.LazyAttribute(lambda o: score(o.instrument, o.answers))

    id = factory.LazyFunction(uuid.uuid4)
    patient = factory.SubFactory(PatientFactory)
    surgery = factory.LazyAttribute(lambda o: current_surgery(o.patient))
    instrument = "odi"
    timepoint = "baseline"
    answers = factory.LazyFunction(lambda: odi_answers(40))
    instrument_version = factory.LazyAttribute(lambda o: o.result.instrument_version)
    definition_version = factory.LazyAttribute(lambda o: o.result.definition_version)
    score = factory.LazyAttribute(
        lambda o: None if o.result.score is None else Decimal(str(o.result.score))
    )
    scores = factory.LazyAttribute(lambda o: o.result.scores)
    valid = factory.LazyAttribute(lambda o: o.result.valid)
    details = factory.LazyAttribute(
        lambda o: {**o.result.details, **({"reason": o.result.reason} if o.result.reason else {})}
    )
    submitted_at = factory.LazyFunction(timezone.now)


def enrolled_patient(
    *,
    surgery_date: date,
    enrolled_on: date,
    care_team: CareTeam | None = None,
    surgery: dict[str, Any] | None = None,
    **patient_fields: Any,
) -> Patient:
    """A patient whose account was created on `enrolled_on` (their local noon)."""
    extra = {"care_team": care_team} if care_team is not None else {}
    surgery_fields = {f"surgery__{k}": v for k, v in (surgery or {}).items()}
    patient = PatientFactory(
        surgery__date=surgery_date, **extra, **surgery_fields, **patient_fields
    )
    created_at = datetime.combine(enrolled_on, time(12), tzinfo=patient.tz)
    Patient.objects.filter(pk=patient.pk).update(created_at=created_at)
    patient.refresh_from_db()
    return patient


def record_scores(patient: Patient, by_timepoint: dict[str, dict[str, Any]]) -> None:
    """Store answers per timepoint: {"3m": {"odi": 24, "back": 3, "leg": 2}}.

    `odi` is an even percentage or an explicit answer list; `back`/`leg` together make one
    nrs_pain response.
    """
    for timepoint, values in by_timepoint.items():
        if "odi" in values:
            odi = values["odi"]
            answers = odi if isinstance(odi, list) else odi_answers(odi)
            QuestionnaireResponseFactory(
                patient=patient, instrument="odi", timepoint=timepoint, answers=answers
            )
        if "back" in values:
            QuestionnaireResponseFactory(
                patient=patient,
                instrument="nrs_pain",
                timepoint=timepoint,
                answers={"back": values["back"], "leg": values["leg"]},
            )
