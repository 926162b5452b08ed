"""Worse than baseline from 3 months on -> a routine `outcome_worse` flag for the care team."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from recovery.instruments import load_thresholds
from recovery.models import Flag, QuestionnaireResponse
from recovery.models.flags import NOT_COMPLICATIONS
from recovery.services import outcomes
from recovery.services.outcomes import outcome_worsening, worse_flag_timepoints
from recovery.services.questionnaires import questionnaire_submit
from tests.factories import ClinicianFactory
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


# --- the flag itself (through the triage upsert) -----------------------------------------------


def submit(patient, instrument: str, timepoint: str, answers, when: datetime):
    with time_machine.travel(when, tick=False):
        return questionnaire_submit(
            patient=patient,
            response_id=uuid.uuid4(),
            instrument=instrument,
            timepoint=timepoint,
            answers=answers,
            now=timezone.now(),
        ).response


SURGERY = date(2025, 3, 10)


def on_day(day: int) -> datetime:
    moment = SURGERY + timedelta(days=day)
    return datetime(moment.year, moment.month, moment.day, 17, tzinfo=UTC)


@pytest.fixture
def operated(db):
    patient = enrolled_patient(surgery_date=SURGERY, enrolled_on=SURGERY - timedelta(days=7))
    ClinicianFactory(care_teams=[patient.care_team])
    submit(patient, "nrs_pain", "baseline", {"back": 5, "leg": 4}, on_day(-1))
    return patient


def test_it_opens_a_routine_flag_for_the_care_team(operated):
    response = submit(operated, "nrs_pain", "3m", {"back": 7, "leg": 4}, on_day(90))
    flag = Flag.objects.get(patient=operated)
    assert (flag.category, flag.severity, flag.status, flag.origin) == (
        "outcome_worse",
        "routine",
        "open",
        "prom",
    )
    assert (flag.rule_id, flag.rule_version) == ("outcome.worse_than_baseline", 1)
    assert flag.facts["response_id"] == str(response.id)
    assert flag.opened_at == response.submitted_at
    assert Notification.objects.filter(
        template="careteam_flag", context__flag_id=str(flag.id)
    ).exists()


def test_it_keeps_one_live_flag_when_worse_again(operated):
    submit(operated, "nrs_pain", "3m", {"back": 7, "leg": 4}, on_day(90))
    submit(operated, "nrs_pain", "6m", {"back": 8, "leg": 4}, on_day(180))
    assert Flag.objects.filter(patient=operated).count() == 1


@pytest.mark.parametrize(
    ("timepoint", "day", "answers"),
    [("6w", 42, {"back": 9, "leg": 9}), ("3m", 90, {"back": 5, "leg": 3})],
    ids=["worse but early", "not worse"],
)
def test_it_raises_no_flag(operated, timepoint, day, answers):
    submit(operated, "nrs_pain", timepoint, answers, on_day(day))
    assert not Flag.objects.exists()


def test_it_does_not_count_the_flag_as_a_complication():
    assert "outcome_worse" in NOT_COMPLICATIONS
