from datetime import date
from decimal import Decimal

import pytest

from recovery.models import Patient
from recovery.risk.summary import age_on, mcid_target, phase_markers, risk_factors


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [(date(1961, 4, 2), date(2025, 4, 1), 63), (date(1961, 4, 2), date(2025, 4, 2), 64)],
)
def test_it_counts_age_in_whole_years(born, on, age):
    assert age_on(born, on) == age


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, []),
        ({"smoking_status": "current"}, ["Smokes"]),
        ({"diabetes": True, "hba1c": Decimal("6.8")}, ["Diabetes: HbA1c 6.8%"]),
        ({"diabetes": True, "hba1c": Decimal("6.9")}, ["Diabetes: HbA1c 6.9% (raised)"]),
        ({"bmi": Decimal("29.9")}, []),
        ({"bmi": Decimal("36.0")}, ["High BMI: BMI 36.0 (class II obesity)"]),
        (
            {"bone_quality": "osteoporosis", "t_score": Decimal("-2.8")},
            ["Low bone density: osteoporosis, T-score -2.8"],
        ),
        ({"steroid_use": True}, ["Long-term steroids"]),
    ],
)
def test_it_summarises_risk_factors_in_plain_words(fields, expected):
    patient = Patient(**{"smoking_status": "never", "bone_quality": "normal", **fields})

    summary = [f"{f.label}: {f.detail}" if f.detail else f.label for f in risk_factors(patient)]

    assert summary == expected


def test_it_takes_phase_boundaries_from_the_pathway_template():
    markers = phase_markers("tlif")

    assert [day for day, _ in markers] == [0, 15, 43, 91, 181, 366]


def test_it_has_no_phase_markers_for_an_unknown_technique():
    assert phase_markers("unknown") == []


@pytest.mark.parametrize(
    ("baseline", "target"),
    [
        (50, 40),  # 10 points (40) is easier than 30% (35)
        (20, 14),  # 30% (14) is easier than 10 points (10)
        (0, -10),  # no relative target from zero
    ],
)
def test_it_places_the_odi_mcid_line_at_the_most_lenient_target(baseline, target):
    assert mcid_target(baseline) == pytest.approx(target)
