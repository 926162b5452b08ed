"""MCID / SCB classification of baseline-to-follow-up change, and pain-reduction shares."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from recovery.instruments import (
    InstrumentError,
    UnknownInstrumentError,
    classify_change,
    load_thresholds,
    measures_for,
    pain_reduction_share,
    score,
)
from recovery.instruments.loader import DATA_DIR


def criteria(measure: str, kind: str = "mcid") -> set[tuple[str, str, Decimal, tuple[str, ...]]]:
    rules = getattr(load_thresholds().by_code[measure], kind)
    return {(c.kind, c.op, c.value, c.sources) for c in rules.any_of}


# --- the shipped defaults -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "kind", "expected"),
    [
        (
            "odi",
            "mcid",
            {
                ("improvement_points", "ge", Decimal(10), ("R150",)),
                ("improvement_percent", "ge", Decimal(30), ("R150",)),
            },
        ),
        (
            "odi",
            "scb",
            {
                ("improvement_points", "ge", Decimal("18.8"), ("R149",)),
                ("improvement_percent", "ge", Decimal("36.8"), ("R149",)),
                ("final_score", "lt", Decimal("31.3"), ("R149",)),
            },
        ),
        (
            "nrs_back",
            "mcid",
            {
                ("improvement_points", "ge", Decimal(2), ("R150",)),
                ("improvement_percent", "ge", Decimal(30), ("R150",)),
            },
        ),
        ("nrs_leg", "mcid", {("improvement_points", "ge", Decimal("3.2"), ("R151",))}),
        ("promis_pf", "mcid", {("improvement_points", "ge", Decimal("7.3"), ("R153",))}),
    ],
)
def test_it_ships_the_sourced_default_thresholds(measure, kind, expected):
    assert criteria(measure, kind) == expected


def test_it_keeps_unconfirmed_values_out_of_the_defaults():
    for measure in load_thresholds().measures:
        used = {c.sources for c in measure.mcid.any_of} | {
            c.sources for c in (measure.scb.any_of if measure.scb else ())
        }
        assert all(alt.sources not in used for alt in measure.alternatives if alt.verify)


@pytest.mark.parametrize(
    ("measure", "baseline", "follow_up"),
    [("nrs_back", 8, 1), ("nrs_leg", 8, 1), ("promis_pf", 30, 45)],
)
def test_it_defines_no_scb_where_the_sources_give_none(measure, baseline, follow_up):
    # Glassman 2008 pain SCB values could not be confirmed (R149, VERIFY).
    assert classify_change(measure, baseline, follow_up).scb_reached is None


def test_it_maps_instrument_scores_to_measures():
    assert measures_for("nrs_pain") == {"back": "nrs_back", "leg": "nrs_leg"}


def test_it_refuses_thresholds_for_a_score_the_instrument_lacks(tmp_path):
    for path in DATA_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    thresholds = tmp_path / "thresholds.yaml"
    thresholds.write_text(thresholds.read_text().replace("score_key: leg", "score_key: thigh"))
    with pytest.raises(InstrumentError, match="nrs_pain has no score 'thigh'"):
        load_thresholds(tmp_path)


# --- classification tables ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "follow_up", "mcid", "scb"),
    [
        pytest.param(50, 40, True, False, id="exactly 10 points"),
        pytest.param(50, 41, False, False, id="9 points, 18%"),
        pytest.param(30, 21, True, True, id="9 points but 30%, final < 31.3"),
        pytest.param(60, 41.2, True, True, id="exactly 18.8 points"),
        pytest.param(60, 41.3, True, False, id="18.7 points, 31.2%, final 41.3"),
        pytest.param(40, 25.28, True, True, id="exactly 36.8%"),
        pytest.param(40, 31.3, False, False, id="final exactly 31.3 is not below it"),
        pytest.param(45, 31.2, True, True, id="final just below 31.3"),
        pytest.param(20, 20, False, False, id="low baseline, unchanged: no SCB from the final arm"),
        pytest.param(25, 28, False, False, id="low baseline, worse: no SCB from the final arm"),
        pytest.param(32, 30, False, False, id="final < 31.3 but below the MCID"),
        pytest.param(0, 0, False, False, id="no disability at either time"),
    ],
)
def test_it_classifies_odi_change(baseline, follow_up, mcid, scb):
    result = classify_change("odi", baseline, follow_up)
    assert (result.mcid_reached, result.scb_reached) == (mcid, scb)


@pytest.mark.parametrize(
    ("baseline", "follow_up", "mcid"),
    [
        pytest.param(8, 6, True, id="exactly 2 points"),
        pytest.param(8, 6.1, False, id="1.9 points, 23.75%"),
        pytest.param(5, 3.5, True, id="1.5 points but exactly 30%"),
        pytest.param(3, 2.1, True, id="0.9 points, exactly 30%"),
        pytest.param(6, 5, False, id="1 point, 16.7%"),
        pytest.param(0, 0, False, id="pain-free throughout"),
    ],
)
def test_it_classifies_back_pain_change(baseline, follow_up, mcid):
    assert classify_change("nrs_back", baseline, follow_up).mcid_reached is mcid


@pytest.mark.parametrize(
    ("baseline", "follow_up", "mcid", "attainable"),
    [
        pytest.param(8, 4.8, True, True, id="exactly 3.2 points"),
        pytest.param(8, 4.9, False, True, id="3.1 points"),
        pytest.param(5, 3.5, False, True, id="30% is not enough for leg pain"),
        pytest.param(3.2, 0, True, True, id="lowest baseline that can reach it"),
        pytest.param(2, 0, False, False, id="baseline below the MCID"),
    ],
)
def test_it_classifies_leg_pain_change_against_the_stricter_registry_value(
    baseline, follow_up, mcid, attainable
):
    result = classify_change("nrs_leg", baseline, follow_up)
    assert (result.mcid_reached, result.mcid_attainable) == (mcid, attainable)


@pytest.mark.parametrize(
    ("baseline", "follow_up", "mcid", "worse"),
    [(30, 37.3, True, False), (30, 37.2, False, False), (40, 35, False, True)],
)
def test_it_treats_higher_promis_scores_as_better(baseline, follow_up, mcid, worse):
    result = classify_change("promis_pf", baseline, follow_up)
    assert (result.mcid_reached, result.worse_than_baseline) == (mcid, worse)


@pytest.mark.parametrize(
    ("measure", "baseline", "follow_up", "worse"),
    [
        ("odi", 30, 30.1, True),
        ("odi", 30, 30, False),
        ("odi", 30, 10, False),
        ("nrs_back", 2, 3, True),
        ("nrs_leg", 0, 1, True),
        ("promis_pf", 50, 49.9, True),
    ],
)
def test_it_flags_scores_worse_than_baseline(measure, baseline, follow_up, worse):
    assert classify_change(measure, baseline, follow_up).worse_than_baseline is worse


def test_it_reports_change_as_measured_and_improvement_as_better():
    result = classify_change("odi", 40, 28)
    assert (result.change, result.percent_change, result.improvement) == (-12.0, -30.0, 12.0)


def test_it_has_no_percent_change_from_a_zero_baseline():
    result = classify_change("nrs_back", 0, 3)
    assert (result.percent_change, result.improvement) == (None, -3.0)


def test_it_records_the_thresholds_version():
    assert classify_change("odi", 40, 20).thresholds_version == load_thresholds().version


# --- patient summaries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "baseline", "follow_up", "template"),
    [
        ("odi", 30, 40, "worse"),
        ("odi", 30, 30, "unchanged"),
        ("odi", 50, 45, "improved_below_mcid"),
        ("odi", 50, 40, "mcid"),
        ("odi", 60, 20, "scb"),
        ("nrs_leg", 2, 0, "improved"),  # MCID out of reach: no "not yet meaningful"
        ("nrs_back", 7, 3, "mcid"),
    ],
)
def test_it_picks_the_patient_summary(measure, baseline, follow_up, template):
    thresholds = load_thresholds()
    label = thresholds.by_code[measure].label
    expected = getattr(thresholds.summaries, template).format(label=label)
    assert classify_change(measure, baseline, follow_up).summary == expected


def test_it_words_a_meaningful_odi_improvement_for_patients():
    assert (
        classify_change("odi", 50, 38).summary
        == "Your daily-life score has improved by a meaningful amount."
    )


# --- input checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "baseline", "follow_up"),
    [
        ("odi", 101, 50),
        ("odi", 50, -1),
        ("nrs_back", 11, 2),
        ("promis_pf", 10, 50),
        ("odi", True, 50),
        ("odi", "50", 40),
        ("nrs_leg", float("nan"), 2),
        ("nrs_leg", Decimal("Infinity"), 2),
        ("nrs_leg", 5, None),
    ],
)
def test_it_rejects_values_outside_the_scale_or_not_numbers(measure, baseline, follow_up):
    with pytest.raises(ValueError):
        classify_change(measure, baseline, follow_up)


def test_it_rejects_unknown_measures():
    with pytest.raises(UnknownInstrumentError):
        classify_change("eq5d", 0.5, 0.7)


# --- pain reduction share -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "follow_up", "share", "half", "eighty"),
    [
        (8, 4, 0.5, True, False),
        (8, 4.1, 0.4875, False, False),
        (10, 2, 0.8, True, True),
        (3, 0.6, 0.8, True, True),  # exact in Decimal; float arithmetic gives 0.7999..
        (6, 0, 1.0, True, True),
        (4, 6, -0.5, False, False),
    ],
)
def test_it_measures_the_share_of_pain_gone(baseline, follow_up, share, half, eighty):
    result = pain_reduction_share(baseline, follow_up)
    assert result is not None
    assert (result.share, result.reached) == (share, {50: half, 80: eighty})


@pytest.mark.parametrize("follow_up", [0, 3])
def test_it_has_no_pain_reduction_share_from_a_zero_baseline(follow_up):
    assert pain_reduction_share(0, follow_up) is None


@pytest.mark.parametrize(("baseline", "follow_up"), [(11, 2), (5, -1), (True, 0), ("8", 4)])
def test_it_rejects_pain_values_off_the_scale(baseline, follow_up):
    with pytest.raises(ValueError):
        pain_reduction_share(baseline, follow_up)


# --- end to end ---------------------------------------------------------------------------------


def test_it_classifies_each_scored_pain_against_its_own_measure():
    before = score("nrs_pain", {"back": 7, "leg": 8})
    after = score("nrs_pain", {"back": 4, "leg": 6})
    results = {
        key: classify_change(measure, before.scores[key], after.scores[key])
        for key, measure in measures_for("nrs_pain").items()
    }
    assert {key: r.mcid_reached for key, r in results.items()} == {"back": True, "leg": False}
