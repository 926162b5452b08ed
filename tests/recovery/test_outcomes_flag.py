"""Worse than baseline from 3 months on -> a routine review flag (decision; flag write pending)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from recovery.instruments import load_thresholds
from recovery.models import QuestionnaireResponse
from recovery.services import outcomes
from recovery.services.outcomes import outcome_worsening, worse_flag_timepoints
from recovery.services.questionnaires import questionnaire_submit
from tests.factories.questionnaires import enrolled_patient, record_scores

pytestmark = pytest.mark.django_db


def response(patient, instrument: str, timepoint: str) -> QuestionnaireResponse:
    return QuestionnaireResponse.objects.get(
        patient=patient, instrument=instrument, timepoint=timepoint
    )


def test_it_starts_flagging_at_three_months():
    assert worse_flag_timepoints() == {"3m", "6m", "12m", "24m"}


@pytest.mark.parametrize("timepoint", ["3m", "6m", "12m", "24m"])
def test_it_flags_pain_worse_than_baseline(patient, timepoint):
    record_scores(patient, {"baseline": {"back": 5, "leg": 4}, timepoint: {"back": 6, "leg": 4}})
    decision = outcome_worsening(response(patient, "nrs_pain", timepoint))
    assert decision is not None
    assert (decision.rule_id, decision.rule_version, decision.severity) == (
        "outcome.worse_than_baseline",
        1,
        "routine",
    )
    assert decision.facts["measures"] == {
        "nrs_back": {"baseline": 5.0, "follow_up": 6.0, "change": 1.0}
    }
    assert decision.facts["thresholds_version"] == load_thresholds().version
    assert decision.sources and "nrs_back" in decision.rationale


def test_it_flags_a_worse_odi(patient):
    record_scores(patient, {"baseline": {"odi": 30}, "6m": {"odi": 32}})
    decision = outcome_worsening(response(patient, "odi", "6m"))
    assert decision is not None
    assert decision.facts["measures"] == {
        "odi": {"baseline": 30.0, "follow_up": 32.0, "change": 2.0}
    }


@pytest.mark.parametrize(
    ("scores", "instrument", "timepoint"),
    [
        pytest.param(
            {"baseline": {"back": 5, "leg": 4}, "6w": {"back": 9, "leg": 9}},
            "nrs_pain",
            "6w",
            id="still recovering at 6 weeks",
        ),
        pytest.param(
            {"baseline": {"back": 5, "leg": 4}, "3m": {"back": 5, "leg": 4}},
            "nrs_pain",
            "3m",
            id="unchanged",
        ),
        pytest.param({"3m": {"odi": 60}}, "odi", "3m", id="no baseline"),
        pytest.param(
            {"baseline": {"odi": [None, None, *[0] * 8]}, "3m": {"odi": 60}},
            "odi",
            "3m",
            id="invalid baseline",
        ),
        pytest.param(
            {"baseline": {"odi": 10}, "3m": {"odi": [None, None, *[5] * 8]}},
            "odi",
            "3m",
            id="invalid follow-up",
        ),
    ],
)
def test_it_does_not_flag(patient, scores, instrument, timepoint):
    record_scores(patient, scores)
    assert outcome_worsening(response(patient, instrument, timepoint)) is None


@time_machine.travel(datetime(2025, 3, 3, 17, tzinfo=UTC), tick=False)
def test_it_decides_on_every_new_submission(monkeypatch):
    seen: list[QuestionnaireResponse] = []
    monkeypatch.setattr(outcomes, "outcome_flag_if_worse", seen.append)
    today = timezone.now().date()
    patient = enrolled_patient(surgery_date=today, enrolled_on=today)
    submission = questionnaire_submit(
        patient=patient,
        response_id=uuid.uuid4(),
        instrument="odi",
        timepoint="baseline",
        answers=[1] * 10,
        now=timezone.now(),
    )
    assert seen == [submission.response]
