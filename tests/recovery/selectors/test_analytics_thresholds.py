"""The SQL form of the MCID/SCB and pain-reduction rules agrees with the instrument package.

One patient per case (minimum cell size 1), values on and around every threshold boundary.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from recovery.instruments import classify_change, pain_reduction_share, score
from recovery.selectors import cohort
from tests.factories import ClinicianFactory
from tests.factories.questionnaires import enrolled_patient, odi_answers, record_scores

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 2)
SURGERY = TODAY - timedelta(days=100)
SUM_16 = [2, 2, 2, 2, 2, 2, 2, 0, 1, 1]


def skip_one(total: int) -> list[int | None]:
    """Nine answered sections summing to `total` (denominator 45)."""
    answers: list[int | None] = [min(5, max(0, total - 5 * i)) for i in range(9)]
    return [*answers[:7], None, *answers[7:]]


def three_month_cell(clinician, settings, measure: str) -> dict:
    settings.OUTCOMES_MIN_CELL = 1
    table = cohort.cohort_outcome_table(
        clinician=clinician, filters=cohort.CohortFilters(), today=TODAY
    )
    row = next(r for r in table["timepoints"] if r["timepoint"] == "3m")
    return row["measures"][measure]


def one_patient(values: dict[str, dict]):
    patient = enrolled_patient(surgery_date=SURGERY, enrolled_on=SURGERY - timedelta(days=5))
    record_scores(patient, values)
    return ClinicianFactory(care_teams=[patient.care_team])


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(odi_answers(40), odi_answers(28), id="40 -> 28: exactly 30%"),
        pytest.param(odi_answers(40), odi_answers(30), id="40 -> 30: exactly 10 points"),
        pytest.param(odi_answers(20), odi_answers(12), id="20 -> 12: 40%, 8 points"),
        pytest.param(odi_answers(0), odi_answers(0), id="0 -> 0: no percent from nothing"),
        pytest.param(odi_answers(50), odi_answers(32), id="50 -> 32: 36%, final 32"),
        pytest.param(odi_answers(50), odi_answers(30), id="50 -> 30: final under 31.3"),
        pytest.param(odi_answers(30), odi_answers(34), id="30 -> 34: worse, final over 31.3"),
        pytest.param(skip_one(16), skip_one(11), id="35.6 -> 24.4: 11.2 points"),
        pytest.param(skip_one(16), skip_one(12), id="35.6 -> 26.7: 8.9 points, 25%"),
        pytest.param(SUM_16, odi_answers(20), id="32 -> 20: 37.5%, SCB by percent"),
    ],
)
def test_it_agrees_with_classify_change_on_the_odi(settings, before, after):
    clinician = one_patient({"baseline": {"odi": before}, "3m": {"odi": after}})
    expected = classify_change("odi", score("odi", before).score, score("odi", after).score)
    cell = three_month_cell(clinician, settings, "odi")
    assert cell["mcid"]["share"] == float(expected.mcid_reached)
    assert cell["scb"]["share"] == float(bool(expected.scb_reached))


@pytest.mark.parametrize(
    ("before", "after"),
    [(8, 4), (8, 2), (10, 2), (5, 1), (5, 2), (4, 2), (0, 0), (3, 5), (7, 5), (2, 0)],
)
@pytest.mark.parametrize("side", ["back", "leg"])
def test_it_agrees_with_the_package_on_pain(settings, side, before, after):
    other = {"back": "leg", "leg": "back"}[side]
    clinician = one_patient({"baseline": {side: before, other: 5}, "3m": {side: after, other: 5}})
    cell = three_month_cell(clinician, settings, f"nrs_{side}")
    assert cell["mcid"]["share"] == float(
        classify_change(f"nrs_{side}", before, after).mcid_reached
    )
    reduction = pain_reduction_share(before, after)
    for cut in (50, 80):
        got = cell["pain_reduction"][f"at_least_{cut}"]
        if reduction is None:  # no pain at baseline: left out of the denominator
            assert got == {"n": None, "share": None, "suppressed": True}
        else:
            assert got["share"] == float(reduction.reached[cut])
