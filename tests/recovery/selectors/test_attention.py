"""Reading the attention summary (issue 16, item 8): the words, the first page and its total,
and the signals computed for a scope of patients."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from recovery.selectors import worklist as worklist_module
from recovery.selectors.attention import Scope, attention_signals_compute
from recovery.selectors.worklist import reason_text, worklist
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reason", "detail", "words"),
    [
        ("silence", {"last_checkin": None}, "No check-in since surgery"),
        (
            "silence",
            {"last_checkin": (NOW - timedelta(days=8, hours=3)).isoformat()},
            "No check-in for 8 days",
        ),
        ("adherence", {"percent": 33}, "Checklist kept 33% over the last 7 days"),
        ("milestone", {"titles": ["A", "B"]}, "Overdue, not recorded: A; B"),
        ("milestone", {"titles": ["A", "B", "C", "D"]}, "Overdue, not recorded: A; B; C…"),
        ("questionnaire", {"timepoints": ["3m", "6w"]}, "Questionnaire overdue: 3m, 6w"),
        (
            "worse_than_baseline",
            {"score": 42.0, "baseline": 30.0, "timepoint": "6w"},
            "Disability score (ODI) worse than before surgery: 42 vs 30 at 6 weeks",
        ),
    ],
)
def test_it_words_each_stored_reason_as_of_now(reason, detail, words):
    assert reason_text(reason, detail, NOW) == words


@pytest.mark.django_db
def test_it_shows_the_first_page_of_the_most_pressing_and_counts_them_all(monkeypatch):
    monkeypatch.setattr(worklist_module, "ATTENTION_PATIENT_LIMIT", 2)
    with time_machine.travel(NOW, tick=False):
        team = PatientFactory(last_name="Never").care_team  # silent since surgery: no since
        longest = PatientFactory(care_team=team, last_name="Longest")
        CheckInFactory(patient=longest, day=1)
        shorter = PatientFactory(care_team=team, last_name="Shorter")
        CheckInFactory(patient=shorter, day=2)
        clinician = ClinicianFactory(care_teams=[team])

        data = worklist(clinician=clinician, team=None, severity=None, category=None, now=NOW)

    assert [a.patient.last_name for a in data.attention] == ["Longest", "Shorter"]
    assert data.attention_total == 3


@pytest.mark.django_db
def test_it_computes_the_signals_of_the_patients_in_scope_only():
    with time_machine.travel(NOW, tick=False):
        silent = PatientFactory()
        neighbour = PatientFactory(care_team=silent.care_team)
        elsewhere = PatientFactory()

        one = attention_signals_compute(scope=Scope(patient_ids=[silent.id]), now=NOW)
        team = attention_signals_compute(scope=Scope(team_ids=[silent.care_team_id]), now=NOW)

    assert [(s.patient_id, s.reason) for s in one] == [(silent.id, "silence")]
    assert {s.patient_id for s in team} == {silent.id, neighbour.id}
    assert elsewhere.id not in {s.patient_id for s in team}
