"""GET /api/v1/care/outcomes/: per-timepoint cohort tables checked against independent sums.

Expected numbers are computed here from the cohort as built, with the instrument package's
windows and classifications and the standard library's quantiles, never from the module under
test; percentile_cont equals statistics.quantiles(method="inclusive").
"""

from __future__ import annotations

import csv
import io
import random
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from recovery.instruments import (
    classify_change,
    load_thresholds,
    pain_reduction_share,
    timepoint_windows,
)
from recovery.models import AccessEvent, Patient
from recovery.selectors import cohort
from tests.clock import ANALYTICS_NOW, ANALYTICS_TODAY
from tests.factories import CareTeamFactory, ClinicianFactory, SurgeryFactory
from tests.factories.questionnaires import enrolled_patient, record_scores

# The clock is frozen at ANALYTICS_NOW; `team` and `lead` come from this folder's conftest.
pytestmark = [pytest.mark.django_db, pytest.mark.clock(ANALYTICS_NOW, tick=False)]

URL = "/api/v1/care/outcomes/"
TODAY = ANALYTICS_TODAY
TIMEPOINTS = ["baseline", "6w", "3m", "6m", "12m", "24m"]
MEASURES = {"odi": "odi", "nrs_back": "back", "nrs_leg": "leg"}
TECHNIQUE = {"open": "tlif", "mis": "mis_tlif"}
TARGET_DAYS = {"6w": 42, "3m": 90, "6m": 180, "12m": 365, "24m": 730}  # schedule.yaml


def table(api, user, **params) -> dict[str, Any]:
    response = api(user).get(URL, params)
    assert response.status_code == 200, response.data
    return response.data


def row(data: dict[str, Any], timepoint: str) -> dict[str, Any]:
    return next(r for r in data["timepoints"] if r["timepoint"] == timepoint)


# --- a hand-computed cohort ----------------------------------------------------------------------


@pytest.fixture
def five_at_three_months(team):
    """Five patients, surgery 100 days ago, enrolled 10 days before it, answers at 3 months."""
    surgery = TODAY - timedelta(days=100)
    follow_ups = [
        {"odi": 20, "back": 0, "leg": 1},
        {"odi": 30, "back": 2, "leg": 1},
        {"odi": 40, "back": 4, "leg": 2},
        {"odi": 50, "back": 4, "leg": 5},
        {"odi": 60, "back": 8, "leg": 6},
    ]
    for values in follow_ups:
        patient = enrolled_patient(
            surgery_date=surgery, enrolled_on=surgery - timedelta(days=10), care_team=team
        )
        record_scores(patient, {"baseline": {"odi": 50, "back": 8, "leg": 5}, "3m": values})


def test_it_computes_a_small_cohort_by_hand(api, lead, five_at_three_months):
    three_months = row(table(api, lead), "3m")
    odi, back, leg = (three_months["measures"][m] for m in ("odi", "nrs_back", "nrs_leg"))
    # ODI 20, 30, 40, 50, 60: quartiles at ranks 1, 2, 3 (0-based) of the sorted list.
    assert odi["score"] == {"n": 5, "median": 40.0, "p25": 30.0, "p75": 50.0, "suppressed": False}
    # From 50, improvements 30, 20, 10, 0, -10: MCID (>= 10 points or 30%) for 3 of 5.
    assert odi["mcid"] == {"n": 5, "share": 0.6, "suppressed": False}
    # SCB (>= 18.8 points, >= 36.8% or final < 31.3, with the MCID): ODI 20 and 30 only.
    assert odi["scb"] == {"n": 5, "share": 0.4, "suppressed": False}
    # Back 8 -> 0, 2, 4, 4, 8: 100%, 75%, 50%, 50%, 0% less pain.
    assert back["score"] == {"n": 5, "median": 4.0, "p25": 2.0, "p75": 4.0, "suppressed": False}
    assert back["mcid"]["share"] == 0.8  # >= 2 points: all but the unchanged one
    assert back["pain_reduction"]["at_least_50"]["share"] == 0.8
    assert back["pain_reduction"]["at_least_80"]["share"] == 0.2
    # Leg 5 -> 1, 1, 2, 5, 6: improvements 4, 4, 3, 0, -1 against a 3.2-point MCID [R151].
    assert leg["score"] == {"n": 5, "median": 2.0, "p25": 1.0, "p75": 5.0, "suppressed": False}
    assert leg["mcid"]["share"] == 0.4
    assert leg["pain_reduction"]["at_least_50"]["share"] == 0.6  # 80%, 80%, 60%
    assert leg["pain_reduction"]["at_least_80"]["share"] == 0.4


def test_it_counts_eligible_and_responding_patients(api, lead, five_at_three_months):
    data = table(api, lead)
    assert data["patients"] == {"n": 5, "suppressed": False}
    three_months = row(data, "3m")
    assert three_months["eligible"]["n"] == 5
    assert three_months["completion_rate"] == {"n": 5, "share": 1.0, "suppressed": False}
    six_weeks = row(data, "6w")  # opened on day 28, nobody answered
    assert six_weeks["eligible"] == {"n": 5, "suppressed": False}
    assert six_weeks["responded"] == {"n": None, "suppressed": True}
    assert row(data, "6m")["eligible"] == {"n": None, "suppressed": True}  # opens day 166


def test_it_matches_statistics_quantiles_inclusive(api, lead, five_at_three_months):
    score = row(table(api, lead), "3m")["measures"]["odi"]["score"]
    q1, q2, q3 = statistics.quantiles([20, 30, 40, 50, 60], n=4, method="inclusive")
    assert (score["p25"], score["median"], score["p75"]) == (q1, q2, q3)


# --- suppression ---------------------------------------------------------------------------------


def test_it_suppresses_cells_under_five_patients(api, lead, team):
    surgery = TODAY - timedelta(days=100)
    for odi in (20, 40, 60, 80):
        patient = enrolled_patient(
            surgery_date=surgery, enrolled_on=surgery - timedelta(days=10), care_team=team
        )
        record_scores(patient, {"baseline": {"odi": 50}, "3m": {"odi": odi}})
    data = table(api, lead)
    assert data["patients"] == {"n": None, "suppressed": True}
    odi = row(data, "3m")["measures"]["odi"]
    assert odi["score"] == {"n": None, "median": None, "p25": None, "p75": None, "suppressed": True}
    assert odi["mcid"] == {"n": None, "share": None, "suppressed": True}
    assert row(data, "3m")["completion_rate"]["share"] is None


def test_it_takes_the_minimum_cell_size_from_settings(api, lead, team, settings):
    settings.OUTCOMES_MIN_CELL = 2
    surgery = TODAY - timedelta(days=100)
    for odi in (20, 40):
        patient = enrolled_patient(
            surgery_date=surgery, enrolled_on=surgery - timedelta(days=10), care_team=team
        )
        record_scores(patient, {"3m": {"odi": odi}})
    data = table(api, lead)
    assert data["min_cell"] == 2
    assert row(data, "3m")["measures"]["odi"]["score"]["median"] == 30.0


def test_it_hides_a_completion_rate_that_would_reveal_a_small_count(api, lead, team):
    surgery = TODAY - timedelta(days=100)
    for index in range(6):
        patient = enrolled_patient(
            surgery_date=surgery, enrolled_on=surgery - timedelta(days=10), care_team=team
        )
        if index < 2:
            record_scores(patient, {"3m": {"odi": 30}})
    three_months = row(table(api, lead), "3m")
    assert three_months["eligible"]["n"] == 6
    assert three_months["completion_rate"] == {"n": None, "share": None, "suppressed": True}


# --- acceptance: open vs MIS against an independent computation ----------------------------------


@dataclass
class Synthetic:
    approach: str
    surgery_date: date
    enrolled_on: date
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)


def synthetic_cohort(team, *, seed: int, open_count: int, mis_count: int) -> list[Synthetic]:
    """Patients spread over two years of surgery dates, answering most open windows."""
    rng = random.Random(seed)
    cohort = []
    for index in range(open_count + mis_count):
        approach = "open" if index < open_count else "mis"
        surgery = TODAY - timedelta(
            days=[60, 100, 200, 400, 750, 30][index % 6] + rng.randint(0, 9)
        )
        enrolled = surgery - timedelta(days=rng.choice([-3, 5, 14, 30]))  # -3: after surgery
        spec = Synthetic(approach=approach, surgery_date=surgery, enrolled_on=enrolled)
        for window in timepoint_windows(surgery, enrolled):
            if window.opens_on > TODAY or rng.random() < 0.15:
                continue
            values: dict[str, Any] = {"back": rng.randint(0, 10), "leg": rng.randint(0, 10)}
            if rng.random() < 0.1:
                values["odi"] = [None, None, *[rng.randint(0, 5) for _ in range(8)]]
            elif rng.random() < 0.9:
                values["odi"] = 2 * rng.randint(5 if window.timepoint == "baseline" else 0, 45)
            spec.answers[window.timepoint] = values
        patient = enrolled_patient(
            surgery_date=surgery,
            enrolled_on=enrolled,
            care_team=team,
            surgery={
                "approach": approach,
                "technique": "tlif" if approach == "open" else "mis_tlif",
            },
        )
        record_scores(patient, spec.answers)
        cohort.append(spec)
    return cohort


def _value(answers: dict[str, Any] | None, measure: str) -> float | None:
    if answers is None:
        return None
    value = answers.get(MEASURES[measure])
    return float(value) if isinstance(value, int) else None  # a list = invalid ODI


def _share(hits: int, n: int, limit: int) -> dict[str, Any]:
    if n < limit:
        return {"n": None, "share": None, "suppressed": True}
    return {"n": n, "share": pytest.approx(hits / n), "suppressed": False}


def expected_table(cohort: list[Synthetic], limit: int = 5) -> dict[str, dict[str, Any]]:
    cutoffs = load_thresholds().pain_reduction.cutoffs_percent
    rows: dict[str, dict[str, Any]] = {}
    for tp in TIMEPOINTS:
        eligible = sum(
            any(
                w.timepoint == tp and w.opens_on <= TODAY
                for w in timepoint_windows(p.surgery_date, p.enrolled_on)
            )
            for p in cohort
        )
        responded = sum(tp in p.answers for p in cohort)
        rate = _share(responded, eligible, limit)
        if responded < limit:
            rate = {"n": None, "share": None, "suppressed": True}
        measures: dict[str, Any] = {}
        for measure in MEASURES:
            values = [v for p in cohort if (v := _value(p.answers.get(tp), measure)) is not None]
            if len(values) < limit:
                score = {"n": None, "median": None, "p25": None, "p75": None, "suppressed": True}
            else:
                q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
                score = {
                    "n": len(values),
                    "median": pytest.approx(q2),
                    "p25": pytest.approx(q1),
                    "p75": pytest.approx(q3),
                    "suppressed": False,
                }
            cell: dict[str, Any] = {"score": score}
            if tp != "baseline":
                pairs = [
                    (base, after)
                    for p in cohort
                    if (base := _value(p.answers.get("baseline"), measure)) is not None
                    and (after := _value(p.answers.get(tp), measure)) is not None
                ]
                changes = [classify_change(measure, b, a) for b, a in pairs]
                cell["mcid"] = _share(sum(c.mcid_reached for c in changes), len(pairs), limit)
                if measure == "odi":
                    cell["scb"] = _share(
                        sum(bool(c.scb_reached) for c in changes), len(pairs), limit
                    )
                else:
                    reductions = [r for b, a in pairs if (r := pain_reduction_share(b, a))]
                    cell["pain_reduction"] = {
                        f"at_least_{cut}": _share(
                            sum(r.reached[cut] for r in reductions), len(reductions), limit
                        )
                        for cut in cutoffs
                    }
            measures[measure] = cell
        rows[tp] = {
            "timepoint": tp,
            "eligible": {"n": eligible, "suppressed": False}
            if eligible >= limit
            else {"n": None, "suppressed": True},
            "responded": {"n": responded, "suppressed": False}
            if responded >= limit
            else {"n": None, "suppressed": True},
            "completion_rate": rate,
            "measures": measures,
        }
        if tp in TARGET_DAYS:  # nobody here has fusion imaging: n is the patients past the day
            past = sum(p.surgery_date <= TODAY - timedelta(days=TARGET_DAYS[tp]) for p in cohort)
            rows[tp]["fusion"] = _share(0, past, limit)
    return rows


@pytest.fixture
def open_and_mis(team):
    return synthetic_cohort(team, seed=6, open_count=30, mis_count=24)


@pytest.mark.parametrize("approach", ["open", "mis"])
def test_it_matches_an_independent_computation_per_approach(api, lead, open_and_mis, approach):
    data = table(api, lead, approach=approach)
    subset = [p for p in open_and_mis if p.approach == approach]
    expected = expected_table(subset)
    assert data["patients"]["n"] == len(subset)
    for got in data["timepoints"]:
        assert got == expected[got["timepoint"]], got["timepoint"]
    # The cohort is big enough that the comparison covers real numbers, not only nulls.
    shown = [
        measure["mcid"]
        for got in data["timepoints"][1:]
        for measure in got["measures"].values()
        if not measure["mcid"]["suppressed"]
    ]
    assert len(shown) >= 4


def test_it_gives_the_same_numbers_from_the_python_fallback(lead, open_and_mis):
    filters = cohort.CohortFilters()
    in_sql = cohort.cohort_outcome_table(
        clinician=lead, filters=filters, today=TODAY, sql_percentiles=True
    )
    in_python = cohort.cohort_outcome_table(
        clinician=lead, filters=filters, today=TODAY, sql_percentiles=False
    )
    for sql_row, python_row in zip(in_sql["timepoints"], in_python["timepoints"], strict=True):
        flat_sql, flat_python = cohort.flatten_row(sql_row), cohort.flatten_row(python_row)
        assert flat_sql.keys() == flat_python.keys()
        for key, value in flat_sql.items():
            if isinstance(value, float):
                assert flat_python[key] == pytest.approx(value), key
            else:
                assert flat_python[key] == value, key


@pytest.mark.parametrize(
    "values", [[7.0], [1.0, 2.0], [3.0, 1.0, 2.0], [0.0, 2.5, 2.5, 9.0, 10.0, 35.6]]
)
def test_it_interpolates_percentiles_like_percentile_cont(values):
    if len(values) > 1:
        expected = statistics.quantiles(values, n=4, method="inclusive")
    else:
        expected = values * 3
    got = [cohort.percentile_cont(values, f) for f in (0.25, 0.5, 0.75)]
    assert got == pytest.approx(expected)


@pytest.mark.parametrize("size", [5, 20, 60])
def test_it_uses_a_constant_number_of_queries(api, lead, team, size, django_assert_max_num_queries):
    synthetic_cohort(team, seed=size, open_count=size // 2, mis_count=size - size // 2)
    # permission, eligibility and fusion, responses, odi, nrs_pain, complications,
    # revisions, audit row: the same eight at every size
    with django_assert_max_num_queries(8):
        table(api, lead)


# --- filters -------------------------------------------------------------------------------------


@pytest.fixture
def varied(team, settings):
    settings.OUTCOMES_MIN_CELL = 1
    surgery = TODAY - timedelta(days=100)

    def make(**fields: Any) -> None:
        surgery_fields = fields.pop("surgery", {})
        enrolled_patient(
            surgery_date=surgery_fields.pop("date", surgery),
            enrolled_on=surgery - timedelta(days=200),
            care_team=team,
            surgery=surgery_fields,
            **fields,
        )

    born = surgery.replace(year=surgery.year - 50)
    make(date_of_birth=born)  # 50 today: 50-64
    make(date_of_birth=born + timedelta(days=1))  # 50 tomorrow: <50
    make(date_of_birth=surgery.replace(year=surgery.year - 80), smoking_status="current")
    make(date_of_birth=surgery.replace(year=surgery.year - 70), bone_quality="osteoporosis")
    make(surgery={"approach": "mis", "technique": "mis_tlif", "indication": "stenosis"})
    make(surgery={"approach": "open", "technique": "plf", "date": TODAY - timedelta(days=10)})


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({}, 6),
        ({"approach": "mis"}, 1),
        ({"approach": "open"}, 5),
        ({"technique": "plf"}, 1),
        ({"indication": "stenosis"}, 1),
        ({"age_band": "<50"}, 1),
        ({"age_band": "50-64"}, 3),  # the two factory-default 1961 births, 64 at surgery
        ({"age_band": "65-74"}, 1),
        ({"age_band": "75+"}, 1),
        ({"smoking_status": "current"}, 1),
        ({"bone_quality": "osteoporosis"}, 1),
        ({"surgery_from": (TODAY - timedelta(days=50)).isoformat()}, 1),
        ({"surgery_to": (TODAY - timedelta(days=50)).isoformat()}, 5),
        ({"approach": "open", "age_band": "75+"}, 1),
    ],
)
def test_it_filters_the_cohort(api, lead, varied, params, count):
    assert table(api, lead, **params)["patients"]["n"] == count


def test_it_reads_an_unencoded_plus_in_the_age_band(api, lead, varied):
    response = api(lead).get(URL + "?age_band=75+")
    assert response.data["patients"]["n"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"approach": "robotic"}, "approach"),
        ({"age_band": "40-49"}, "age_band"),
        ({"surgery_from": "yesterday"}, "surgery_from"),
        ({"surgery_from": "2025-05-02", "surgery_to": "2025-05-01"}, "surgery_to"),
        ({"smoking_status": "sometimes"}, "smoking_status"),
    ],
)
def test_it_explains_bad_filters(api, lead, params, field):
    response = api(lead).get(URL, params)
    assert response.status_code == 400
    assert field in response.data["extra"]["fields"]


def test_it_uses_only_the_latest_surgery_of_each_patient(api, lead, team, settings):
    settings.OUTCOMES_MIN_CELL = 1
    patient = enrolled_patient(
        surgery_date=TODAY - timedelta(days=400),
        enrolled_on=TODAY - timedelta(days=410),
        care_team=team,
    )
    SurgeryFactory(
        patient=patient, date=TODAY - timedelta(days=20), approach="mis", technique="mis_tlif"
    )
    assert table(api, lead)["patients"]["n"] == 1
    assert table(api, lead, approach="open")["patients"]["n"] is None


# --- scope ---------------------------------------------------------------------------------------


def test_it_counts_only_the_clinicians_teams(api, lead, team, five_at_three_months):
    other = CareTeamFactory()
    synthetic_cohort(other, seed=1, open_count=8, mis_count=0)
    outsider = ClinicianFactory(care_teams=[other])
    both = ClinicianFactory(care_teams=[team, other])
    assert table(api, lead)["patients"]["n"] == 5
    assert table(api, outsider)["patients"]["n"] == 8
    assert table(api, both)["patients"]["n"] == 13


def test_it_is_for_the_care_team_only(api, five_at_three_months):
    patient = Patient.objects.first()
    assert api(patient.user).get(URL).status_code == 403
    assert api().get(URL).status_code == 401


def test_it_audits_each_view_without_naming_a_patient(api, lead, five_at_three_months):
    table(api, lead, approach="open")
    event = AccessEvent.objects.get(object_type="cohort_outcomes")
    assert (event.actor, event.patient, event.action) == (lead, None, "view")
    assert "approach=open" in event.object_id


# --- CSV -----------------------------------------------------------------------------------------


def test_it_exports_the_same_table_as_csv(api, lead, five_at_three_months):
    response = api(lead).get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = {r["timepoint"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert list(rows) == ["cohort", *TIMEPOINTS]
    assert rows["cohort"]["patients_n"] == "5"
    assert rows["cohort"]["complications_infection_patients"] == "suppressed"
    assert rows["3m"]["odi_score_median"] == "40.0"
    assert rows["3m"]["odi_mcid_share"] == "0.6"
    assert rows["3m"]["nrs_back_pain_reduction_at_least_80_share"] == "0.2"
    assert rows["6w"]["responded_n"] == "suppressed"
    assert AccessEvent.objects.get(object_type="cohort_outcomes").action == "export"


def test_it_reports_csv_filter_errors_as_json(api, lead):
    response = api(lead).get(URL, {"approach": "robotic", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "approach" in response.json()["extra"]["fields"]


def test_it_answers_options_in_json_even_when_csv_is_asked_for(api, lead):
    response = api(lead).options(URL + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
