"""docs/fhir.md is the mapping table: it must name every code the exporter can emit."""

from pathlib import Path

import pytest

from recovery.fhir import codes

DOC = (Path(__file__).resolve().parents[2] / "docs" / "fhir.md").read_text(encoding="utf-8")
EMITTED = [
    codes.PAIN_SEVERITY,
    codes.BODY_TEMPERATURE,
    codes.LOWER_BACK,
    codes.LOWER_LIMB,
    codes.INPATIENT,
    codes.CATEGORY_SURVEY,
    codes.CATEGORY_VITAL_SIGNS,
    codes.FLAG_CLINICAL,
    *codes.ACHIEVEMENT.values(),
]


@pytest.mark.parametrize("code", EMITTED, ids=lambda c: c.code)
def test_it_documents_every_emitted_standard_code(code) -> None:
    assert f"`{code.code}`" in DOC or f"#{code.code}" in DOC or f"|{code.code}" in DOC


@pytest.mark.parametrize("unit", [codes.UNIT_CELSIUS, codes.UNIT_SCORE, codes.UNIT_PERCENT])
def test_it_documents_every_ucum_unit(unit) -> None:
    assert f"`{unit[1]}`" in DOC


@pytest.mark.parametrize("code", codes.TO_VERIFY.values(), ids=lambda c: c.code)
def test_it_marks_every_unconfirmed_code_as_to_verify(code) -> None:
    rows = [line for line in DOC.splitlines() if f"`{code.code}`" in line]

    assert rows, f"{code.code} is not in docs/fhir.md"
    assert all("to verify" in row for row in rows)
