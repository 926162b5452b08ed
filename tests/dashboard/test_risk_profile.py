"""The risk-profile cut-offs are reviewed data: they load, cite real sources, and decide."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from recovery.models import Patient
from recovery.risk import risk_profile
from recovery.risk.risk_profile import age_and_levels, fused_level_count, load_risk_profile
from recovery.risk.summary import risk_factors

# shared/ sits beside the repository (/work/shared next to /work/main); a worktree is deeper.
REFERENCE = next(
    (
        parent / "shared/clinical/REFERENCE.md"
        for parent in Path(__file__).resolve().parents[3:5]
        if (parent / "shared/clinical/REFERENCE.md").exists()
    ),
    Path(__file__).resolve().parents[3] / "shared/clinical/REFERENCE.md",
)

SHIPPED = risk_profile.RISK_PROFILE_FILE.read_text(encoding="utf-8")


def test_it_ships_the_reviewed_cut_offs():
    profile = load_risk_profile()

    assert profile.hba1c_raised_percent.value == Decimal("6.9")
    assert [(c.min, c.name) for c in profile.bmi_classes.classes] == [
        (Decimal("40"), "class III obesity"),
        (Decimal("35"), "class II obesity"),
        (Decimal("30"), "obesity"),
    ]


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/clinical/REFERENCE.md not present")
def test_it_cites_only_sources_listed_in_the_reference():
    text = REFERENCE.read_text(encoding="utf-8")
    known = set(re.findall(r"^(R\d+)\. ", text[text.index("## 8.") :], flags=re.MULTILINE))
    profile = load_risk_profile()

    cited = {
        *profile.hba1c_raised_percent.sources,
        *profile.bmi_classes.sources,
        *profile.age_older_years.sources,
        *profile.multilevel_fused_levels.sources,
    }

    assert cited <= known


def test_it_refuses_bmi_classes_out_of_order(tmp_path):
    path = tmp_path / "risk_profile.yaml"
    path.write_text(SHIPPED.replace('min: "40"', 'min: "20"'), encoding="utf-8")

    with pytest.raises(ValidationError, match="highest cut-off first"):
        load_risk_profile(path)


def test_it_refuses_a_cut_off_without_sources(tmp_path):
    path = tmp_path / "risk_profile.yaml"
    path.write_text(SHIPPED.replace("sources: [R19, R20]", "sources: []"), encoding="utf-8")

    with pytest.raises(ValidationError):
        load_risk_profile(path)


def test_it_applies_the_cut_off_from_the_data_file(tmp_path, monkeypatch):
    path = tmp_path / "risk_profile.yaml"
    path.write_text(SHIPPED.replace('value: "6.9"', 'value: "7.5"'), encoding="utf-8")
    patient = Patient(diabetes=True, hba1c=Decimal("7.0"))
    shipped = [f.detail for f in risk_factors(patient)]

    monkeypatch.setattr(risk_profile, "RISK_PROFILE_FILE", path)
    stricter = [f.detail for f in risk_factors(patient)]

    assert shipped == ["HbA1c 7.0% (raised)"]
    assert stricter == ["HbA1c 7.0%"]


def test_a_broken_risk_profile_fails_the_system_check(tmp_path, monkeypatch):
    from recovery.checks import check_risk_profile

    assert check_risk_profile() == []
    broken = tmp_path / "risk_profile.yaml"
    broken.write_text("version: 1\nhba1c_raised_percent: {value: 6.9}\n", encoding="utf-8")
    monkeypatch.setattr(risk_profile, "RISK_PROFILE_FILE", broken)

    [error] = check_risk_profile()
    risk_profile._load.cache_clear()  # the next reader gets the shipped file again

    assert error.id == "recovery.E004"


def test_it_ships_the_age_and_fused_level_cut_offs():
    profile = load_risk_profile()

    assert profile.age_older_years.value == Decimal("65")
    assert profile.multilevel_fused_levels.value == Decimal("2")
    assert "R47" in profile.age_older_years.sources
    assert "R127" in profile.multilevel_fused_levels.sources


@pytest.mark.parametrize(
    ("age", "levels", "shown"),
    [
        (52, "L3-L4", [("Age", "52"), ("Fused levels", "1 (L3-L4)")]),
        (65, "L3-L4", [("Age", "65"), ("Fused levels", "1 (L3-L4)")]),
        (
            71,
            "L3-L4,L4-L5",
            [("Age", "71 (over 65)"), ("Fused levels", "2, multilevel (L3-L4, L4-L5)")],
        ),
    ],
)
def test_it_shows_age_and_fused_levels_with_their_sources(age, levels, shown):
    entries = age_and_levels(age=age, levels=levels)

    assert [(e.label, e.detail) for e in entries] == shown
    assert all(e.sources for e in entries)


def test_it_counts_the_fused_levels():
    assert fused_level_count("L3-L4") == 1
    assert fused_level_count("L2-L3,L3-L4,L4-L5") == 3


def test_it_marks_age_from_the_data_file(tmp_path):
    path = tmp_path / "risk_profile.yaml"
    path.write_text(SHIPPED.replace('value: "65"', 'value: "75"'), encoding="utf-8")

    [age, _] = age_and_levels(age=71, levels="L3-L4", path=path)

    assert age.detail == "71"
