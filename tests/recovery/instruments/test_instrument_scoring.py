"""Instrument data, answer validation, scoring and licensed-wording loading (no Django)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from recovery.instruments import (
    AnswerError,
    InstrumentError,
    UnknownInstrumentError,
    load_instruments,
    load_wording,
    resolve_multiple_ticks,
    score,
    validate_answers,
)
from recovery.instruments.loader import DATA_DIR
from recovery.instruments.scoring import round_half_up

ODI_SECTIONS = [
    "pain_intensity",
    "personal_care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex_life",
    "social_life",
    "travelling",
]
# R146 worked example: ten answered sections summing to 16.
SUM_16 = [2, 2, 2, 2, 2, 2, 2, 0, 1, 1]


def with_skips(answers: list[int | None], *indexes: int) -> list[int | None]:
    return [None if i in indexes else value for i, value in enumerate(answers)]


def answers_summing_to(total: int) -> list[int | None]:
    return [min(5, max(0, total - 5 * i)) for i in range(10)]


def odi_with(**scoring_changes: object) -> dict:
    odi = load_instruments()["odi"]
    return {
        "odi": odi.model_copy(update={"scoring": odi.scoring.model_copy(update=scoring_changes)})
    }


# --- data ---------------------------------------------------------------------------------------


def test_it_loads_the_shipped_instruments():
    assert set(load_instruments()) == {"odi", "nrs_pain", "promis_pf"}


def test_it_keeps_the_published_odi_section_order():
    assert [item.key for item in load_instruments()["odi"].items] == ODI_SECTIONS


def test_it_ships_no_licensed_odi_wording():
    odi = load_instruments()["odi"]
    assert odi.licence.status == "licence_required"
    assert odi.licence.wording_shipped is False


def test_it_ships_promis_pf_disabled_until_its_licence_is_checked():
    promis = load_instruments()["promis_pf"]
    assert promis.enabled is False
    assert promis.licence.status == "verify"


def test_it_returns_a_copy_of_the_cached_registry():
    load_instruments().pop("odi")
    assert "odi" in load_instruments()


def test_it_lists_every_problem_in_invalid_data_files(tmp_path):
    shutil.copy(DATA_DIR / "odi.yaml", tmp_path / "odi.yaml")
    (tmp_path / "broken.yaml").write_text("code: broken\nname: x\n")
    (tmp_path / "nrs_pain.yaml").write_text("code: [unclosed\n")
    with pytest.raises(InstrumentError) as raised:
        load_instruments(tmp_path)
    problems = raised.value.problems
    assert any(p.startswith("broken.yaml: version:") for p in problems)
    assert any(p.startswith("nrs_pain.yaml: not valid YAML") for p in problems)


def test_it_requires_the_code_to_match_the_file_name(tmp_path):
    shutil.copy(DATA_DIR / "odi.yaml", tmp_path / "oswestry.yaml")
    with pytest.raises(InstrumentError, match="must match the file name"):
        load_instruments(tmp_path)


def test_it_rejects_a_missing_allowance_that_leaves_nothing_to_score(tmp_path):
    text = (
        (DATA_DIR / "odi.yaml").read_text().replace("max_missing_items: 1", "max_missing_items: 10")
    )
    (tmp_path / "odi.yaml").write_text(text)
    with pytest.raises(InstrumentError, match="max_missing_items"):
        load_instruments(tmp_path)


def test_it_imports_without_django():
    code = "import sys, recovery.instruments; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- ODI scoring --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected", "missing"),
    [
        pytest.param(SUM_16, 32.0, [], id="all answered: 16/50 (R146)"),
        pytest.param(with_skips(SUM_16, 7), 35.6, ["sex_life"], id="section 8 skipped: 16/45"),
        pytest.param(
            with_skips([2, 2, 2, 2, 2, 2, 0, 2, 1, 1], 6),
            35.6,
            ["sleeping"],
            id="one skipped: 16/45",
        ),
        pytest.param([0] * 10, 0.0, [], id="no disability"),
        pytest.param([5] * 10, 100.0, [], id="maximum disability"),
    ],
)
def test_it_scores_odi_worked_examples(answers, expected, missing):
    result = score("odi", answers)
    assert (result.valid, result.score, result.details["missing"]) == (True, expected, missing)


def test_it_removes_five_from_the_denominator_per_skipped_section():
    details = score("odi", with_skips(SUM_16, 7)).details
    assert (details["raw_sum"], details["max_possible"], details["answered"]) == (16, 45, 9)
    exact = Fraction(details["raw_sum"] * 100, details["max_possible"])
    assert Fraction(3555, 100) < exact < Fraction(3556, 100)


def test_it_rounds_half_up_where_the_reference_truncates():
    # REFERENCE.md prints 35.5 for 16/45 (truncated); the documented rule gives 35.6.
    exact = Decimal(1600) / Decimal(45)
    assert exact.quantize(Decimal("0.1"), rounding="ROUND_DOWN") == Decimal("35.5")
    assert score("odi", with_skips(SUM_16, 7)).score == float(round_half_up(exact, 1)) == 35.6


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("35.55", 1, "35.6"),
        ("42.25", 1, "42.3"),  # banker's rounding would give 42.2
        ("42.5", 0, "43"),  # and 42 here
        ("35.5555", 1, "35.6"),
        ("35.549", 1, "35.5"),
    ],
)
def test_it_rounds_half_up(value, decimals, expected):
    assert round_half_up(Decimal(value), decimals) == Decimal(expected)


@pytest.mark.parametrize("skipped", [(0, 1), (6, 7), (7, 9)])
def test_it_invalidates_odi_with_two_sections_skipped_by_default(skipped):
    result = score("odi", with_skips(SUM_16, *skipped))
    assert (result.valid, result.score, result.reason) == (False, None, "too_many_missing_items")
    assert result.details["missing"] == [ODI_SECTIONS[i] for i in skipped]


def test_it_accepts_two_skipped_sections_when_configured():
    result = score("odi", with_skips(SUM_16, 0, 7), instruments=odi_with(max_missing_items=2))
    assert (result.valid, result.details["max_possible"]) == (True, 40)


def test_it_rounds_to_the_configured_decimals():
    # 8 answered sections summing to 17: 17/40 = 42.5% exactly.
    answers = with_skips([3, 2, 2, 2, 2, 2, 2, 2, 2, 2], 8, 9)
    result = score("odi", answers, instruments=odi_with(decimals=0, max_missing_items=2))
    assert result.score == 43.0


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (10, "minimal"),  # 20%
        (11, "moderate"),  # 22%
        (20, "moderate"),  # 40%
        (30, "severe"),  # 60%
        (31, "crippled"),  # 62%
        (41, "bed_bound_or_exaggerating"),  # 82%
    ],
)
def test_it_reports_the_odi_interpretation_band(total, band):
    assert score("odi", answers_summing_to(total)).details["band"] == band


def test_it_puts_a_fractional_score_above_a_band_edge_in_the_next_band():
    # 9 answered summing to 9 -> 20.0; summing to 10 -> 22.2 (moderate, not "minimal").
    assert score("odi", with_skips([2, 1, 1, 1, 1, 1, 1, 1, 1, 1], 7)).details["band"] == "moderate"


def test_it_records_versions_on_every_result():
    result = score("odi", SUM_16)
    assert (result.instrument, result.instrument_version, result.definition_version) == (
        "odi",
        load_instruments()["odi"].version,
        load_instruments()["odi"].definition_version,
    )


def test_it_refuses_to_score_invalid_answers():
    with pytest.raises(AnswerError) as raised:
        score("odi", [1] * 9)
    assert raised.value.errors == validate_answers("odi", [1] * 9)


@pytest.mark.parametrize("function", [score, validate_answers])
def test_it_rejects_unknown_instruments(function):
    with pytest.raises(UnknownInstrumentError):
        function("sf12", [])


@pytest.mark.parametrize(("ticks", "expected"), [([2, 4], 4), ([3], 3), ([0, 5, 1], 5), ([], None)])
def test_it_keeps_the_higher_of_several_ticked_boxes(ticks, expected):
    assert resolve_multiple_ticks(ticks) == expected


# --- ODI validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [SUM_16, with_skips(SUM_16, 7), with_skips(SUM_16, 0, 1, 2), [None] * 10],
    ids=["all answered", "one skipped", "three skipped", "all skipped"],
)
def test_it_accepts_well_formed_odi_answers(answers):
    # Too many skips is a scoring outcome, not a validation error: the answers are stored.
    assert validate_answers("odi", answers) == {}


@pytest.mark.parametrize(
    ("answers", "path", "fragment"),
    [
        pytest.param([1] * 9, "answers", "exactly 10 answers", id="too short"),
        pytest.param([1] * 11, "answers", "got 11", id="too long"),
        pytest.param({"pain_intensity": 1}, "answers", "Expected a list", id="dict"),
        pytest.param("1111111111", "answers", "Expected a list", id="string"),
        pytest.param(None, "answers", "Expected a list", id="null"),
        pytest.param([6, *SUM_16[1:]], "answers[0]", "Pain intensity", id="above range"),
        pytest.param([*SUM_16[:3], -1, *SUM_16[4:]], "answers[3]", "got -1", id="below range"),
        pytest.param([True, *SUM_16[1:]], "answers[0]", "got bool", id="bool"),
        pytest.param([*SUM_16[:7], "2", *SUM_16[8:]], "answers[7]", "got str", id="string item"),
        pytest.param([*SUM_16[:9], 1.0], "answers[9]", "got float", id="float item"),
    ],
)
def test_it_explains_invalid_odi_answers(answers, path, fragment):
    errors = validate_answers("odi", answers)
    assert list(errors) == [path]
    assert fragment in errors[path][0]


def test_it_reports_every_bad_odi_item_and_the_length():
    errors = validate_answers("odi", [9, 1, False, 1, "x"])
    assert set(errors) == {"answers", "answers[0]", "answers[2]", "answers[4]"}


def test_it_names_the_section_and_the_allowed_range():
    errors = validate_answers("odi", [*SUM_16[:7], 7, *SUM_16[8:]])
    assert errors["answers[7]"] == [
        "Sex life (if applicable): expected a whole number from 0 to 5, or null if skipped; got 7."
    ]


# --- NRS ----------------------------------------------------------------------------------------


def test_it_scores_back_and_leg_pain_separately():
    result = score("nrs_pain", {"back": 3, "leg": 7})
    assert (result.valid, result.scores, result.score) == (True, {"back": 3.0, "leg": 7.0}, 3.0)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param({"back": 0, "leg": 10}, {}, id="bounds"),
        pytest.param({"back": 4}, {"answers.leg": "required"}, id="missing leg"),
        pytest.param({"back": None, "leg": 2}, {"answers.back": "required"}, id="null back"),
        pytest.param(
            {"back": 1, "leg": 2, "thigh": 3}, {"answers.thigh": "Unexpected key"}, id="extra key"
        ),
        pytest.param({"back": 11, "leg": 2}, {"answers.back": "got 11"}, id="above range"),
        pytest.param({"back": 1, "leg": -1}, {"answers.leg": "got -1"}, id="below range"),
        pytest.param({"back": True, "leg": 2}, {"answers.back": "got bool"}, id="bool"),
        pytest.param({"back": 3.5, "leg": 2}, {"answers.back": "got float"}, id="float"),
        pytest.param({"back": "3", "leg": 2}, {"answers.back": "got str"}, id="string"),
        pytest.param([3, 2], {"answers": "Expected an object"}, id="list"),
    ],
)
def test_it_validates_nrs_answers(answers, expected):
    errors = validate_answers("nrs_pain", answers)
    assert set(errors) == set(expected)
    for path, fragment in expected.items():
        assert fragment in errors[path][0]


# --- PROMIS PF (externally scored T-score) ------------------------------------------------------


def test_it_takes_an_externally_computed_promis_t_score():
    assert score("promis_pf", {"t_score": 42.35}).scores == {"t_score": 42.4}


@pytest.mark.parametrize("value", [19.9, 80.5, float("nan"), float("inf")])
def test_it_rejects_promis_t_scores_outside_the_reference_range(value):
    assert "answers.t_score" in validate_answers("promis_pf", {"t_score": value})


# --- licensed wording ---------------------------------------------------------------------------


def odi_wording(**changes: object) -> dict:
    items = {
        key: {
            "prompt": f"Section {key}",
            "options": {code: f"Statement {code}" for code in range(6)},
        }
        for key in ODI_SECTIONS
    }
    return {
        "instrument": "odi",
        "version": load_instruments()["odi"].version,
        "items": items,
    } | changes


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("path", [None, Path("/nonexistent/odi.wording.yaml")])
def test_it_returns_no_wording_when_none_is_installed(path):
    assert load_wording("odi", path) is None


def test_it_loads_licensed_wording_from_an_uncommitted_file(tmp_path):
    wording = load_wording("odi", write_yaml(tmp_path / "odi.wording.yaml", odi_wording()))
    assert wording is not None
    assert set(wording.items) == set(ODI_SECTIONS)
    assert wording.items["walking"].options[5] == "Statement 5"


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"version": "1.0"}, "version '1.0'"),
        ({"instrument": "nrs_pain"}, "instrument 'nrs_pain'"),
        ({"items": {}}, "missing 'pain_intensity'"),
    ],
)
def test_it_rejects_wording_that_does_not_match_the_instrument(tmp_path, changes, fragment):
    path = write_yaml(tmp_path / "odi.wording.yaml", odi_wording(**changes))
    with pytest.raises(InstrumentError, match=fragment):
        load_wording("odi", path)


def test_it_requires_a_statement_for_every_odi_answer_code(tmp_path):
    data = odi_wording()
    del data["items"]["lifting"]["options"][3]
    with pytest.raises(InstrumentError, match=r"items\.lifting: missing options 3"):
        load_wording("odi", write_yaml(tmp_path / "odi.wording.yaml", data))


def test_it_accepts_anchor_only_wording_for_the_nrs(tmp_path):
    items = {key: {"prompt": key, "options": {0: "none", 10: "worst"}} for key in ("back", "leg")}
    data = {"instrument": "nrs_pain", "version": "1.0", "items": items}
    assert load_wording("nrs_pain", write_yaml(tmp_path / "nrs.yaml", data)) is not None
